import { asciiSlug, fitIdentifier } from '@app/contracts';

/** Slug used as the table name for a dataset title: letter or `_` first, ≤63 chars, never empty. */
export function tableSlug(title: string): string {
  let slug = asciiSlug(title);
  if (!slug) slug = 'dataset';
  if (/^[0-9]/.test(slug)) slug = `_${slug}`;
  return fitIdentifier(slug);
}

/**
 * A table name for `title` that `taken` does not report as used: the slug itself, else the slug with
 * `_2` … `_9999`, cut so the whole name stays within PostgreSQL's 63 characters.
 */
export async function datasetTableName(
  title: string,
  taken: (name: string) => boolean | Promise<boolean>,
): Promise<string> {
  const base = tableSlug(title);
  if (!(await taken(base))) return base;
  for (let n = 2; n <= 9999; n += 1) {
    const candidate = fitIdentifier(base, `_${n}`);
    if (!(await taken(candidate))) return candidate;
  }
  throw new Error(`No free table name for '${base}' after 9999 attempts.`);
}
