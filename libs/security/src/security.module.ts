import { Module, type Provider } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { AuthGuard } from './auth.guard.js';
import type { TokenCacheSettings } from './token-cache.js';
import { TokenRevocations } from './token-revocations.js';
import { TOKEN_CACHE_SETTINGS, TokenService } from './token.service.js';

/** TokenService with its revocation channel and cache settings from the configuration. */
export const TOKEN_SERVICE_PROVIDERS: Provider[] = [
  TokenService,
  TokenRevocations,
  {
    provide: TOKEN_CACHE_SETTINGS,
    inject: [AppConfig],
    useFactory: (config: AppConfig): Partial<TokenCacheSettings> => ({ ttlMs: config.auth.tokenCacheSeconds * 1000 }),
  },
];

@Module({ providers: [...TOKEN_SERVICE_PROVIDERS, AuthGuard], exports: [TokenService, AuthGuard] })
export class SecurityModule {}
