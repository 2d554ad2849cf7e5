import { describe, expect, it } from 'vitest';
import { child, children, parseXml } from './xml.js';

describe('parseXml', () => {
  it('reads elements by local name, attributes, text and CDATA', () => {
    const root = parseXml(
      `<?xml version="1.0"?><!-- c --><wfs:WFS_Capabilities version="2.0.0" xmlns:wfs="x"><FeatureTypeList>` +
        `<FeatureType><Name>ms:a&amp;b</Name><Title><![CDATA[A <b>]]></Title></FeatureType><FeatureType/></FeatureTypeList></wfs:WFS_Capabilities>`,
    );
    expect(root?.name).toBe('WFS_Capabilities');
    expect(root?.attrs.version).toBe('2.0.0');
    const types = children(child(root ?? undefined, 'FeatureTypeList'), 'FeatureType');
    expect(types).toHaveLength(2);
    expect(child(types[0], 'Name')?.text).toBe('ms:a&b');
    expect(child(types[0], 'Title')?.text).toBe('A <b>');
  });

  it('never expands declared entities (no billion laughs, no external files)', () => {
    const doc = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]><r><n>&b;&x;</n></r>`;
    const root = parseXml(doc);
    expect(child(root ?? undefined, 'n')?.text).toBe('&b;&x;');
  });

  it('returns null for what is not one well-formed root element', () => {
    expect(parseXml('<html><body></html>')).toBeNull();
    expect(parseXml('<a/><b/>')).toBeNull();
    expect(parseXml('{"json": true}')).toBeNull();
    expect(parseXml('<a>')).toBeNull();
  });
});
