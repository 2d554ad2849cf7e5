import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What a dashboard session cookie carries: which token it stands for, and until when. Never the token. */
export interface DashboardSession {
  tokenId: string;
  /** Unix time (seconds) after which the session no longer opens. */
  expiresAt: number;
}

const VERSION = 'd1';
// Bound into every seal as associated data: a value sealed for another purpose does not open here.
const PURPOSE = Buffer.from('strata:queue-dashboard-session', 'utf8');

/** AES-256-GCM with a fresh 96-bit nonce: `d1.<nonce>.<tag>.<ciphertext>`, base64url (cookie-safe as is). */
export function sealDashboardSession(key: Buffer, session: DashboardSession): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(PURPOSE);
  const body = JSON.stringify({ t: session.tokenId, e: session.expiresAt });
  const sealed = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), sealed]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/**
 * The session in `value`, or null when it does not open (other key, tampered, malformed, a
 * shortened tag) or has expired.
 */
export function openDashboardSession(key: Buffer, value: string, nowSeconds: number): DashboardSession | null {
  const [version, iv, tag, sealed, extra] = value.split('.');
  if (version !== VERSION || !iv || !tag || !sealed || extra !== undefined) return null;
  let parsed: unknown;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(PURPOSE);
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const body = Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]);
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  const { t, e } = (parsed ?? {}) as { t?: unknown; e?: unknown };
  if (typeof t !== 'string' || typeof e !== 'number' || e <= nowSeconds) return null;
  return { tokenId: t, expiresAt: e };
}

/** One cookie's value from a `Cookie` header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
