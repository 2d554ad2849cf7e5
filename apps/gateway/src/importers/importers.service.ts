import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@app/common';
import { ImporterCatalog, type ImporterDefinition } from '@app/importers';

@Injectable()
export class ImportersService {
  constructor(private readonly catalog: ImporterCatalog) {}

  list(): ImporterDefinition[] {
    return this.catalog.list();
  }

  get(slug: string): ImporterDefinition {
    const definition = this.catalog.get(slug);
    if (!definition) throw new NotFoundError(`Importer '${slug}'`);
    return definition;
  }
}
