// `npm run cli -- <command>`: the operator CLI (tokens). Builds first if needed.
import { execFileSync } from 'node:child_process';

execFileSync('bash', ['scripts/build-if-stale.sh'], { stdio: ['ignore', 'ignore', 'inherit'] });
await import('../dist/apps/gateway/apps/gateway/src/cli/cli.js');
