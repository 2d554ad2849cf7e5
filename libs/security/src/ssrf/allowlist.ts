import { domainToASCII } from 'node:url';
import { inV4Range, inV6Range, parseAddress, type ParsedAddress } from './address-rules.js';

interface CidrEntry {
  address: ParsedAddress;
  bits: number;
}

/** A host name as the guard compares it: lower-case ASCII (IDN as punycode), no trailing dot, no brackets. */
export function canonicalHost(host: string): string {
  const bare = host
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (parseAddress(bare)) return bare.toLowerCase();
  return (domainToASCII(bare) || bare).toLowerCase();
}

/**
 * The operator's explicit exceptions (`SSRF_ALLOWLIST`): host names (exact, not subdomains) and addresses
 * or CIDR blocks. A listed host may resolve to anything; a listed block admits the addresses inside it,
 * whatever name led there.
 */
export class SsrfAllowlist {
  private readonly hosts = new Set<string>();
  private readonly blocks: CidrEntry[] = [];

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim();
      if (!entry) continue;
      const [addr, bitsText] = entry.split('/') as [string, string | undefined];
      const address = parseAddress(addr);
      if (address) {
        const max = address.family === 4 ? 32 : 128;
        const bits = bitsText === undefined ? max : Number(bitsText);
        if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`SSRF_ALLOWLIST: bad CIDR "${entry}"`);
        this.blocks.push({ address, bits });
        continue;
      }
      if (bitsText !== undefined || !/^[\p{L}\p{N}.-]+$/u.test(entry)) {
        throw new Error(`SSRF_ALLOWLIST: "${entry}" is neither a host name, an address nor a CIDR block`);
      }
      this.hosts.add(canonicalHost(entry));
    }
  }

  static parse(list: string): SsrfAllowlist {
    return new SsrfAllowlist(list.split(','));
  }

  get empty(): boolean {
    return this.hosts.size === 0 && this.blocks.length === 0;
  }

  allowsHost(host: string): boolean {
    return this.hosts.has(canonicalHost(host));
  }

  allowsAddress(address: string): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return false;
    return this.blocks.some((b) => {
      if (b.address.family === 4 && parsed.family === 4) return inV4Range(parsed.value, b.address.value, b.bits);
      if (b.address.family === 6 && parsed.family === 6) return inV6Range(parsed.groups, b.address.groups, b.bits);
      return false;
    });
  }
}
