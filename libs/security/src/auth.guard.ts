import { Injectable, type CanActivate, type ExecutionContext, type OnApplicationBootstrap } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '@app/common';
import type { Response } from 'express';
import { IS_PUBLIC, REQUIRED_CAPABILITIES, type AuthenticatedRequest } from './auth.decorators.js';
import { capabilityRefusal, type Capability } from './capability.js';
import { TokenService } from './token.service.js';

interface HeaderRequest extends AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Global guard: every route needs a valid bearer token unless marked @Public(), and the capabilities its
 * @RequireCapabilities lists; a scrape-only token (`metrics` alone) passes only where `metrics` is listed.
 */
@Injectable()
export class AuthGuard implements CanActivate, OnApplicationBootstrap {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  onApplicationBootstrap(): void {
    this.tokens.listenForRevocations();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<HeaderRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const principal = match?.[1] ? await this.tokens.authenticate(match[1]) : null;
    if (!principal) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="strata"');
      throw new UnauthenticatedError(
        match
          ? 'The bearer token is invalid, expired or revoked.'
          : 'A bearer token is required (Authorization: Bearer <token>).',
      );
    }
    req.principal = principal;
    const required = this.reflector.getAllAndOverride<Capability[] | undefined>(REQUIRED_CAPABILITIES, targets) ?? [];
    const refusal = capabilityRefusal(principal, required);
    if (refusal !== null) throw new ForbiddenError(refusal);
    return true;
  }
}
