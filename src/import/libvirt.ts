// Import: libvirt node-device XML (`virsh nodedev-dumpxml`) into one Host.
// A parent's `mdev_types` capability (nested under a `pci`, `css` or
// `ap_matrix` capability) gives its types; an `mdev` capability gives a
// device with its <attr>s. Parent ids take the sysfs form: the PCI address
// domain:bus:slot.function, the css id cssid.ssid.devno, else the basename of
// <path>, else the device name. A document that declares entities is refused
// outright, so the parser decodes only XML's five predefined ones. What the
// parser would refuse by throwing (nesting past a depth, elements named
// `__proto__`, `constructor` or `prototype`) is found first, with its line and
// column, and reported as a coded error: a throw would read as a bug.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { diagnostic, quote, type Diagnostic } from '../errors.js';
import { lineColAt } from '../json-text.js';
import { DEFAULT_LIMITS } from '../load.js';
import { badName, badUuid, HostBuilder } from './host-builder.js';

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Only XML's five predefined entities (&amp; …) are decoded: a document declaring its own is refused before parsing.
  processEntities: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['device', 'capability', 'type', 'attr'].includes(name),
});

/** Element names fast-xml-parser refuses by throwing (its guard against prototype pollution). */
const RESERVED_ELEMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const ELEMENT_NAME = /[^\s/>]+/y;

/** The index just past the `>` that ends the markup starting at `from`, skipping quoted values (which may hold `>`) and, in a doctype, its [internal subset]. */
function markupEnd(xml: string, from: number): number {
  let quote = '';
  let brackets = 0;
  for (let k = from + 1; k < xml.length; k++) {
    const c = xml[k]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') brackets++;
    else if (c === ']') brackets--;
    else if (c === '>' && brackets <= 0) return k + 1;
  }
  return xml.length;
}

const past = (xml: string, end: string, from: number) => {
  const k = xml.indexOf(end, from);
  return k < 0 ? xml.length : k + end.length;
};

/**
 * The first element the parser would refuse by throwing, with its offset: one
 * nested deeper than `maxDepth`, or one with a reserved name. Runs on a
 * document the validator accepted (well-formed); comments, CDATA, processing
 * instructions and the doctype are skipped. One pass, no recursion.
 */
function refusedElement(xml: string, maxDepth: number): { offset: number; code: 'input-too-large' | 'schema-violation'; message: string; hint: string } | undefined {
  let depth = 0;
  for (let i = xml.indexOf('<'); i >= 0; i = xml.indexOf('<', i)) {
    if (xml.startsWith('<!--', i)) i = past(xml, '-->', i + 4);
    else if (xml.startsWith('<![CDATA[', i)) i = past(xml, ']]>', i + 9);
    else if (xml.startsWith('<?', i)) i = past(xml, '?>', i + 2);
    else if (xml.startsWith('<!', i)) i = markupEnd(xml, i);
    else if (xml.startsWith('</', i)) {
      depth--;
      i = markupEnd(xml, i);
    } else {
      ELEMENT_NAME.lastIndex = i + 1;
      const name = ELEMENT_NAME.exec(xml)?.[0] ?? '';
      if (RESERVED_ELEMENTS.has(name)) return { offset: i, code: 'schema-violation', message: `element \`<${name}>\` has a reserved name`, hint: 'node-device XML from virsh has no such element' };
      const end = markupEnd(xml, i);
      if (xml[end - 2] !== '/' && ++depth > maxDepth) return { offset: i, code: 'input-too-large', message: `nesting deeper than ${maxDepth} levels`, hint: 'node-device XML from virsh is a few levels deep' };
      i = end;
    }
  }
  return undefined;
}

const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v === undefined ? [] : [v as Node]);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

