import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@app/common';
import { classifyAddress } from './address-rules.js';
import { SsrfAllowlist } from './allowlist.js';
import { SsrfGuard, type ResolvedAddress, type Resolver } from './ssrf-guard.js';
import { ServiceUnreachableError, SsrfRefusedError } from './ssrf.errors.js';

/** A DNS that knows only these names; every lookup is recorded. No packet leaves the process. */
function fakeDns(table: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolver = (host: string): Promise<ResolvedAddress[]> => {
    asked.push(host);
    const answers = table[host];
    if (!answers) return Promise.reject(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return Object.assign(resolver, { asked });
}

const PUBLIC_V4 = '8.8.8.8';
const PUBLIC_V6 = '2606:4700:4700::1111';

async function refusal(guard: SsrfGuard, url: string): Promise<SsrfRefusedError> {
  try {
    await guard.vet(url);
  } catch (err) {
    if (err instanceof SsrfRefusedError) return err;
    throw err;
  }
  throw new Error(`${url} was not refused`);
}

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'cloud-metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.0', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['64:ff9b::7f00:1', 'nat64'],
    ['64:ff9b::808:808', 'nat64'],
    ['64:ff9b:1::a00:1', 'nat64'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'],
    ['::ffff:7f00:1', 'ipv4-mapped'],
    ['::ffff:8.8.8.8', 'ipv4-mapped'],
    ['::127.0.0.1', 'ipv4-compatible'],
    ['::a00:1', 'ipv4-compatible'],
    ['2002:7f00:1::', '6to4-private'],
    ['2002:c0a8:101::1', '6to4-private'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'teredo-private'], // client 127.0.0.1 (inverted)
    ['2001:0:a00:1::1', 'teredo-private'], // server 10.0.0.1
    ['2001:db8::1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['100::1', 'reserved'],
    ['not-an-ip', 'invalid-address'],
  ])('%s → %s', (address, rule) => {
    expect(classifyAddress(address)).toBe(rule);
  });

  it.each([
    PUBLIC_V4,
    '1.1.1.1',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '169.253.255.255',
    '223.255.255.255',
    PUBLIC_V6,
    '2002:808:808::1', // 6to4 carrying a public v4
    '2001:0:808:808:8000:63bf:f7f7:f7f7', // Teredo with public server and client (8.8.8.8)
  ])('%s is a public unicast address', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });
});

