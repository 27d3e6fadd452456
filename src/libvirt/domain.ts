// A libvirt domain XML (`virsh dumpxml`) as mdev-policy reads and edits it:
// the VM's mdev hostdevs (`<hostdev mode='subsystem' type='mdev' model=…>`
// with `<source><address uuid=…/></source>`), its name and uuid, and the
// project's own element under `<metadata>`. The document is checked the one
// safe way the importers use (src/import/xml.ts: entity declarations refused,
// depth bounded, malformed XML a coded error at its line:col); then a small
// scanner of the validated text finds each element with its offsets, so that
// edits (a hostdev's uuid, the metadata element) are spliced into the text
// and every other byte of the domain stays as libvirt wrote it.

import { diagnostic, failed, ok, type Diagnostic, type Position, type Result } from '../errors.js';
import { parseXml } from '../import/xml.js';
import { lineLocator } from '../json-text.js';

/** An element of the document with where it is written. */
export interface XmlElement {
  name: string;
  attributes: XmlAttribute[];
  /** Offset of its `<`. */
  start: number;
  /** Offset just past its start tag's `>`. */
  openEnd: number;
  /** Offset of its end tag's `<` (= openEnd when it is self-closing). */
  closeStart: number;
  /** Offset just past its end tag (or its self-closing tag). */
  end: number;
  selfClosing: boolean;
  children: XmlElement[];
}

export interface XmlAttribute {
  name: string;
  /** The value with XML's references decoded. */
  value: string;
  /** Offsets of the value as written, inside its quotes. */
  valueStart: number;
  valueEnd: number;
}

/** One mdev hostdev of the domain. */
export interface DomainMdev {
  uuid: string;
  /** `model` of the hostdev: vfio-pci, vfio-ccw or vfio-ap. */
  model: string;
  /** Where the hostdev is written (for messages). */
  at: Position;
  /** The `uuid` attribute of its `<source><address>`, to rewrite. */
  uuidAttribute: XmlAttribute;
}

export interface Domain {
  file: string;
  /** The text, without a leading byte-order mark. */
  text: string;
  /** Whether the file began with a byte-order mark (written back with the text). */
  bom: boolean;
  root: XmlElement;
  /** `<name>` of the domain, when it has one. */
  name?: string;
  /** `<uuid>` of the domain, when it has one. */
  uuid?: string;
  mdevs: DomainMdev[];
}

/** The models libvirt knows for an mdev hostdev, each the device_api of the types it takes. */
export const MDEV_MODELS = ['vfio-pci', 'vfio-ccw', 'vfio-ap'] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/gy;
const NAME = /[^\s/>]+/y;

const past = (xml: string, end: string, from: number) => {
  const k = xml.indexOf(end, from);
  return k < 0 ? xml.length : k + end.length;
};

/** The index just past the `>` of the tag starting at `from` (quoted values may hold `>`). */
function tagEnd(xml: string, from: number): number {
  let quote = '';
  for (let k = from + 1; k < xml.length; k++) {
    const c = xml[k]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return k + 1;
  }
  return xml.length;
}

