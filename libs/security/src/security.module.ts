import { Module } from '@nestjs/common';
import { AuthGuard } from './auth.guard.js';
import { TokenRevocations } from './token-revocations.js';
import { TokenService } from './token.service.js';

@Module({ providers: [TokenService, TokenRevocations, AuthGuard], exports: [TokenService, AuthGuard] })
export class SecurityModule {}
