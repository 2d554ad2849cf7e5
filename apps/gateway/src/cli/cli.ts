import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { TokenService, parseCapabilities } from '@app/security';
import { parseDuration } from './duration.js';
import { IMPORTER_USAGE, runImporterCommand } from './importer-commands.js';
import { INGEST_USAGE, cliModuleFor, runIngestCommand } from './ingest-commands.js';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  token:create --user <name> --capabilities <list> [--name <label>] [--expires-in <30d|12h|90m>]
      Mints a token and prints it alone on the last line. Capabilities: upload, create_layers, metrics, admin.
  token:list [--user <name>]
      Lists tokens (never the tokens themselves): id, owner, prefix, capabilities, expiry, state.
  token:revoke <id>
      Revokes a token; it stops working at once.
${IMPORTER_USAGE}
${INGEST_USAGE}`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  // Importer files are checked without booting Nest (no database needed).
  if (command === 'importers:list' || command === 'importers:check') return runImporterCommand(command, rest);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      capabilities: { type: 'string' },
      name: { type: 'string' },
      'expires-in': { type: 'string' },
      file: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const app = await NestFactory.createApplicationContext(cliModuleFor(command), { logger: ['error'] });
  try {
    const tokens = app.get(TokenService);
    switch (command) {
      case 'token:create': {
        if (!values.user || !values.capabilities) throw new UsageError('token:create needs --user and --capabilities');
        const capabilities = parseCapabilities(values.capabilities);
        const expiresAt = values['expires-in'] ? new Date(Date.now() + parseDuration(values['expires-in'])) : null;
        const { token, record } = await tokens.mint(values.user, capabilities, {
          name: values.name ?? null,
          expiresAt,
        });
        process.stdout.write(
          `Created token ${record.id} for ${record.owner} [${record.capabilities.join(', ')}]` +
            `${record.expiresAt ? `, expires ${record.expiresAt.toISOString()}` : ''}.\n` +
            `It is shown only once:\n${token}\n`,
        );
        return 0;
      }
      case 'token:list': {
        const rows = await tokens.list(values.user);
        for (const t of rows) {
          const state = t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= new Date() ? 'expired' : 'active';
          process.stdout.write(
            [
              t.id,
              t.owner,
              `${t.tokenPrefix}…`,
              t.capabilities.join(','),
              t.expiresAt?.toISOString() ?? 'never',
              state,
              t.name ?? '',
            ].join('\t') + '\n',
          );
        }
        if (rows.length === 0) process.stdout.write('no tokens\n');
        return 0;
      }
      case 'token:revoke': {
        const id = positionals[0];
        if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw new UsageError('token:revoke needs a token id (see token:list)');
        if (!(await tokens.revoke(id))) {
          process.stderr.write(`No active token ${id}\n`);
          return 1;
        }
        process.stdout.write(`Revoked ${id}\n`);
        return 0;
      }
      case 'ingest:run':
      case 'ingest:list':
      case 'ingest:status':
      case 'ingest:cancel':
      case 'ingest:retry':
        return await runIngestCommand(app, command, {
          positionals,
          file: values.file,
          dryRun: values['dry-run'],
          user: values.user,
        });
      default:
        throw new UsageError(`Unknown command '${command}'`);
    }
  } finally {
    await app.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof UsageError) process.stderr.write(`\n${USAGE}`);
  process.exitCode = 2;
}
