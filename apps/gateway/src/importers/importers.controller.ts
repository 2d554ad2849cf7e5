import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses } from '@app/openapi';
import { ImporterEnvelopeDto, ImporterListResponseDto } from './dto/importer.response.dto.js';
import { toImporterResponse } from './importer.mapper.js';
import { ImportersService } from './importers.service.js';

@ApiTags('importers')
@ApiBearerAuth()
@Controller('importers')
export class ImportersController {
  constructor(private readonly importers: ImportersService) {}

  @Get()
  @ApiOperation({
    summary: 'List the importer definitions',
    description: 'Every importer of IMPORTERS_DIR, ordered by slug. Any valid token may read them.',
  })
  @ApiOkResponse({ type: ImporterListResponseDto })
  @ApiProblemResponses(401)
  list(): ImporterListResponseDto {
    return { data: this.importers.list().map(toImporterResponse) };
  }

  @Get(':slug')
  @ApiOperation({ summary: 'Get one importer definition: source, target, fields with transforms and rules' })
  @ApiParam({ name: 'slug', example: 'stations' })
  @ApiOkResponse({ type: ImporterEnvelopeDto })
  @ApiProblemResponses(401, 404)
  get(@Param('slug') slug: string): ImporterEnvelopeDto {
    return { data: toImporterResponse(this.importers.get(slug)) };
  }
}
