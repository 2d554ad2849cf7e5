import { existsSync } from 'node:fs';
import { AppConfig } from './app-config.js';
import { applyEnvRules } from './env-rules.js';
import { EnvSchema } from './env.schema.js';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Keys that only make sense together with another setting. */
function crossFieldProblems(env: EnvSchema): string[] {
  const problems: string[] = [];
  if (env.STORAGE_DRIVER === 's3') {
    if (!env.S3_ACCESS_KEY_ID || !env.S3_SECRET_ACCESS_KEY) {
      problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required when STORAGE_DRIVER=s3');
    }
  }
  if (env.NODE_ENV === 'production' && !env.SERVICE_TOKEN_KEY) {
    problems.push('SERVICE_TOKEN_KEY is required in production');
  }
  return problems;
}

/**
 * Builds the typed configuration from an environment map. Values never appear in error messages, only
 * the names of the variables that are wrong, so a misconfigured secret cannot leak into a log.
 */
export function parseConfig(source: Record<string, string | undefined>): AppConfig {
  const { value: env, problems } = applyEnvRules(EnvSchema, source);
  problems.push(...crossFieldProblems(env));
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return new AppConfig(env);
}

let cached: AppConfig | undefined;

/** Reads `.env` (if present) and the process environment once. */
export function loadConfig(): AppConfig {
  if (!cached) {
    if (existsSync('.env')) process.loadEnvFile('.env');
    cached = parseConfig(process.env);
  }
  return cached;
}

/**
 * The environment for a child process that must not use a proxy from the environment: libcurl (GDAL's
 * HTTP) reads `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy` itself, and `no_proxy` would let
 * a remote-service task bypass the guarded proxy its task context names.
 */
export function environmentWithoutProxies(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(https?|all|no|ftp)_proxy$/i.test(name)));
}
