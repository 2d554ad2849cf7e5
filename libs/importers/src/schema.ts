// The JSON Schema of an importer file (DESIGN §4): shapes, enums, ranges and unknown keys. What depends on
// several keys at once (source type vs its keys, target.key vs fields, step arguments) is checked by the
// loader after it.
import {
  DUPLICATE_STRATEGIES,
  FIELD_TYPES,
  SERVICE_SOURCE_TYPES,
  SOURCE_FORMATS,
  SOURCE_TYPES,
  TRANSACTION_MODES,
  WFS_VERSIONS,
} from './definition.js';

const steps = {
  type: 'array',
  items: { type: ['string', 'object'] },
} as const;

export const IMPORTER_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Strata importer',
  type: 'object',
  additionalProperties: false,
  required: ['source', 'target', 'fields'],
  properties: {
    slug: { type: 'string' },
    title: { type: 'string', minLength: 1, maxLength: 200 },
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { enum: [...SOURCE_TYPES] },
        formats: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...SOURCE_FORMATS] } },
        url: { type: 'string', minLength: 1 },
        key: { type: 'string', minLength: 1 },
        service: {
          type: 'object',
          additionalProperties: false,
          required: ['url', 'service_type', 'layer_name'],
          properties: {
            url: { type: 'string', minLength: 1 },
            service_type: { enum: [...SERVICE_SOURCE_TYPES] },
            layer_name: { type: 'string', minLength: 1, maxLength: 255 },
            layer_id: { type: ['string', 'integer'], pattern: '^[0-9]{1,9}$', minimum: 0, maximum: 999999999 },
            version: { enum: [...WFS_VERSIONS] },
            object_id_field: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' },
          },
        },
        overridable: { type: 'array', uniqueItems: true, items: { type: 'string' } },
        max_size_bytes: { type: 'integer', minimum: 1 },
      },
    },
    read: {
      type: 'object',
      additionalProperties: false,
      properties: {
        delimiter: { type: 'string', minLength: 1, maxLength: 1 },
        encoding: { type: 'string', minLength: 1 },
        header_row: { type: 'integer', minimum: 1 },
        sheet: { type: ['string', 'integer'], minLength: 1, minimum: 1 },
        pointer: { type: 'string' },
        layer: { type: 'string', minLength: 1 },
      },
    },
    target: {
      type: 'object',
      additionalProperties: false,
      required: ['table'],
      properties: {
        table: { type: 'string', minLength: 1 },
        create: { type: 'boolean' },
        key: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' } },
      },
    },
    fields: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: {
          from: { type: ['string', 'array'] },
          type: { enum: [...FIELD_TYPES] },
          transforms: steps,
          rules: steps,
        },
      },
    },
    geometry: {
      type: 'object',
      additionalProperties: false,
      required: ['from'],
      properties: {
        column: { type: 'string' },
        srid: { type: 'integer', minimum: 1, maximum: 998999 },
        from: { type: ['string', 'object'] },
      },
    },
    duplicates: {
      type: 'object',
      additionalProperties: false,
      required: ['strategy'],
      properties: {
        strategy: { enum: [...DUPLICATE_STRATEGIES] },
        compare: { type: 'string', minLength: 1 },
      },
    },
    chunk_size: { type: 'integer', minimum: 1, maximum: 50000 },
    errors: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_failed_rows: { type: ['integer', 'null'], minimum: 0 },
        max_failed_ratio: { type: ['number', 'null'], exclusiveMinimum: 0, maximum: 1 },
      },
    },
    rows: {
      type: 'object',
      additionalProperties: false,
      properties: { keep_successful: { type: 'boolean' } },
    },
    transaction: { enum: [...TRANSACTION_MODES] },
  },
} as const;