/** XML's five predefined references and character references decoded (a document declaring others was refused). */
export function decodeReferences(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g, (_, r: string) => {
    if (r === 'lt') return '<';
    if (r === 'gt') return '>';
    if (r === 'amp') return '&';
    if (r === 'quot') return '"';
    if (r === 'apos') return "'";
    const code = r[1] === 'x' ? Number.parseInt(r.slice(2), 16) : Number.parseInt(r.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

/** Text for XML content or an attribute value in either quotes: every character that could end or change it escaped. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

/**
 * The element tree of a well-formed document, with offsets. Comments, CDATA,
 * processing instructions and the doctype are skipped. One pass, no
 * recursion (the depth was bounded by the validator before).
 */
function scan(xml: string): XmlElement | undefined {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  for (let i = xml.indexOf('<'); i >= 0; i = xml.indexOf('<', i)) {
    if (xml.startsWith('<!--', i)) i = past(xml, '-->', i + 4);
    else if (xml.startsWith('<![CDATA[', i)) i = past(xml, ']]>', i + 9);
    else if (xml.startsWith('<?', i)) i = past(xml, '?>', i + 2);
    else if (xml.startsWith('<!', i)) {
      // The doctype, with its internal subset in brackets.
      let depth = 0;
      let k = i + 2;
      for (; k < xml.length; k++) {
        const c = xml[k];
        if (c === '[') depth++;
        else if (c === ']') depth--;
        else if (c === '>' && depth <= 0) break;
      }
      i = k + 1;
    } else if (xml.startsWith('</', i)) {
      const end = tagEnd(xml, i);
      const element = stack.pop();
      if (element) {
        element.closeStart = i;
        element.end = end;
      }
      i = end;
    } else {
      NAME.lastIndex = i + 1;
      const name = NAME.exec(xml)?.[0] ?? '';
      const end = tagEnd(xml, i);
      const selfClosing = xml[end - 2] === '/';
      const attributes: XmlAttribute[] = [];
      let k = i + 1 + name.length;
      for (;;) {
        while (k < end && /\s/.test(xml[k]!)) k++;
        ATTRIBUTE.lastIndex = k;
        const m = ATTRIBUTE.exec(xml);
        if (!m || m.index >= end) break;
        const raw = m[2] ?? m[3] ?? '';
        const valueStart = m.index + m[0].length - raw.length - 1;
        attributes.push({ name: m[1]!, value: decodeReferences(raw), valueStart, valueEnd: valueStart + raw.length });
        k = ATTRIBUTE.lastIndex;
      }
      const element: XmlElement = { name, attributes, start: i, openEnd: end, closeStart: end, end, selfClosing, children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else root ??= element;
      if (!selfClosing) stack.push(element);
      i = end;
    }
  }
  return root;
}

export const attribute = (e: XmlElement, name: string): XmlAttribute | undefined => e.attributes.find((a) => a.name === name);
export const children = (e: XmlElement, name: string): XmlElement[] => e.children.filter((c) => c.name === name);

/** An element's text content: references decoded, CDATA sections kept as written, comments left out. */
export function textOf(xml: string, e: XmlElement): string {
  if (e.selfClosing) return '';
  const inner = xml.slice(e.openEnd, e.closeStart);
  let out = '';
  let i = 0;
  while (i < inner.length) {
    const lt = inner.indexOf('<', i);
    const chunk = lt < 0 ? inner.slice(i) : inner.slice(i, lt);
    out += decodeReferences(chunk);
    if (lt < 0) break;
    if (inner.startsWith('<![CDATA[', lt)) {
      const close = inner.indexOf(']]>', lt + 9);
      out += inner.slice(lt + 9, close < 0 ? inner.length : close);
      i = close < 0 ? inner.length : close + 3;
    } else if (inner.startsWith('<!--', lt)) i = past(inner, '-->', lt + 4);
    else if (inner.startsWith('<?', lt)) i = past(inner, '?>', lt + 2);
    else i = tagEnd(inner, lt);
  }
  return out;
}

/** The largest domain XML read: libvirt's are a few kilobytes, and virsh itself reads none larger than 10 MiB. */
export const MAX_DOMAIN_BYTES = 10 * 1024 * 1024;

/** The most mdev hostdevs one domain may have (as many as one decision places). */
export const MAX_DOMAIN_MDEVS = 64;

/** The mdev hostdevs of `virsh dumpxml` output, its name and uuid; coded errors with line:col otherwise. */
export function parseDomain(input: string, file: string, maxDepth: number): Result<Domain> {
  const bom = input.charCodeAt(0) === 0xfeff;
  const text = bom ? input.slice(1) : input;
  const lineCol = lineLocator(text);
  const at = (offset: number): Position => ({ file, ...lineCol(offset) });
  if (Buffer.byteLength(text, 'utf8') > MAX_DOMAIN_BYTES) {
    return failed([diagnostic('input-too-large', `a domain XML of more than ${MAX_DOMAIN_BYTES} bytes`, { file }, { hint: 'libvirt domain XML is a few kilobytes: is this `virsh dumpxml` output?' })]);
  }
  // libvirt never writes a doctype; one (even without entities) is where parsers disagree on what the document holds.
  // Entity declarations are the XML reader's to refuse, at the declaration.
  const doctype = text.search(/<!DOCTYPE/i);
  if (doctype >= 0 && !/<!ENTITY/i.test(text)) {
    return failed([diagnostic('schema-violation', 'a doctype is refused in a domain XML', at(doctype), { hint: 'libvirt writes none: give `virsh dumpxml` output' })]);
  }
  const parsed = parseXml(text, file, { maxDepth, arrays: [], source: 'a domain XML from `virsh dumpxml`' });
  if (!parsed.ok) return failed(parsed.errors);
  const root = scan(text);
  if (!root || root.name !== 'domain') {
    return failed([diagnostic('schema-violation', `the root element is \`<${root?.name ?? ''}>\`, not \`<domain>\``, at(root?.start ?? 0), { hint: 'give the domain XML of the VM, as `virsh dumpxml VM` prints it' })]);
  }
  const errors: Diagnostic[] = [];
  const mdevs: DomainMdev[] = [];
  for (const devices of children(root, 'devices')) {
    for (const hostdev of children(devices, 'hostdev')) {
      if (attribute(hostdev, 'type')?.value !== 'mdev') continue;
      const where = at(hostdev.start);
      const mode = attribute(hostdev, 'mode')?.value;
      if (mode !== undefined && mode !== 'subsystem') {
        errors.push(diagnostic('schema-violation', `an mdev hostdev has mode \`${mode}\`, not \`subsystem\``, where));
        continue;
      }
      const model = attribute(hostdev, 'model');
      const address = children(hostdev, 'source').flatMap((s) => children(s, 'address'));
      const uuid = address.length === 1 ? attribute(address[0]!, 'uuid') : undefined;
      if (!uuid) {
        errors.push(diagnostic('schema-violation', 'an mdev hostdev names no device: `<source><address uuid=…/></source>` is missing', where));
        continue;
      }
      const uuidAt = at(uuid.valueStart);
      if (!UUID.test(uuid.value)) {
        errors.push(diagnostic('schema-violation', `\`${uuid.value}\` is not a uuid`, uuidAt));
        continue;
      }
      if (!model) {
        errors.push(diagnostic('schema-violation', 'an mdev hostdev has no `model` (vfio-pci, vfio-ccw or vfio-ap)', where));
        continue;
      }
      if (!(MDEV_MODELS as readonly string[]).includes(model.value)) {
        errors.push(diagnostic('schema-violation', `\`${model.value}\` is not an mdev hostdev model`, at(model.valueStart), { hint: `libvirt knows ${MDEV_MODELS.map((m) => `\`${m}\``).join(', ')}` }));
        continue;
      }
      const lower = uuid.value.toLowerCase();
      if (mdevs.some((m) => m.uuid === lower)) {
        errors.push(diagnostic('schema-violation', `mdev \`${lower}\` is assigned twice`, uuidAt));
        continue;
      }
      if (mdevs.length === MAX_DOMAIN_MDEVS) {
        errors.push(diagnostic('input-too-large', `more than ${MAX_DOMAIN_MDEVS} mdev hostdevs, the most one decision places`, where));
        return failed(errors);
      }
      mdevs.push({ uuid: lower, model: model.value, at: uuidAt, uuidAttribute: uuid });
    }
  }
  if (errors.length > 0) return failed(errors);
  const name = children(root, 'name')[0];
  const uuid = children(root, 'uuid')[0];
  return ok({
    file,
    text,
    bom,
    root,
    ...(name ? { name: textOf(text, name).trim() } : {}),
    ...(uuid ? { uuid: textOf(text, uuid).trim() } : {}),
    mdevs,
  });
}

/** One change to a document's text. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** The domain's text with the edits applied (they must not overlap), its byte-order mark kept. */
export function applyEdits(domain: Pick<Domain, 'text' | 'bom'>, edits: readonly TextEdit[]): string {
  const text = domain.text;
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return `${domain.bom ? '\ufeff' : ''}${out}${text.slice(at)}`;
}

/** The whitespace before an element's start on its line (its indentation), or '' when something else precedes it. */
export function indentationOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(before) ? before : '';
}
