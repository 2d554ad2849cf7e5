import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Capability, Principal } from './capability.js';

export const IS_PUBLIC = 'strata:public';
export const REQUIRED_CAPABILITIES = 'strata:capabilities';

/** Route needs no token (health checks only). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Route needs every listed capability (admin implies all). */
export const RequireCapabilities = (...capabilities: Capability[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_CAPABILITIES, capabilities);

export interface AuthenticatedRequest {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});
