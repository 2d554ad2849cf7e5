import { Module } from '@nestjs/common';
import { ImportersModule } from '@app/importers';
import { ImportersController } from './importers.controller.js';
import { ImportersService } from './importers.service.js';

@Module({ imports: [ImportersModule], controllers: [ImportersController], providers: [ImportersService] })
export class ImportersApiModule {}
