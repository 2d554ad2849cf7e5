import { describe, expect, it } from 'vitest';
import {
  IsBoolean,
  IsEnum,
  IsHttpUrl,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ToNumber,
  Transform,
  applyEnvRules,
} from './env-rules.js';

enum Mode {
  Fast = 'fast',
  Safe = 'safe',
}

class Sample {
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(10)
  COUNT = 5;

  @IsOptional()
  @IsString()
  @MinLength(2)
  NAME?: string;

  @IsEnum(Mode)
  MODE: Mode = Mode.Safe;

  @IsIn(['a', 'b'])
  LETTER = 'a';

  @Transform((v) => (v === 'yes' ? true : v === 'no' ? false : v))
  @IsBoolean()
  FLAG = false;

  @IsOptional()
  @Matches(/^[a-z]+$/)
  WORD?: string;

  @IsOptional()
  @IsHttpUrl()
  URL?: string;
}

const problems = (source: Record<string, string | undefined>): string[] => applyEnvRules(Sample, source).problems;

describe('applyEnvRules', () => {
  it('keeps the defaults, converts what the environment sets and ignores other variables', () => {
    const { value, problems: found } = applyEnvRules(Sample, {
      COUNT: '7',
      FLAG: 'yes',
      HOME: '/root',
      NAME: undefined,
    });
    expect(found).toEqual([]);
    expect(value).toBeInstanceOf(Sample);
    expect(value).toEqual(Object.assign(new Sample(), { COUNT: 7, FLAG: true }));
    expect(value.MODE).toBe(Mode.Safe);
  });

  it('names every broken rule of a field in the order they are written, and the fields in theirs', () => {
    expect(problems({ COUNT: '0.5', LETTER: 'c' })).toEqual(['COUNT: isInt, min', 'LETTER: isIn']);
    expect(problems({ COUNT: 'eleven' })).toEqual(['COUNT: isInt, min, max']);
    expect(problems({ COUNT: '' })).toEqual(['COUNT: min']);
    expect(problems({ MODE: 'slow', FLAG: 'maybe' })).toEqual(['MODE: isEnum', 'FLAG: isBoolean']);
  });

  it('skips an optional field that is absent, and checks it once it is set', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ NAME: 'x', WORD: 'Two words' })).toEqual(['NAME: minLength', 'WORD: matches']);
    // Characters, not UTF-16 units: one emoji is one character.
    expect(problems({ NAME: '\u{1F30D}' })).toEqual(['NAME: minLength']);
    expect(problems({ NAME: '\u{1F30D}\u{1F30D}' })).toEqual([]);
  });

  it('takes http(s) URLs with a host, also a host name without a dot, and nothing else', () => {
    for (const good of ['http://localhost:4318', 'https://otel-collector', 'HTTP://10.0.0.1:4318/v1/traces']) {
      expect(problems({ URL: good }), good).toEqual([]);
    }
    for (const bad of ['collector:4318', 'grpc://collector:4317', 'http://', 'http:// spaced', 'localhost', '']) {
      expect(problems({ URL: bad }), bad).toEqual(['URL: isUrl']);
    }
  });

  it('never puts a value in a problem', () => {
    expect(problems({ COUNT: 'secret-123', WORD: 'Secret!' }).join('\n')).not.toMatch(/secret|123/i);
  });
});
