import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { HttpMetricsMiddleware } from './http-metrics.middleware.js';

@Module({ controllers: [MetricsController], providers: [HttpMetricsMiddleware], exports: [HttpMetricsMiddleware] })
export class MetricsApiModule {}