function num(v: unknown): number | undefined {
  const s = text(v)?.trim();
  if (s === undefined || s === '') return undefined;
  const n = /^0x[0-9a-f]+$/i.test(s) ? Number.parseInt(s, 16) : /^\d+$/.test(s) ? Number(s) : Number.NaN;
  return Number.isNaN(n) ? undefined : n;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Every capability below `node`, depth first, with the capability that holds it. */
function capabilities(node: Node, holder?: Node): { cap: Node; holder?: Node }[] {
  return list(node.capability).flatMap((cap) => [{ cap, ...(holder ? { holder } : {}) }, ...capabilities(cap, cap)]);
}

function parentId(device: Node, holder: Node | undefined): string | undefined {
  const kind = holder?.['@type'];
  if (kind === 'pci') {
    const [d, b, s, f] = ['domain', 'bus', 'slot', 'function'].map((k) => num(holder![k]));
    if (d !== undefined && b !== undefined && s !== undefined && f !== undefined) return `${hex(d, 4)}:${hex(b, 2)}:${hex(s, 2)}.${hex(f, 1)}`;
  }
  if (kind === 'css') {
    const [c, s, n] = ['cssid', 'ssid', 'devno'].map((k) => num(holder![k]));
    if (c !== undefined && s !== undefined && n !== undefined) return `${hex(c, 1)}.${hex(s, 1)}.${hex(n, 4)}`;
  }
  const p = text(device.path);
  if (p) return p.replace(/\/+$/, '').split('/').pop();
  return text(device.name);
}

/** Add the devices of one node-device XML document (one <device>, or several under any root). */
export function importLibvirt(xml: string, file: string, into: HostBuilder, maxDepth = DEFAULT_LIMITS.maxDepth): Diagnostic[] {
  const at = (offset: number) => ({ file, ...lineColAt(xml, offset) });
  if (/<!ENTITY/i.test(xml)) {
    return [diagnostic('schema-violation', 'entity declarations are refused', at(xml.search(/<!ENTITY/i)), { hint: 'node-device XML from virsh has none; entities could expand without bound' })];
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return [diagnostic('yaml-syntax', `invalid xml: ${valid.err.msg.charAt(0).toLowerCase()}${valid.err.msg.slice(1).replace(/\.$/, '')}`, { file, line: valid.err.line, col: valid.err.col })];
  }
  const refused = refusedElement(xml, maxDepth);
  if (refused) return [diagnostic(refused.code, refused.message, at(refused.offset), { hint: refused.hint })];
  let root: Node;
  try {
    root = parser.parse(xml) as Node;
  } catch (e) {
    // The parser's other refusals (none known past the two above): still the input's fault, never a bug.
    const why = String((e as Error)?.message ?? e).replace(/\.$/, '');
    return [diagnostic('schema-violation', `the xml parser refused the document: ${why.charAt(0).toLowerCase()}${why.slice(1)}`, { file })];
  }
  const devices = list(root.device).length > 0 ? list(root.device) : Object.values(root).flatMap((v) => (v && typeof v === 'object' ? list((v as Node).device) : []));
  if (devices.length === 0) return [diagnostic('schema-violation', 'no <device> element: expected the output of `virsh nodedev-dumpxml`', { file, line: 1, col: 1 })];
  const errors: Diagnostic[] = [];
  /** Where the first of these snippets is written (the parser keeps no positions). */
  const where = (...needles: string[]) => {
    for (const n of needles) {
      const i = xml.indexOf(n);
      if (i >= 0) return at(i);
    }
    return { file, line: 1, col: 1 };
  };
  // Names of parents met here, for mdev devices that only name their parent.
  const byName = new Map<string, string>();
  const pending: { device: Node; cap: Node }[] = [];
  for (const device of devices) {
    for (const { cap, holder } of capabilities(device)) {
      if (cap['@type'] === 'mdev_types') {
        const parent = parentId(device, holder);
        if (!parent) {
          errors.push(diagnostic('schema-violation', 'a device with mdev types has no address, <path> or <name>', where('mdev_types')));
          continue;
        }
        const name = text(device.name);
        if (name) byName.set(name, parent);
        for (const t of list(cap.type)) {
          const id = text(t['@id']);
          const problem = id === undefined ? 'a <type> without an id' : (badName(id) ?? badName(parent));
          if (problem || !id) {
            errors.push(diagnostic('schema-violation', problem ?? 'a <type> without an id', id ? where(`'${id}'`, `"${id}"`) : where('<type')));
            continue;
          }
          const attrs: [string, string | number][] = [];
          const name2 = text(t.name);
          const api = text(t.deviceAPI);
          if (name2 !== undefined && name2 !== '') attrs.push(['name', name2]);
          if (api !== undefined) attrs.push(['device_api', api]);
          if (t.availableInstances !== undefined) {
            const n = num(t.availableInstances);
            if (n === undefined) errors.push(diagnostic('schema-violation', `type ${quote(id)}: <availableInstances> is not a count (${quote(t.availableInstances)})`, where(`'${id}'`, `"${id}"`)));
            else attrs.push(['available_instances', n]);
          }
          into.addType(parent, id, attrs);
        }
      } else if (cap['@type'] === 'mdev') {
        pending.push({ device, cap });
      }
    }
  }
  for (const { device, cap } of pending) {
    const type = text(list(cap.type)[0]?.['@id']);
    const uuid = (text(cap.uuid) ?? /^mdev_([0-9a-f_]{36})/i.exec(text(device.name) ?? '')?.[1]?.replace(/_/g, '-'))?.toLowerCase();
    const pathParent = text(device.path)?.replace(/\/+$/, '').split('/').slice(-2, -1)[0];
    const parent = text(cap.parent_addr) ?? pathParent ?? byName.get(text(device.parent) ?? '') ?? text(device.parent);
    if (!type || !uuid || !parent) {
      errors.push(diagnostic('schema-violation', `an mdev device needs a <type id>, a <uuid> and a parent (found ${[type ? '' : 'no type', uuid ? '' : 'no uuid', parent ? '' : 'no parent'].filter(Boolean).join(', ')})`, where("type='mdev'", 'type="mdev"')));
      continue;
    }
    const nameProblem = badUuid(uuid) ?? badName(type) ?? badName(parent);
    if (nameProblem) {
      errors.push(diagnostic('schema-violation', `an mdev device: ${nameProblem}`, where(uuid, "type='mdev'", 'type="mdev"')));
      continue;
    }
    const attrs: [string, string][] = [];
    for (const a of list(cap.attr)) {
      const n = text(a['@name']);
      const v = text(a['@value']);
      if (n !== undefined && v !== undefined && !badName(n)) attrs.push([n, v]);
      else if (n !== undefined) errors.push(diagnostic('schema-violation', `an <attr>: ${badName(n) ?? 'needs a value'}`, where(n)));
    }
    if (!into.addDevice(parent, uuid, type, attrs)) errors.push(diagnostic('duplicate-key', `device \`${uuid}\` is listed twice`, where(uuid)));
  }
  return errors;
}
