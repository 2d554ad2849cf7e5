// `importers:list` and `importers:check`: read IMPORTERS_DIR directly, without booting Nest or touching the
// database, so an operator can check a directory before deploying it.
import { parseArgs } from 'node:util';
import { loadConfig } from '@app/config';
import { ImporterLoadError, loadImporters, type ImporterDefinition } from '@app/importers';

export interface CommandOutput {
  write(text: string): unknown;
}

export const IMPORTER_USAGE = `  importers:list [--dir <dir>]
      Lists the importer definitions: slug, title, source, target, duplicate strategy.
  importers:check [--dir <dir>]
      Validates the definitions without starting anything; prints one line per problem and exits 1.
`;

function load(dir: string, err: CommandOutput): ImporterDefinition[] | null {
  try {
    return loadImporters(dir);
  } catch (error) {
    if (!(error instanceof ImporterLoadError)) throw error;
    err.write(`${error.problems.join('\n')}\n`);
    return null;
  }
}

/** Runs an `importers:*` command; returns the exit code. `dir` defaults to IMPORTERS_DIR. */
export function runImporterCommand(
  command: string,
  args: string[],
  out: CommandOutput = process.stdout,
  err: CommandOutput = process.stderr,
): number {
  const { values } = parseArgs({ args, options: { dir: { type: 'string' } } });
  const dir = values.dir ?? loadConfig().importers.dir;
  const definitions = load(dir, err);
  if (!definitions) return 1;
  switch (command) {
    case 'importers:check': {
      const n = definitions.length;
      out.write(`${n} importer${n === 1 ? '' : 's'} OK\n`);
      return 0;
    }
    case 'importers:list': {
      for (const d of definitions) {
        const source = d.source.formats.length > 0 ? `${d.source.type}:${d.source.formats.join(',')}` : d.source.type;
        out.write(
          [d.slug, d.title, source, `${d.target.schema}.${d.target.table}`, d.duplicates.strategy].join('\t') + '\n',
        );
      }
      if (definitions.length === 0) out.write('no importers\n');
      return 0;
    }
    default:
      err.write(`Unknown command '${command}'\n`);
      return 2;
  }
}
