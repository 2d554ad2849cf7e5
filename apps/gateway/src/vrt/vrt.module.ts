import { Module } from '@nestjs/common';
import { VrtController, VrtStatusController } from './vrt.controller.js';
import { VrtService } from './vrt.service.js';

@Module({ controllers: [VrtController, VrtStatusController], providers: [VrtService] })
export class VrtApiModule {}
