import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from './capability.js';

export const IS_PUBLIC = 'strata:public';
export const REQUIRED_CAPABILITIES = 'strata:capabilities';
/**
 * The OpenAPI extension that names, on each operation, the capabilities its token needs (what the guard
 * checks). `buildOpenApiDocument` writes `[]` on the token-only operations, so every authenticated
 * operation states it; the abuse suite's authorization matrix is generated from it.
 */
export const REQUIRED_CAPABILITIES_EXTENSION = 'x-required-capabilities';

/** Route needs no token (health checks only). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

export interface AuthenticatedRequest {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});
