import type { JobName, JobPayloads } from './queue-names.js';

/** One queue job to add: its name and the payload typed for that name. */
export type Dispatch = { [N in JobName]: { name: N; payload: JobPayloads[N] } }[JobName];
