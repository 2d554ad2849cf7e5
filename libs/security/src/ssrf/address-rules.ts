import { isIP } from 'node:net';

/** Why an address is not a public unicast target. The names appear in refusals (`rule`). */
export enum AddressRule {
  Unspecified = 'unspecified',
  Loopback = 'loopback',
  Private = 'private',
  LinkLocal = 'link-local',
  CloudMetadata = 'cloud-metadata',
  Cgnat = 'cgnat',
  UniqueLocal = 'unique-local',
  Nat64 = 'nat64',
  Multicast = 'multicast',
  Reserved = 'reserved',
  Broadcast = 'broadcast',
  Ipv4Mapped = 'ipv4-mapped',
  Ipv4Compatible = 'ipv4-compatible',
  SixToFourPrivate = '6to4-private',
  TeredoPrivate = 'teredo-private',
  Invalid = 'invalid-address',
}

/** A parsed address: IPv4 as one 32-bit number, IPv6 as eight 16-bit groups. */
export type ParsedAddress = { family: 4; value: number } | { family: 6; groups: number[] };

interface V4Range {
  base: number;
  bits: number;
  rule: AddressRule;
}

function v4(text: string): number {
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function range(cidr: string, rule: AddressRule): V4Range {
  const [base, bits] = cidr.split('/') as [string, string];
  return { base: v4(base), bits: Number(bits), rule };
}

// Most specific first: 169.254.169.254 is named before the link-local block that holds it.
const V4_RANGES: V4Range[] = [
  range('169.254.169.254/32', AddressRule.CloudMetadata),
  range('255.255.255.255/32', AddressRule.Broadcast),
  range('0.0.0.0/8', AddressRule.Unspecified),
  range('10.0.0.0/8', AddressRule.Private),
  range('100.64.0.0/10', AddressRule.Cgnat),
  range('127.0.0.0/8', AddressRule.Loopback),
  range('169.254.0.0/16', AddressRule.LinkLocal),
  range('172.16.0.0/12', AddressRule.Private),
  range('192.0.0.0/24', AddressRule.Reserved),
  range('192.0.2.0/24', AddressRule.Reserved),
  range('192.88.99.0/24', AddressRule.Reserved),
  range('192.168.0.0/16', AddressRule.Private),
  range('198.18.0.0/15', AddressRule.Reserved),
  range('198.51.100.0/24', AddressRule.Reserved),
  range('203.0.113.0/24', AddressRule.Reserved),
  range('224.0.0.0/4', AddressRule.Multicast),
  range('240.0.0.0/4', AddressRule.Reserved),
];

export function inV4Range(value: number, base: number, bits: number): boolean {
  if (bits === 0) return true;
  const shift = 32 - bits;
  return Math.floor(value / 2 ** shift) === Math.floor(base / 2 ** shift);
}

export function inV6Range(groups: number[], base: number[], bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const take = Math.min(16, bits);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((base[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Parses a literal IPv4 (dotted quad) or IPv6 address (no brackets; a zone id is dropped); null otherwise. */
export function parseAddress(text: string): ParsedAddress | null {
  const bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return { family: 4, value: v4(bare) };
  if (family !== 6) return null;
  let source = bare.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(source);
  if (tail?.[1]) {
    const n = v4(tail[1]);
    source = `${source.slice(0, -tail[1].length)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const [head, rest] = source.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest === undefined ? [] : rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - headGroups.length - restGroups.length).fill('0');
  const groups = [...headGroups, ...fill, ...restGroups].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? { family: 6, groups }
    : null;
}

function v4At(groups: number[], index: number): number {
  return (groups[index] ?? 0) * 65536 + (groups[index + 1] ?? 0);
}

function v4Rule(value: number): AddressRule | null {
  return V4_RANGES.find((r) => inV4Range(value, r.base, r.bits))?.rule ?? null;
}

const V6 = (text: string): number[] => (parseAddress(text) as { groups: number[] }).groups;
const V6_NAT64 = V6('64:ff9b::');
const V6_NAT64_LOCAL = V6('64:ff9b:1::');
const V6_MAPPED = V6('::ffff:0:0');
const V6_SIXTOFOUR = V6('2002::');
const V6_TEREDO = V6('2001::');
const V6_DOC = V6('2001:db8::');
const V6_ULA = V6('fc00::');
const V6_LINK_LOCAL = V6('fe80::');
const V6_SITE_LOCAL = V6('fec0::');
const V6_MULTICAST = V6('ff00::');
const V6_GLOBAL = V6('2000::');

function v6Rule(g: number[]): AddressRule | null {
  if (g.every((x) => x === 0)) return AddressRule.Unspecified;
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return AddressRule.Loopback;
  if (inV6Range(g, V6_MAPPED, 96)) return AddressRule.Ipv4Mapped;
  if (g.slice(0, 6).every((x) => x === 0)) return AddressRule.Ipv4Compatible;
  if (inV6Range(g, V6_NAT64, 96) || inV6Range(g, V6_NAT64_LOCAL, 48)) return AddressRule.Nat64;
  if (inV6Range(g, V6_ULA, 7)) return AddressRule.UniqueLocal;
  if (inV6Range(g, V6_LINK_LOCAL, 10)) return AddressRule.LinkLocal;
  if (inV6Range(g, V6_SITE_LOCAL, 10)) return AddressRule.Reserved;
  if (inV6Range(g, V6_MULTICAST, 8)) return AddressRule.Multicast;
  if (inV6Range(g, V6_DOC, 32)) return AddressRule.Reserved;
  // 6to4 carries the v4 in bits 16..47; Teredo the server in bits 32..63 and the client, inverted, in 96..127.
  if (inV6Range(g, V6_SIXTOFOUR, 16) && v4Rule(v4At(g, 1)) !== null) return AddressRule.SixToFourPrivate;
  if (inV6Range(g, V6_TEREDO, 32)) {
    const client = 0xffffffff - v4At(g, 6);
    if (v4Rule(v4At(g, 2)) !== null || v4Rule(client) !== null) return AddressRule.TeredoPrivate;
  }
  // Everything outside 2000::/3 (global unicast) is unassigned or special-purpose.
  if (!inV6Range(g, V6_GLOBAL, 3)) return AddressRule.Reserved;
  return null;
}

/** The rule that makes an address unfit as an outbound target, or null for a public unicast address. */
export function classifyAddress(address: string): AddressRule | null {
  const parsed = parseAddress(address);
  if (!parsed) return AddressRule.Invalid;
  return parsed.family === 4 ? v4Rule(parsed.value) : v6Rule(parsed.groups);
}
