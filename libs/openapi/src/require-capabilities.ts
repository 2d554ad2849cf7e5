import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { REQUIRED_CAPABILITIES, REQUIRED_CAPABILITIES_EXTENSION, type Capability } from '@app/security';

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
