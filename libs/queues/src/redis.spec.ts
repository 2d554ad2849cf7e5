import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '@app/config';
import { redisConnectionOptions } from './redis.js';

const optionsFor = (url: string): ReturnType<typeof redisConnectionOptions> =>
  redisConnectionOptions(parseConfig({ REDIS_URL: url }));

describe('redisConnectionOptions', () => {
  it.each([
    { url: 'redis://127.0.0.1:6379', expected: { host: '127.0.0.1', port: 6379, db: 0 } },
    { url: 'redis://cache', expected: { host: 'cache', port: 6379, db: 0 } },
    { url: 'redis://cache:6380', expected: { host: 'cache', port: 6380, db: 0 } },
    { url: 'redis://cache:6379/3', expected: { host: 'cache', port: 6379, db: 3 } },
    { url: 'redis://cache/', expected: { host: 'cache', port: 6379, db: 0 } },
    { url: 'redis://cache/not-a-number', expected: { host: 'cache', port: 6379, db: 0 } },
    { url: 'redis://cache/1.5', expected: { host: 'cache', port: 6379, db: 0 } },
    {
      url: 'redis://app:s3cret@cache:6379/2',
      expected: { host: 'cache', port: 6379, db: 2, username: 'app', password: 's3cret' },
    },
    { url: 'redis://:s3cret@cache', expected: { host: 'cache', port: 6379, db: 0, password: 's3cret' } },
    { url: 'redis://default@cache', expected: { host: 'cache', port: 6379, db: 0, username: 'default' } },
    {
      url: 'redis://us%40er:p%40ss%3Aw%2Frd%20x@cache:6379',
      expected: { host: 'cache', port: 6379, db: 0, username: 'us@er', password: 'p@ss:w/rd x' },
    },
    { url: 'rediss://cache.example.com', expected: { host: 'cache.example.com', port: 6379, db: 0, tls: {} } },
    {
      url: 'rediss://:tok@cache.example.com:6380/1',
      expected: { host: 'cache.example.com', port: 6380, db: 1, password: 'tok', tls: {} },
    },
    { url: 'redis://[::1]:6379', expected: { host: '::1', port: 6379, db: 0 } },
    { url: 'redis://[2001:db8::7]/4', expected: { host: '2001:db8::7', port: 6379, db: 4 } },
    { url: 'rediss://[fe80::1]:7000', expected: { host: 'fe80::1', port: 7000, db: 0, tls: {} } },
  ])('$url', ({ url, expected }) => {
    // Strict: absent credentials and TLS must be absent keys, not `undefined` values.
    expect(optionsFor(url)).toStrictEqual(expected);
  });
});
