import { scrubSecrets, withoutPaths } from '@app/contracts';

/**
 * What may be logged about an error: its class, message (secrets and file paths masked), code, and the names of the functions its stack
 * passes through. Never the stack text itself: its frames carry file paths (the install directory, a
 * temporary file) and line numbers. Driver errors carry the SQL text and bound parameters as properties
 * (pg's QueryFailedError does); those are never logged either.
 */
export interface SafeError {
  type: string;
  message: string;
  code?: string;
  /** Innermost first, at most `MAX_FRAMES`: e.g. `GdalTaskRunner.run`, `async JobRunner.run`. */
  frames?: string[];
}

/** How many calls of an error's stack a log line names. */
export const MAX_FRAMES = 10;

// Defined with the GDAL-free contract, so the GDAL child process can mask its messages without Nest.
export { scrubSecrets, withoutPaths };

/** What a frame's name must not carry: a location (a path, or a line and column). */
const LOCATION = /[/\\]|:\d/;

/**
 * The functions a V8 stack passes through, by name only (`at fn (location)` → `fn`; a frame with no
 * name → `<anonymous>`): no path, line or column survives.
 */
function stackFrames(stack: string | undefined): string[] {
  const frames: string[] = [];
  if (!stack) return frames;
  for (const line of stack.split('\n')) {
    const at = /^\s+at (.+)$/.exec(line);
    if (!at) continue;
    const call = at[1] as string;
    const location = call.lastIndexOf(' (');
    const name = location > 0 ? call.slice(0, location) : '<anonymous>';
    frames.push(LOCATION.test(name) ? '<anonymous>' : name);
    if (frames.length === MAX_FRAMES) break;
  }
  return frames;
}

export function describeError(error: unknown): SafeError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const frames = stackFrames(error.stack);
    return {
      type: error.name,
      message: withoutPaths(scrubSecrets(error.message)),
      ...(typeof code === 'string' ? { code } : {}),
      ...(frames.length > 0 ? { frames } : {}),
    };
  }
  // Already described (a caller logged `{ err: describeError(e) }` and the logger's serializer runs again):
  // kept, not reduced to "Non-error value thrown".
  if (isSafeError(error)) {
    const frames = Array.isArray(error.frames)
      ? error.frames.filter((f): f is string => typeof f === 'string' && !LOCATION.test(f)).slice(0, MAX_FRAMES)
      : [];
    return {
      type: error.type,
      message: withoutPaths(scrubSecrets(error.message)),
      ...(typeof error.code === 'string' ? { code: error.code } : {}),
      ...(frames.length > 0 ? { frames } : {}),
    };
  }
  return { type: typeof error, message: 'Non-error value thrown' };
}

function isSafeError(value: unknown): value is SafeError {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const { type, message } = value as Partial<SafeError>;
  return typeof type === 'string' && typeof message === 'string';
}
