import { execFileSync } from 'node:child_process';
import v8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HEAP_GROWING_FLAG, tuneGatewayHeap } from './heap-tuning.js';

describe('tuneGatewayHeap', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("sets V8's heap growing factor to 2 (100 %)", () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    tuneGatewayHeap();
    expect(set).toHaveBeenCalledExactlyOnceWith('--heap-growing-percent=100');
  });

  it('names a flag this V8 knows (V8 ignores an unknown one without a word)', () => {
    const name = HEAP_GROWING_FLAG.split('=')[0] as string;
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toContain(`${name} (`);
  });
});
