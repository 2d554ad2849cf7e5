import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { GuardedHttpClient } from './guarded-http.js';
import { SsrfAllowlist } from './allowlist.js';
import { SsrfGuard } from './ssrf-guard.js';

/** The SSRF guard built from `SSRF_ALLOWLIST`, and the HTTP client that fetches only through it. */
@Module({
  providers: [
    {
      provide: SsrfGuard,
      inject: [AppConfig],
      useFactory: (c: AppConfig) => new SsrfGuard(new SsrfAllowlist(c.remote.ssrfAllowlist)),
    },
    { provide: GuardedHttpClient, inject: [SsrfGuard], useFactory: (g: SsrfGuard) => new GuardedHttpClient(g) },
  ],
  exports: [SsrfGuard, GuardedHttpClient],
})
export class SsrfModule {}