describe('SsrfGuard.vet', () => {
  const dns = fakeDns({
    'example.com': [PUBLIC_V4, PUBLIC_V6],
    'internal.example.com': ['10.1.2.3'],
    'mixed.example.com': [PUBLIC_V4, '127.0.0.1'],
    'metadata.example.com': ['169.254.169.254'],
    'v6-private.example.com': [PUBLIC_V6, 'fd00::5'],
    'mapped.example.com': ['::ffff:10.0.0.1'],
    'xn--bcher-kva.example': [PUBLIC_V4],
    'xn--bcher-private-wob.example': ['10.0.0.1'],
    'empty.example.com': [],
    'wfs.internal': ['10.20.3.4'],
  });
  const guard = new SsrfGuard(new SsrfAllowlist([]), dns);

  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://2130706433/', 'loopback'], // decimal
    ['http://0177.0.0.1/', 'loopback'], // octal
    ['http://0x7f.1/', 'loopback'], // hex, short
    ['http://0x7f000001/', 'loopback'],
    ['http://127.1/', 'loopback'], // short form
    ['http://127.0.0.1./', 'loopback'], // trailing dot
    ['http://[::1]/', 'loopback'], // bracketed v6
    ['http://[0:0:0:0:0:0:0:1]:8080/', 'loopback'],
    ['http://localhost/', 'loopback'],
    ['http://LOCALHOST./', 'loopback'],
    ['http://api.localhost/', 'loopback'],
    ['http://０x7f.0.0.1/', 'loopback'], // full-width characters, folded by IDNA
    ['http://１２７.０.０.１/', 'loopback'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://10.0.0.1/', 'private'],
    ['http://012.0.0.1/', 'private'], // octal 10
    ['http://172.16.0.1/', 'private'],
    ['http://192.168.0.1/', 'private'],
    ['http://3232235777/', 'private'], // 192.168.1.1 as one number
    ['http://169.254.169.254/latest/meta-data/', 'cloud-metadata'],
    ['http://0xa9fea9fe/', 'cloud-metadata'],
    ['http://169.254.0.7/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://100.64.0.1/', 'cgnat'],
    ['http://[fc00::1]/', 'unique-local'],
    ['http://[fd00::1]/', 'unique-local'],
    ['http://[64:ff9b::a00:1]/', 'nat64'],
    ['http://224.0.0.251/', 'multicast'],
    ['http://[ff05::2]/', 'multicast'],
    ['http://240.1.2.3/', 'reserved'],
    ['http://[::ffff:127.0.0.1]/', 'ipv4-mapped'],
    ['http://[::ffff:a9fe:a9fe]/', 'ipv4-mapped'],
    ['http://[::7f00:1]/', 'ipv4-compatible'],
    ['http://[2002:a00:1::]/', '6to4-private'],
    ['http://[2001:0:a00:1::1]/', 'teredo-private'],
    ['http://internal.example.com/wfs', 'private'], // DNS answering a private address
    ['http://mixed.example.com/', 'loopback'], // one bad answer among good ones is enough
    ['http://metadata.example.com/', 'cloud-metadata'],
    ['http://v6-private.example.com/', 'unique-local'],
    ['http://mapped.example.com/', 'ipv4-mapped'],
    ['http://bücher-private.example/', 'private'], // IDN resolved by its punycode form
    ['ftp://example.com/', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['gopher://example.com/', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['not a url', 'malformed-url'],
    ['http://user:pass@example.com/', 'credentials-in-url'],
    ['http://user@example.com/', 'credentials-in-url'],
    ['https://example.com/wfs?token=abc', 'credentials-in-url'],
    ['https://example.com/wfs?TOKEN=abc', 'credentials-in-url'],
    ['https://example.com/wfs?password=abc', 'credentials-in-url'],
    ['https://example.com/wfs?key=abc', 'credentials-in-url'],
    ['https://example.com/wfs?apikey=abc', 'credentials-in-url'],
    ['https://example.com/wfs?access_token=abc', 'credentials-in-url'],
    ['http://empty.example.com/', 'no-address'],
  ])('refuses %s (%s)', async (url, rule) => {
    const err = await refusal(guard, url);
    expect(err.rule).toBe(rule);
    expect(err.code).toBe(ErrorCode.SsrfRefused);
    expect(err.status).toBe(422);
  });

  it('never names a resolved address in the refusal, only the host the user sent', async () => {
    const err = await refusal(guard, 'http://internal.example.com/wfs');
    expect(err.message).toContain('"internal.example.com"');
    expect(err.message).not.toContain('10.1.2.3');
    expect(err.extensions).toEqual({ rule: 'private' });
  });

  it('accepts public hosts, literal public addresses and IDNs, and returns every vetted address', async () => {
    await expect(guard.vet('https://example.com/arcgis/rest/services?f=json')).resolves.toMatchObject({
      host: 'example.com',
      addresses: [
        { address: PUBLIC_V4, family: 4 },
        { address: PUBLIC_V6, family: 6 },
      ],
    });
    await expect(guard.vet('http://8.8.8.8/wfs')).resolves.toMatchObject({ addresses: [{ address: PUBLIC_V4 }] });
    await expect(guard.vet(`http://[${PUBLIC_V6}]/`)).resolves.toMatchObject({ addresses: [{ family: 6 }] });
    await expect(guard.vet('http://bücher.example/')).resolves.toMatchObject({ host: 'xn--bcher-kva.example' });
    await expect(guard.vet('http://example.com./')).resolves.toMatchObject({ host: 'example.com' });
  });

  it('does not resolve literal addresses or localhost names', async () => {
    dns.asked.length = 0;
    await refusal(guard, 'http://0x7f.1/');
    await refusal(guard, 'http://localhost/');
    await guard.vet('http://8.8.8.8/');
    expect(dns.asked).toEqual([]);
  });

  it('reports a name that does not resolve as unreachable (502), not as a refusal', async () => {
    await expect(guard.vet('http://nowhere.example.com/')).rejects.toBeInstanceOf(ServiceUnreachableError);
  });
});

describe('SsrfGuard with SSRF_ALLOWLIST', () => {
  const dns = fakeDns({
    'wfs.internal': ['10.20.3.4'],
    'other.internal': ['10.20.9.9'],
    'sneaky.internal': ['10.30.0.1'],
    'loop.test': ['127.0.0.1'],
    'sub.wfs.internal': ['10.99.0.1'],
  });
  const guard = new SsrfGuard(SsrfAllowlist.parse('127.0.0.1, 10.20.0.0/16, WFS.Internal., fd00::/8'), dns);

  it('admits addresses inside a listed block, whatever the name', async () => {
    await expect(guard.vet('http://127.0.0.1:8080/')).resolves.toBeTruthy();
    await expect(guard.vet('http://loop.test/')).resolves.toBeTruthy();
    await expect(guard.vet('http://other.internal/')).resolves.toBeTruthy();
    await expect(guard.vet('http://[fd00::1]/')).resolves.toBeTruthy();
  });

  it('admits a listed host name, case and trailing dot ignored', async () => {
    await expect(guard.vet('http://wfs.internal./')).resolves.toMatchObject({ host: 'wfs.internal' });
  });

  it('still refuses what the list does not name', async () => {
    expect((await refusal(guard, 'http://127.0.0.2/')).rule).toBe('loopback');
    expect((await refusal(guard, 'http://sneaky.internal/')).rule).toBe('private');
    expect((await refusal(guard, 'http://[::1]/')).rule).toBe('loopback');
    expect((await refusal(guard, 'http://[::ffff:127.0.0.1]/')).rule).toBe('ipv4-mapped');
    expect((await refusal(guard, 'http://localhost/')).rule).toBe('loopback');
    expect((await refusal(guard, 'http://sub.wfs.internal/')).rule).toBe('private');
  });

  it('refuses malformed entries at construction', () => {
    expect(() => SsrfAllowlist.parse('10.0.0.0/40')).toThrow(/bad CIDR/);
    expect(() => SsrfAllowlist.parse('http://x/')).toThrow(/neither/);
  });
});
