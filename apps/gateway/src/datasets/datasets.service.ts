import { Injectable, Logger } from '@nestjs/common';
import { describeError } from '@app/common';
import { VrtRepository } from '@app/jobs';
import type { Principal } from '@app/security';
import { Storage } from '@app/storage';

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** `DROP TABLE` for a schema-qualified dataset table name. */
export function dropTableSql(qualified: string): string {
  const [schema, ...rest] = qualified.split('.');
  const table = rest.join('.');
  return `DROP TABLE IF EXISTS ${table ? `${quote(schema ?? '')}.${quote(table)}` : quote(schema ?? '')} CASCADE`;
}

@Injectable()
export class DatasetsService {
  private readonly logger = new Logger(DatasetsService.name);

  constructor(
    private readonly vrts: VrtRepository,
    private readonly storage: Storage,
  ) {}

  /**
   * Deletes a dataset: 409 naming the VRTs that use it. The row (and a vector dataset's table) goes in
   * one transaction; its stored objects (a COG, a VRT's generations) are deleted after the commit.
   */
  async delete(id: string, principal: Principal): Promise<void> {
    const dataset = await this.vrts.deleteForOwner(id, principal.owner, dropTableSql);
    try {
      for await (const object of this.storage.list(`datasets/${dataset.id}/`)) await this.storage.delete(object.key);
      if (dataset.storageKey) await this.storage.delete(dataset.storageKey);
    } catch (error) {
      this.logger.warn({ dataset_id: id, err: describeError(error) }, 'stored objects of a deleted dataset remain');
    }
  }
}
