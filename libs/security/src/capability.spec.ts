import { describe, expect, it } from 'vitest';
import { ALL_CAPABILITIES, Capability, hasCapability, parseCapabilities, type Principal } from './capability.js';

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
  const principal = (...capabilities: Capability[]): Principal => ({ tokenId: 't', owner: 'alice', capabilities });
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
