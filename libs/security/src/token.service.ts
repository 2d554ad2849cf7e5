import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UUID_PATTERN } from '@app/common';
import { ApiToken } from '@app/jobs';
import { DataSource, type Repository } from 'typeorm';
import type { Capability, Principal } from './capability.js';
import {
  DEFAULT_TOKEN_CACHE_SETTINGS,
  TokenCache,
  type TokenCacheSettings,
  type VerifiedToken,
} from './token-cache.js';
import { TokenRevocations, type RevocationListener } from './token-revocations.js';

const TOKEN_PREFIX = 'stk_';
const TOKEN_PATTERN = /^stk_[A-Za-z0-9_-]{43}$/;
const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

/** Overrides of the verification cache's settings (tests); the defaults suit production. */
export const TOKEN_CACHE_SETTINGS = Symbol('TOKEN_CACHE_SETTINGS');

// One statement, only the columns verification needs, through the unique index on token_hash.
const ACTIVE_TOKEN_COLUMNS = 'id, owner, capabilities, expires_at, last_used_at';
const ACTIVE_TOKEN_BY_HASH = `SELECT ${ACTIVE_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`;
const ACTIVE_TOKEN_BY_ID = `SELECT ${ACTIVE_TOKEN_COLUMNS} FROM api_tokens WHERE id = $1 AND revoked_at IS NULL`;
// The guard keeps the write at once a minute even when several processes decide to touch at once.
const TOUCH =
  "UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')";

interface ActiveTokenRow {
  id: string;
  owner: string;
  capabilities: string[];
  expires_at: Date | null;
  last_used_at: Date | null;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function verifiedFrom(row: ActiveTokenRow): VerifiedToken {
  return {
    principal: { tokenId: row.id, owner: row.owner, capabilities: row.capabilities as Capability[] },
    expiresAt: row.expires_at?.getTime() ?? null,
    lastUsedAt: row.last_used_at?.getTime() ?? null,
  };
}

export interface MintedToken {
  token: string;
  record: ApiToken;
}

export interface MintOptions {
  name?: string | null;
  expiresAt?: Date | null;
}

/**
 * Mints, checks, lists and revokes opaque bearer tokens. The raw token exists only in `mint`'s result.
 *
 * Verified tokens are cached in-process (keyed by their hash) for `ttlMs`, but only while the revocation
 * channel is confirmed: a revocation anywhere drops the token here at once, and without the channel every
 * check goes to the database. Entries cached just before a silent loss of Redis live at most `ttlMs`.
 */
@Injectable()
export class TokenService implements RevocationListener {
  private readonly logger = new Logger(TokenService.name);
  private readonly repo: Repository<ApiToken>;
  private readonly settings: TokenCacheSettings;
  private readonly cache: TokenCache;
  /** Lookups in progress by token hash: concurrent first requests with one token share one query. */
  private readonly inFlight = new Map<string, Promise<VerifiedToken | null>>();
  /** When this process last wrote a token's `last_used_at` (ms), least recently touched first. */
  private readonly touchedAt = new Map<string, number>();
  /** Bumped by every revocation and subscription change: a lookup that spans one is not cached. */
  private epoch = 0;
  private listening = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() @Inject(TokenRevocations) private readonly revocations?: TokenRevocations,
    @Optional() @Inject(TOKEN_CACHE_SETTINGS) settings?: Partial<TokenCacheSettings>,
  ) {
    this.repo = dataSource.getRepository(ApiToken);
    this.settings = { ...DEFAULT_TOKEN_CACHE_SETTINGS, ...settings };
    this.cache = new TokenCache(this.settings);
  }

  async mint(owner: string, capabilities: Capability[], options: MintOptions = {}): Promise<MintedToken> {
    if (!OWNER_PATTERN.test(owner)) {
      throw new Error('Owner must be 1-128 characters of letters, digits, . _ @ or -, starting with a letter or digit');
    }
    if (options.expiresAt && options.expiresAt.getTime() <= Date.now()) {
      throw new Error('Expiry must be in the future');
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const record = await this.repo.save(
      this.repo.create({
        owner,
        name: options.name ?? null,
        tokenHash: hashToken(token),
        tokenPrefix: token.slice(0, 12),
        capabilities,
        expiresAt: options.expiresAt ?? null,
      }),
    );
    return { token, record };
  }

  /** The principal for a presented token, or null when it is malformed, unknown, expired or revoked. */
  async authenticate(token: string): Promise<Principal | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    this.listenForRevocations();
    const hash = hashToken(token);
    const verified = this.cache.get(hash) ?? (await this.lookup(hash));
    return verified ? this.admit(verified) : null;
  }

