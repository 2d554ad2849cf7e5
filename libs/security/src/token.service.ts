import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiToken } from '@app/jobs';
import { DataSource, IsNull, type Repository } from 'typeorm';
import type { Capability, Principal } from './capability.js';

const TOKEN_PREFIX = 'stk_';
const TOKEN_PATTERN = /^stk_[A-Za-z0-9_-]{43}$/;
const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface MintedToken {
  token: string;
  record: ApiToken;
}

export interface MintOptions {
  name?: string | null;
  expiresAt?: Date | null;
}

/** Mints, checks, lists and revokes opaque bearer tokens. The raw token exists only in `mint`'s result. */
@Injectable()
export class TokenService {
  private readonly repo: Repository<ApiToken>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repo = dataSource.getRepository(ApiToken);
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
    const record = await this.repo.findOneBy({ tokenHash: hashToken(token), revokedAt: IsNull() });
    if (!record) return null;
    if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) return null;
    this.touch(record.id);
    return { tokenId: record.id, owner: record.owner, capabilities: record.capabilities as Capability[] };
  }

  /**
   * The principal of an active token, looked up by its record id: for sessions that stand for a token
   * (the queue dashboard's cookie) and must end when it is revoked or expires. Null once it has.
   */
  async principalForTokenId(id: string): Promise<Principal | null> {
    if (!UUID_PATTERN.test(id)) return null;
    const record = await this.repo.findOneBy({ id, revokedAt: IsNull() });
    if (!record) return null;
    if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) return null;
    this.touch(record.id);
    return { tokenId: record.id, owner: record.owner, capabilities: record.capabilities as Capability[] };
  }

  /** Best effort, at most once a minute per token: usage tracking must never fail a request. */
  private touch(id: string): void {
    this.repo
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()' })
      .where("id = :id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')", { id })
      .execute()
      .catch(() => undefined);
  }

  async list(owner?: string): Promise<ApiToken[]> {
    return this.repo.find({ where: owner ? { owner } : {}, order: { createdAt: 'ASC' } });
  }

  /** Revokes by id; false when no such active token exists. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}
