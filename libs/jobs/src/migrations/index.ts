import type { MigrationInterface } from 'typeorm';
import { DatasetsPerJobAndDataSchema1796131373404 } from './1796131373404-DatasetsPerJobAndDataSchema.js';
import { Init1795333618324 } from './1795333618324-Init.js';
import { ImportRuns1796600000000 } from './1796600000000-ImportRuns.js';
import { ImportRowGeometry1796610000000 } from './1796610000000-ImportRowGeometry.js';
import { ImportSeenValues1796600000100 } from './1796600000100-ImportSeenValues.js';
import { JobKindAndSource1796400000000 } from './1796400000000-JobKindAndSource.js';
import { ImportRunCounts1796700000000 } from './1796700000000-ImportRunCounts.js';
import { VrtGenerations1796500000000 } from './1796500000000-VrtGenerations.js';

type MigrationClass = new () => MigrationInterface;

/** Every migration, oldest first. `npm run migration:generate -- <Name>` appends here. */
export const MIGRATIONS: MigrationClass[] = [
  Init1795333618324,
  DatasetsPerJobAndDataSchema1796131373404,
  JobKindAndSource1796400000000,
  VrtGenerations1796500000000,
  ImportRuns1796600000000,
  ImportSeenValues1796600000100,
  ImportRowGeometry1796610000000,
  ImportRunCounts1796700000000,
];
