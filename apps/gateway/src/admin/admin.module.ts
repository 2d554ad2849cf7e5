import { Module } from '@nestjs/common';
import { JobsApiModule } from '../jobs/jobs.module.js';
import { AdminController } from './admin.controller.js';
import { DiagnosticsService } from './diagnostics.service.js';

@Module({ imports: [JobsApiModule], controllers: [AdminController], providers: [DiagnosticsService] })
export class AdminApiModule {}
