import { describe, expect, it } from 'vitest';
import { pgTargetFromUrl } from './pg-target.js';

describe('pgTargetFromUrl', () => {
  it('splits a URL into conninfo parts, decoding escapes', () => {
    expect(pgTargetFromUrl('postgres://strata:p%40ss%20w@db.internal:6543/strata_prod')).toEqual({
      host: 'db.internal',
      port: 6543,
      database: 'strata_prod',
      user: 'strata',
      password: 'p@ss w',
    });
  });

  it('defaults the port and unwraps IPv6 hosts', () => {
    expect(pgTargetFromUrl('postgresql://u:p@[::1]/d')).toMatchObject({ host: '::1', port: 5432, database: 'd' });
  });

  it('refuses other schemes', () => {
    expect(() => pgTargetFromUrl('mysql://u:p@h/d')).toThrow('DATABASE_URL must be a postgres:// URL');
  });
});
