import type { EntityMetadata, ObjectLiteral } from 'typeorm';

/** Maps a raw `RETURNING *` row (snake_case columns) onto an entity, applying column transformers. */
export function hydrate<T extends ObjectLiteral>(metadata: EntityMetadata, raw: Record<string, unknown>): T {
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    if (!(column.databaseName in raw)) continue;
    let value = raw[column.databaseName];
    const transformer = column.transformer;
    if (transformer && !Array.isArray(transformer)) value = transformer.from(value);
    column.setEntityValue(entity, value);
  }
  return entity;
}