  /**
   * The principal of an active token, looked up by its record id: for sessions that stand for a token
   * (the queue dashboard's cookie) and must end when it is revoked or expires. Null once it has.
   * Not cached: sessions are few, and this stays exact.
   */
  async principalForTokenId(id: string): Promise<Principal | null> {
    if (!UUID_PATTERN.test(id)) return null;
    const [row] = (await this.dataSource.query(ACTIVE_TOKEN_BY_ID, [id])) as ActiveTokenRow[];
    return row ? this.admit(verifiedFrom(row)) : null;
  }

  /** A revocation seen on the channel (this process's own included). */
  revoked(tokenId: string): void {
    this.cache.invalidate(tokenId);
    this.forgetLookups();
  }

  listeningChanged(listening: boolean): void {
    this.cache.clear();
    this.forgetLookups();
    if (this.listening && !listening && !this.revocations?.closed) {
      this.logger.warn('token revocation channel lost: token checks go to the database');
    }
    this.listening = listening;
  }

  /**
   * Opens the revocation channel (once); until Redis confirms it, nothing is cached. Called on the first
   * check, or at boot by processes that will check tokens (the gateway), so their cache works from the start.
   */
  listenForRevocations(): void {
    if (this.revocations && !this.listening) this.revocations.listen(this);
  }

  private lookup(hash: string): Promise<VerifiedToken | null> {
    let pending = this.inFlight.get(hash);
    if (!pending) {
      pending = this.lookupInDatabase(hash).finally(() => {
        if (this.inFlight.get(hash) === pending) this.inFlight.delete(hash);
      });
      this.inFlight.set(hash, pending);
    }
    return pending;
  }

  private async lookupInDatabase(hash: string): Promise<VerifiedToken | null> {
    const epoch = this.epoch;
    const cacheable = this.listening;
    const [row] = (await this.dataSource.query(ACTIVE_TOKEN_BY_HASH, [hash])) as ActiveTokenRow[];
    if (!row) return null;
    const verified = verifiedFrom(row);
    // A revocation or a gap in the channel while the query ran may concern this very row.
    if (cacheable && this.listening && epoch === this.epoch) this.cache.set(hash, verified);
    return verified;
  }

  /** Later requests must not join a lookup that started before a revocation. */
  private forgetLookups(): void {
    this.epoch += 1;
    this.inFlight.clear();
  }

  private admit(verified: VerifiedToken): Principal | null {
    const now = this.settings.now();
    if (verified.expiresAt !== null && verified.expiresAt <= now) return null;
    this.touchIfDue(verified.principal.tokenId, verified.lastUsedAt, now);
    return verified.principal;
  }

  /**
   * Records use at most once per `touchIntervalMs` per token in this process, in the background: usage
   * tracking must neither slow nor fail a request.
   */
  private touchIfDue(tokenId: string, lastUsedAt: number | null, now: number): void {
    const last = Math.max(this.touchedAt.get(tokenId) ?? -Infinity, lastUsedAt ?? -Infinity);
    if (now - last < this.settings.touchIntervalMs) return;
    this.touchedAt.delete(tokenId);
    this.touchedAt.set(tokenId, now);
    if (this.touchedAt.size > this.settings.maxEntries) {
      const oldest = this.touchedAt.keys().next();
      if (!oldest.done) this.touchedAt.delete(oldest.value);
    }
    this.dataSource.query(TOUCH, [tokenId]).catch(() => undefined);
  }

  async list(owner?: string): Promise<ApiToken[]> {
    return this.repo.find({ where: owner ? { owner } : {}, order: { createdAt: 'ASC' } });
  }

  /**
   * Revokes by id; false when no such active token exists. Every process is told at once; if Redis cannot
   * take the message, the others stop accepting the token when their cache entry ends (`ttlMs`).
   */
  async revoke(id: string): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    if ((result.affected ?? 0) === 0) return false;
    this.revoked(id);
    if (this.revocations && !(await this.revocations.announce(id))) {
      this.logger.error(
        { tokenId: id },
        `token revoked, but the revocation could not be broadcast: other processes refuse it within ${this.settings.ttlMs / 1000} s`,
      );
    }
    return true;
  }
}
