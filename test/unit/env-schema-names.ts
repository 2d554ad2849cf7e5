import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Names of the properties of `class EnvSchema` (every variable Strata reads), parsed from its source. */
export function envSchemaNames(): Set<string> {
  const file = join(ROOT, 'libs/config/src/env.schema.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  source.forEachChild((node) => {
    if (!ts.isClassDeclaration(node) || node.name?.text !== 'EnvSchema') return;
    for (const member of node.members) {
      if (ts.isPropertyDeclaration(member) && ts.isIdentifier(member.name)) names.add(member.name.text);
    }
  });
  return names;
}
