import 'reflect-metadata';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { Capability, REQUIRED_CAPABILITIES, REQUIRED_CAPABILITIES_EXTENSION } from '@app/security';
import { RequireCapabilities } from './require-capabilities.js';

@RequireCapabilities(Capability.Upload)
@Controller('things')
class ThingsController {
  @Get()
  list(this: void): void {}

  @Post()
  @RequireCapabilities(Capability.Admin)
  create(this: void): void {}
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('RequireCapabilities', () => {
  it("documents in OpenAPI exactly what the guard checks, a route's own list winning over its controller's", async () => {
    const app = await NestFactory.create(ThingsModule, { logger: false });
    try {
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
      const operations = document.paths['/things'] as Record<string, Record<string, unknown>>;
      const reflector = new Reflector();
      const guardSees = (handler: () => void): unknown =>
        reflector.getAllAndOverride(REQUIRED_CAPABILITIES, [handler, ThingsController]);

      expect(guardSees(ThingsController.prototype.list)).toEqual([Capability.Upload]);
      expect(operations.get?.[REQUIRED_CAPABILITIES_EXTENSION]).toEqual([Capability.Upload]);
      expect(guardSees(ThingsController.prototype.create)).toEqual([Capability.Admin]);
      expect(operations.post?.[REQUIRED_CAPABILITIES_EXTENSION]).toEqual([Capability.Admin]);
    } finally {
      await app.close();
    }
  });
});
