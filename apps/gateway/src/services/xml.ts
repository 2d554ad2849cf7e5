/** An XML element by local name (namespace prefixes dropped), with its attributes, children and text. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references; nothing else is expanded. */
function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return PREDEFINED[ref] ?? whole;
  });
}

const localName = (qname: string): string => qname.slice(qname.indexOf(':') + 1);

/**
 * A small, non-validating XML reader for service capabilities documents. It never expands entities
 * beyond the predefined five (a DOCTYPE and its declarations are skipped, not read), never fetches
 * anything, and returns null for input that is not well-formed enough to have one root element.
 */
export function parseXml(source: string): XmlElement | null {
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const lt = source.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i && stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top) top.text += decode(source.slice(i, textEnd));
    }
    if (lt < 0) break;
    if (source.startsWith('<!--', lt)) {
      const end = source.indexOf('-->', lt + 4);
      if (end < 0) return null;
      i = end + 3;
    } else if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt + 9);
      if (end < 0) return null;
      const top = stack[stack.length - 1];
      if (top) top.text += source.slice(lt + 9, end);
      i = end + 3;
    } else if (source.startsWith('<?', lt)) {
      const end = source.indexOf('?>', lt + 2);
      if (end < 0) return null;
      i = end + 2;
    } else if (source.startsWith('<!', lt)) {
      // DOCTYPE (with an internal subset in brackets) or another declaration: skipped unread.
      let depth = 0;
      let j = lt + 2;
      for (; j < n; j++) {
        const c = source[j];
        if (c === '[') depth++;
        else if (c === ']') depth--;
        else if (c === '>' && depth <= 0) break;
      }
      if (j >= n) return null;
      i = j + 1;
    } else if (source[lt + 1] === '/') {
      const end = source.indexOf('>', lt);
      if (end < 0) return null;
      const name = localName(source.slice(lt + 2, end).trim());
      const open = stack.pop();
      if (!open || open.name !== name) return null;
      i = end + 1;
    } else {
      const tag = /^<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(
        source.slice(lt, lt + 65536),
      );
      if (!tag) return null;
      const element: XmlElement = { name: localName(tag[1] ?? ''), attrs: {}, children: [], text: '' };
      for (const a of (tag[2] ?? '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        element.attrs[localName(a[1] ?? '')] = decode(a[2] ?? a[3] ?? '');
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) return null;
      else root = element;
      if (tag[3] !== '/') stack.push(element);
      i = lt + tag[0].length;
    }
  }
  return stack.length === 0 ? root : null;
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el?.children.filter((c) => c.name === name) ?? [];
}
