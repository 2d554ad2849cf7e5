import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * A small tmpfs under `.tmp/` of the worktree (mounting needs root), to give a process a temporary
 * directory that runs out of space. `unmount()` removes it (also after a failed test: call it in afterAll).
 */
export class Tmpfs {
  private constructor(readonly dir: string) {}

  static async mount(sizeMiB: number): Promise<Tmpfs> {
    const dir = join(ROOT, '.tmp', `faults-tmpfs-${randomUUID().slice(0, 8)}`);
    await mkdir(dir, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=1777`, 'tmpfs', dir]);
    return new Tmpfs(dir);
  }

  async unmount(): Promise<void> {
    await run('umount', ['-l', this.dir]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
