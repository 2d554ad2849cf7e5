import 'reflect-metadata';
import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { DomainError } from '@app/common';
import { RequireCapabilities } from '@app/openapi';
import { describe, expect, it } from 'vitest';
import { Public, type AuthenticatedRequest } from './auth.decorators.js';
import { AuthGuard } from './auth.guard.js';
import { Capability, SCRAPE_ONLY_REFUSAL, type Principal } from './capability.js';
import type { TokenService } from './token.service.js';

class JobsController {
  /** No @RequireCapabilities: any API token. */
  read(this: void): void {}

  @RequireCapabilities(Capability.Upload)
  upload(this: void): void {}

  @Public()
  health(this: void): void {}
}

@RequireCapabilities(Capability.Metrics)
class MetricsController {
  scrape(this: void): void {}
}

const { Upload, CreateLayers, Metrics, Admin } = Capability;

/** Each token is named after its capabilities. */
const PRINCIPALS: Record<string, Principal> = Object.fromEntries(
  [[Metrics], [Metrics, Upload], [Metrics, CreateLayers], [Metrics, Admin], [Admin], [Upload]].map((capabilities) => [
    capabilities.join('+'),
    { tokenId: capabilities.join('+'), owner: 'prometheus', capabilities },
  ]),
);

const tokens = {
  authenticate: (token: string): Promise<Principal | null> => Promise.resolve(PRINCIPALS[token] ?? null),
  listenForRevocations: (): void => {},
} as unknown as TokenService;

const guard = new AuthGuard(new Reflector(), tokens);

/**
 * What the guard decides for `token` on a handler of a controller, as `allowed` or `<code>: <message>`;
 * and the request it saw.
 */
async function decide(
  controller: new () => object,
  handler: () => void,
  token: string | undefined,
): Promise<{ verdict: string; req: AuthenticatedRequest }> {
  const req: AuthenticatedRequest & { headers: Record<string, string> } = {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  };
  const res = { setHeader: (): void => {} };
  const http = { getRequest: () => req, getResponse: () => res, getNext: () => undefined };
  const context = {
    getHandler: () => handler,
    getClass: () => controller,
    getType: () => 'http',
    switchToHttp: () => http,
  } as unknown as ExecutionContext;
  const verdict = await guard.canActivate(context).then(
    (allowed) => (allowed ? 'allowed' : 'denied'),
    (error: unknown) => (error instanceof DomainError ? `${error.code}: ${error.message}` : String(error)),
  );
  return { verdict, req };
}

const routes = {
  'no capability': [JobsController, JobsController.prototype.read],
  upload: [JobsController, JobsController.prototype.upload],
  'metrics (on the controller)': [MetricsController, MetricsController.prototype.scrape],
} as const;

const SCRAPE_ONLY = `forbidden: ${SCRAPE_ONLY_REFUSAL}`;

describe('AuthGuard', () => {
  it.each([
    { route: 'no capability', verdict: SCRAPE_ONLY },
    { route: 'upload', verdict: SCRAPE_ONLY },
    { route: 'metrics (on the controller)', verdict: 'allowed' },
  ] as const)('a scrape-only token on a route needing $route → $verdict', async ({ route, verdict }) => {
    const [controller, handler] = routes[route];
    const decided = await decide(controller, handler, 'metrics');
    expect(decided.verdict).toBe(verdict);
    expect(decided.req.principal?.capabilities).toEqual([Metrics]);
  });

  it.each(['metrics+upload', 'metrics+create_layers', 'metrics+admin', 'admin', 'upload'])(
    'lets %s through a route needing no capability',
    async (token) => {
      const decided = await decide(JobsController, JobsController.prototype.read, token);
      expect(decided.verdict).toBe('allowed');
      expect(decided.req.principal?.tokenId).toBe(token);
    },
  );

  it.each([
    { token: 'metrics+upload', route: 'upload', verdict: 'allowed' },
    {
      token: 'metrics+create_layers',
      route: 'upload',
      verdict: "forbidden: This token lacks the 'upload' capability.",
    },
    { token: 'metrics+admin', route: 'upload', verdict: 'allowed' },
    { token: 'metrics+upload', route: 'metrics (on the controller)', verdict: 'allowed' },
    { token: 'admin', route: 'metrics (on the controller)', verdict: 'allowed' },
    {
      token: 'upload',
      route: 'metrics (on the controller)',
      verdict: "forbidden: This token lacks the 'metrics' capability.",
    },
  ] as const)('$token on a route needing $route → $verdict', async ({ token, route, verdict }) => {
    const [controller, handler] = routes[route];
    expect((await decide(controller, handler, token)).verdict).toBe(verdict);
  });

  it('lets anyone through a public route, and asks everyone else for a token', async () => {
    const { read, health } = JobsController.prototype;
    expect((await decide(JobsController, health, undefined)).verdict).toBe('allowed');
    expect((await decide(JobsController, health, 'metrics')).verdict).toBe('allowed');
    expect((await decide(JobsController, read, undefined)).verdict).toBe(
      'unauthenticated: A bearer token is required (Authorization: Bearer <token>).',
    );
    expect((await decide(MetricsController, MetricsController.prototype.scrape, 'nobody')).verdict).toBe(
      'unauthenticated: The bearer token is invalid, expired or revoked.',
    );
  });
});
