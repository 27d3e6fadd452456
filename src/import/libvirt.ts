// Import: libvirt node-device XML (`virsh nodedev-dumpxml`) into one Host.
// A parent's `mdev_types` capability (nested under a `pci`, `css` or
// `ap_matrix` capability) gives its types; an `mdev` capability gives a
// device with its <attr>s. Parent ids take the sysfs form: the PCI address
// domain:bus:slot.function, the css id cssid.ssid.devno, else the basename of
// <path>, else the device name. A parent also gets the facts the XML carries
// (driver, PCI vendor, device and class, its SR-IOV physical function). The
// XML is parsed the one safe way of ./xml.ts: entity declarations refused,
// depth and reserved element names checked before parsing.

import { diagnostic, quote, type Diagnostic } from '../errors.js';
import { lineColAt } from '../json-text.js';
import { DEFAULT_LIMITS } from '../load.js';
import { badName, badUuid, HostBuilder } from './host-builder.js';
import { list, parseXml, text, type XmlNode as Node } from './xml.js';

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

/** A PCI id in the sysfs form (`0x10de`, class `0x030000`): lowercase, zero-padded; undefined when not a number. */
function pciId(v: unknown, width: number): string | undefined {
  const n = num(v);
  return n === undefined || n >= 16 ** width ? undefined : `0x${hex(n, width)}`;
}

/**
 * A parent's facts as node-device XML carries them (DESIGN §10): `driver`
 * from <driver><name>; for a PCI parent `pci_vendor` and `pci_device` from
 * the <vendor id> and <product id>, `pci_class` from <class>, and
 * `pci_physfn` from an SR-IOV virtual function's `phys_function` address.
 * libvirt's XML has no subsystem ids, revision or driver version: those come
 * from `collect`, or from `--facts`.
 */
function parentFacts(device: Node, holder: Node | undefined): [string, string][] {
  const facts: [string, string][] = [];
  const driver = text((device.driver as Node | undefined)?.name)?.trim();
  if (driver) facts.push(['driver', driver]);
  if (holder?.['@type'] !== 'pci') return facts;
  const vendor = pciId((holder.vendor as Node | undefined)?.['@id'], 4);
  const product = pciId((holder.product as Node | undefined)?.['@id'], 4);
  const klass = pciId(holder.class, 6);
  if (vendor) facts.push(['pci_vendor', vendor]);
  if (product) facts.push(['pci_device', product]);
  if (klass) facts.push(['pci_class', klass]);
  const pf = list(holder.capability).find((c) => c['@type'] === 'phys_function')?.address as Node | undefined;
  if (pf) {
    const [d, b, sl, f] = ['@domain', '@bus', '@slot', '@function'].map((k) => num(pf[k]));
    if (d !== undefined && b !== undefined && sl !== undefined && f !== undefined) facts.push(['pci_physfn', `${hex(d, 4)}:${hex(b, 2)}:${hex(sl, 2)}.${hex(f, 1)}`]);
  }
  return facts;
}

/** Add the devices of one node-device XML document (one <device>, or several under any root). */
export function importLibvirt(xml: string, file: string, into: HostBuilder, maxDepth = DEFAULT_LIMITS.maxDepth): Diagnostic[] {
  const at = (offset: number) => ({ file, ...lineColAt(xml, offset) });
  const parsed = parseXml(xml, file, { maxDepth, arrays: ['device', 'capability', 'type', 'attr'], source: 'node-device XML from virsh' });
  if (!parsed.ok) return parsed.errors;
  const root = parsed.value;
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
        if (!badName(parent)) into.addParentFacts(parent, parentFacts(device, holder));
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
