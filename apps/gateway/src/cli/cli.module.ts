import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { JobsModule } from '@app/jobs';
import { SecurityModule } from '@app/security';

@Module({ imports: [ConfigModule, JobsModule.forApp('strata-cli'), SecurityModule] })
export class CliModule {}
