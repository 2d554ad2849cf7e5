import { SetMetadata, applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Capability, Principal } from './capability.js';

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

/**
 * Route needs every listed capability (admin implies all). Also documents them in the OpenAPI document
 * (`x-required-capabilities`). On a controller it applies to each of its routes; a route's own list wins,
 * for the guard (`getAllAndOverride`) and for the document alike.
 */
export const RequireCapabilities = (...capabilities: Capability[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_CAPABILITIES, capabilities),
    ApiExtension(REQUIRED_CAPABILITIES_EXTENSION, [...capabilities]),
  );

export interface AuthenticatedRequest {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});
