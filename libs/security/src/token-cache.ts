import type { Principal } from './capability.js';

export interface TokenCacheSettings {
  /** How long a verified token is trusted without asking the database; also the revocation bound without pub/sub. */
  ttlMs: number;
  /** At most this many tokens are held; the least recently used one goes first. */
  maxEntries: number;
  /** A token's `last_used_at` is written at most this often (per process). */
  touchIntervalMs: number;
  /** The clock (ms since the epoch); tests move it. */
  now: () => number;
}

export const DEFAULT_TOKEN_CACHE_SETTINGS: TokenCacheSettings = {
  ttlMs: 15_000,
  maxEntries: 10_000,
  touchIntervalMs: 60_000,
  now: () => Date.now(),
};

/** What the database said about an active token, as the cache keeps it. */
export interface VerifiedToken {
  principal: Principal;
  /** ms since the epoch; null: never expires. */
  expiresAt: number | null;
  /** When its use was last recorded (ms since the epoch), as far as this process knows. */
  lastUsedAt: number | null;
}

interface Entry extends VerifiedToken {
  cachedUntil: number;
}

/**
 * Verified tokens by the SHA-256 hash of the token (never the token itself), for `ttlMs` at most, bounded
 * to `maxEntries` in least-recently-used order (a Map keeps insertion order; a hit re-inserts). A token's
 * own expiry is checked on every hit. Invalidation is by token id, which is what a revocation names.
 */
export class TokenCache {
  private readonly byHash = new Map<string, Entry>();
  private readonly hashById = new Map<string, string>();

  constructor(private readonly settings: TokenCacheSettings) {}

  get size(): number {
    return this.byHash.size;
  }

  /** The cached token for `hash`, or undefined when absent, stale or expired (then it is dropped). */
  get(hash: string): VerifiedToken | undefined {
    const entry = this.byHash.get(hash);
    if (!entry) return undefined;
    const now = this.settings.now();
    if (entry.cachedUntil <= now || (entry.expiresAt !== null && entry.expiresAt <= now)) {
      this.delete(hash, entry);
      return undefined;
    }
    this.byHash.delete(hash);
    this.byHash.set(hash, entry);
    return entry;
  }

  set(hash: string, token: VerifiedToken): void {
    if (this.settings.ttlMs <= 0 || this.settings.maxEntries <= 0) return;
    const previous = this.byHash.get(hash);
    if (previous) this.delete(hash, previous);
    this.byHash.set(hash, { ...token, cachedUntil: this.settings.now() + this.settings.ttlMs });
    this.hashById.set(token.principal.tokenId, hash);
    while (this.byHash.size > this.settings.maxEntries) {
      const oldest = this.byHash.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value, this.byHash.get(oldest.value));
    }
  }

  invalidate(tokenId: string): void {
    const hash = this.hashById.get(tokenId);
    if (hash !== undefined) this.delete(hash, this.byHash.get(hash));
  }

  clear(): void {
    this.byHash.clear();
    this.hashById.clear();
  }

  private delete(hash: string, entry: Entry | undefined): void {
    this.byHash.delete(hash);
    if (entry && this.hashById.get(entry.principal.tokenId) === hash) this.hashById.delete(entry.principal.tokenId);
  }
}
