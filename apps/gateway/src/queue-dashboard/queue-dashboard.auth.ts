import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ForbiddenError, UnauthenticatedError } from '@app/common';
import { Capability, TokenService, capabilityRefusal, type Principal } from '@app/security';
import type { CookieOptions, NextFunction, Request, Response } from 'express';
import { cookieValue, openDashboardSession, sealDashboardSession } from './dashboard-session.js';

/** Where bull-board is mounted: outside the `/api` prefix, and outside the OpenAPI document. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';
export const QUEUE_DASHBOARD_COOKIE = 'strata_queue_dashboard';
const LOGOUT_PATH = `${QUEUE_DASHBOARD_PATH}/logout`;

/** True for the dashboard's own paths (and not for, say, `/admin/queuesx`). */
export function isQueueDashboardPath(path: string): boolean {
  return path === QUEUE_DASHBOARD_PATH || path.startsWith(`${QUEUE_DASHBOARD_PATH}/`);
}

/**
 * Admission to the queue dashboard, in front of bull-board's router (Nest guards do not see it: it is
 * middleware). A browser cannot send a bearer header, so an admin token given once as `?token=` is
 * exchanged for a session cookie — sealed, holding the token's id and an expiry, never the token — and the
 * browser is sent on to the same URL without it. Every request re-checks the token behind the session, so
 * revoking it ends the session at once. Scripts may send `Authorization: Bearer` instead.
 */
@Injectable()
export class QueueDashboardAuth {
  constructor(
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Express middleware. It throws rather than calling `next(error)`: Nest's middleware proxy then hands
   * the error to the problem+json filter like any route's.
   */
  readonly middleware = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const url = new URL(req.originalUrl, 'http://gateway.invalid');
    if (url.pathname === LOGOUT_PATH) {
      res.clearCookie(QUEUE_DASHBOARD_COOKIE, this.cookieOptions(req));
      res.type('text/plain').send('Signed out of the queue dashboard.\n');
      return;
    }
    const given = url.searchParams.get('token');
    if (given !== null && (req.method === 'GET' || req.method === 'HEAD')) {
      const principal = this.requireAdmin(await this.tokens.authenticate(given), res, 'token');
      url.searchParams.delete('token');
      res.cookie(QUEUE_DASHBOARD_COOKIE, this.startSession(principal), {
        ...this.cookieOptions(req),
        maxAge: this.config.queueDashboard.sessionSeconds * 1000,
      });
      res.redirect(303, `${url.pathname}${url.search}`);
      return;
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) {
      this.requireAdmin(await this.tokens.authenticate(bearer), res, 'token');
      next();
      return;
    }
    const cookie = cookieValue(req.headers.cookie, QUEUE_DASHBOARD_COOKIE);
    if (cookie !== undefined) {
      const session = openDashboardSession(this.config.queueDashboard.sessionKey, cookie, Date.now() / 1000);
      const principal = session ? await this.tokens.principalForTokenId(session.tokenId) : null;
      if (!principal) res.clearCookie(QUEUE_DASHBOARD_COOKIE, this.cookieOptions(req));
      this.requireAdmin(principal, res, 'session');
      next();
      return;
    }
    this.requireAdmin(null, res, 'none');
  };

  private requireAdmin(principal: Principal | null, res: Response, presented: 'token' | 'session' | 'none'): Principal {
    if (!principal) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="strata"');
      throw new UnauthenticatedError(
        presented === 'none'
          ? `The queue dashboard needs an admin token: open ${QUEUE_DASHBOARD_PATH}?token=<token> once, or send Authorization: Bearer <token>.`
          : presented === 'session'
            ? 'The dashboard session has expired or its token was revoked; open the dashboard with a token again.'
            : 'The token is invalid, expired or revoked.',
      );
    }
    // The guard's rule (a scrape-only token never qualifies), with the dashboard's own message.
    if (capabilityRefusal(principal, [Capability.Admin]) !== null) {
      throw new ForbiddenError("The queue dashboard needs a token with the 'admin' capability.");
    }
    return principal;
  }

  private startSession(principal: Principal): string {
    const expiresAt = Math.floor(Date.now() / 1000) + this.config.queueDashboard.sessionSeconds;
    return sealDashboardSession(this.config.queueDashboard.sessionKey, { tokenId: principal.tokenId, expiresAt });
  }

  /** HttpOnly, SameSite=Strict, only for the dashboard's paths; Secure whenever the request came over HTTPS. */
  private cookieOptions(req: Request): CookieOptions {
    return { httpOnly: true, sameSite: 'strict', secure: req.secure, path: QUEUE_DASHBOARD_PATH };
  }
}
