import { describe, expect, it } from 'vitest';
import {
  ALL_CAPABILITIES,
  Capability,
  SCRAPE_ONLY_REFUSAL,
  capabilityRefusal,
  hasCapability,
  isScrapeOnly,
  parseCapabilities,
  type Principal,
} from './capability.js';

const principal = (...capabilities: Capability[]): Principal => ({ tokenId: 't', owner: 'alice', capabilities });

describe('parseCapabilities', () => {
  it.each([
    { list: 'upload', expected: [Capability.Upload] },
    { list: 'upload,create_layers', expected: [Capability.Upload, Capability.CreateLayers] },
    { list: ' admin , upload ', expected: [Capability.Admin, Capability.Upload] },
    { list: 'upload,,admin,', expected: [Capability.Upload, Capability.Admin] },
    { list: 'upload,upload,admin,upload', expected: [Capability.Upload, Capability.Admin] },
    { list: 'upload,create_layers,admin', expected: [Capability.Upload, Capability.CreateLayers, Capability.Admin] },
  ])('$list → $expected', ({ list, expected }) => {
    expect(parseCapabilities(list)).toEqual(expected);
  });

  it.each(['', ' ', ',', ' , ,'])('requires at least one capability (%j)', (list) => {
    expect(() => parseCapabilities(list)).toThrow('At least one capability is required');
  });

  it.each([
    { list: 'root', unknown: 'root' },
    { list: 'Upload', unknown: 'Upload' },
    { list: 'upload,superuser,delete', unknown: 'superuser, delete' },
    { list: 'create-layers', unknown: 'create-layers' },
  ])('rejects unknown names in $list', ({ list, unknown }) => {
    expect(() => parseCapabilities(list)).toThrow(
      `Unknown capabilities: ${unknown} (known: upload, create_layers, metrics, admin)`,
    );
  });

  it('knows exactly the three capabilities', () => {
    expect(ALL_CAPABILITIES).toEqual(['upload', 'create_layers', 'metrics', 'admin']);
  });
});

describe('hasCapability', () => {
  const { Upload, CreateLayers, Admin } = Capability;

  it.each([
    { has: [Upload], wants: Upload, allowed: true },
    { has: [Upload], wants: CreateLayers, allowed: false },
    { has: [Upload], wants: Admin, allowed: false },
    { has: [CreateLayers], wants: Upload, allowed: false },
    { has: [CreateLayers], wants: CreateLayers, allowed: true },
    { has: [Upload, CreateLayers], wants: CreateLayers, allowed: true },
    { has: [Upload, CreateLayers], wants: Admin, allowed: false },
    { has: [Admin], wants: Upload, allowed: true },
    { has: [Admin], wants: CreateLayers, allowed: true },
    { has: [Admin], wants: Admin, allowed: true },
    { has: [], wants: Upload, allowed: false },
  ])('$has wants $wants → $allowed', ({ has, wants, allowed }) => {
    expect(hasCapability(principal(...has), wants)).toBe(allowed);
  });
});

describe('isScrapeOnly', () => {
  const { Upload, CreateLayers, Metrics, Admin } = Capability;

  it.each([
    { has: [Metrics], scrapeOnly: true },
    { has: [Metrics, Metrics], scrapeOnly: true },
    { has: [Metrics, Upload], scrapeOnly: false },
    { has: [CreateLayers, Metrics], scrapeOnly: false },
    { has: [Metrics, Admin], scrapeOnly: false },
    { has: [Admin], scrapeOnly: false },
    { has: [Upload], scrapeOnly: false },
    { has: [], scrapeOnly: false },
  ])('$has → $scrapeOnly', ({ has, scrapeOnly }) => {
    expect(isScrapeOnly(principal(...has))).toBe(scrapeOnly);
  });
});

describe('capabilityRefusal', () => {
  const { Upload, CreateLayers, Metrics, Admin } = Capability;

  it.each([
    // A scrape token: /metrics and nothing else, not even what needs no capability.
    { has: [Metrics], needs: [Metrics], refusal: null },
    { has: [Metrics], needs: [], refusal: SCRAPE_ONLY_REFUSAL },
    { has: [Metrics], needs: [Upload], refusal: SCRAPE_ONLY_REFUSAL },
    { has: [Metrics], needs: [Admin], refusal: SCRAPE_ONLY_REFUSAL },
    { has: [Metrics], needs: [Metrics, Upload], refusal: "This token lacks the 'upload' capability." },
    // Anything beside `metrics` makes it an ordinary token.
    { has: [Metrics, Upload], needs: [], refusal: null },
    { has: [Metrics, Upload], needs: [Upload], refusal: null },
    { has: [Metrics, Upload], needs: [Metrics], refusal: null },
    { has: [Metrics, CreateLayers], needs: [Upload], refusal: "This token lacks the 'upload' capability." },
    { has: [Metrics, Admin], needs: [], refusal: null },
    { has: [Admin], needs: [Metrics], refusal: null },
    { has: [Admin], needs: [], refusal: null },
    { has: [Upload], needs: [], refusal: null },
    { has: [Upload], needs: [Metrics], refusal: "This token lacks the 'metrics' capability." },
    {
      has: [Upload],
      needs: [CreateLayers, Admin],
      refusal: "This token lacks the 'create_layers', 'admin' capability.",
    },
  ])('$has needing $needs → $refusal', ({ has, needs, refusal }) => {
    expect(capabilityRefusal(principal(...has), needs)).toBe(refusal);
  });
});
