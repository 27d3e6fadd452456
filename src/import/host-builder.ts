// What collect and the importers share: a Host document built up from
// parents, types and devices found in any order, with repeated instance
// attributes kept as lists in the order met (mdevctl's `attrs`:
// assign_adapter 5 then 6 → ["5", "6"]). Names come from the input: callers
// check them with badName/badUuid and report a refused one in their own voice
// (an import error, a collect warning); the builder refuses to store one that
// slipped through, as the bug it is. Everything is kept in Maps until the
// document is built, then defined key by key as own data properties: no input
// key ever touches a live object's prototype, and `toString` is just a name.
// Facts (DESIGN §10) are kept the same way: host facts, and each parent's.

import type { WrittenHost } from '../types.js';

type WrittenParent = WrittenHost['spec']['parents'][string];
type WrittenDevice = NonNullable<WrittenParent['devices']>[string];

interface Parent {
  /** Its types were listed (collect reads a parent's whole mdev_supported_types): it gets a `types` map even when empty. */
  listed: boolean;
  /** Parent facts (DESIGN §10): PCI ids, driver, driver_version, vendor facts. */
  facts: Map<string, string>;
  types: Map<string, Map<string, string | number>>;
  devices: Map<string, { type: string; attributes: Map<string, string | string[]> }>;
}

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);
const SYSFS_NAME = /^[^/\s]{1,255}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Why a name read from an import cannot be a parent, type or attribute name; undefined when it can. */
export function badName(name: string): string | undefined {
  if (RESERVED.has(name)) return `\`${name}\` is a reserved name`;
  if (!SYSFS_NAME.test(name) || name === '.' || name === '..') return `\`${name.slice(0, 60)}\` is not a sysfs name`;
  return undefined;
}

export function badUuid(uuid: string): string | undefined {
  return UUID.test(uuid) ? undefined : `\`${uuid.slice(0, 60)}\` is not a device uuid`;
}

/** A plain object from a Map, each key an own data property holding `map` of its value. */
export function object<V, W>(m: Map<string, V>, map: (v: V) => W): Record<string, W> {
  const out: Record<string, W> = {};
  for (const [k, v] of m) Object.defineProperty(out, k, { value: map(v), enumerable: true, writable: true, configurable: true });
  return out;
}

export const same = <V>(v: V): V => v;

/** Facts are written in name order, whichever order they were found in: the same host reads the same from every route. */
export const sorted = (m: Map<string, string>): Map<string, string> => new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The caller let an unchecked name through: a bug, never an input problem. */
function checked(problem: string | undefined): void {
  if (problem !== undefined) throw new Error(`internal: HostBuilder given an unchecked name: ${problem}`);
}

export class HostBuilder {
  private readonly parents = new Map<string, Parent>();
  private readonly hostFacts = new Map<string, string>();

  private parent(id: string): Parent {
    checked(badName(id));
    let p = this.parents.get(id);
    if (!p) {
      p = { listed: false, facts: new Map(), types: new Map(), devices: new Map() };
      this.parents.set(id, p);
    }
    return p;
  }

  /** A parent whose types are listed in full, even when it has none. */
  addParent(id: string): void {
    this.parent(id).listed = true;
  }

  /** The ids of the parents added so far, in order. */
  parentIds(): string[] {
    return [...this.parents.keys()];
  }

  hasParent(id: string): boolean {
    return this.parents.has(id);
  }

  /** A parent's fact, when the parent exists and has it. */
  parentFact(parent: string, name: string): string | undefined {
    return this.parents.get(parent)?.facts.get(name);
  }

  /** Set parent facts (later values win); adds the parent when new. */
  addParentFacts(parent: string, facts: Iterable<readonly [string, string]>): void {
    const p = this.parent(parent);
    for (const [k, v] of facts) {
      checked(badName(k));
      p.facts.set(k, v);
    }
  }

  hostFact(name: string): string | undefined {
    return this.hostFacts.get(name);
  }

  /** Set host facts (later values win). */
  addHostFacts(facts: Iterable<readonly [string, string]>): void {
    for (const [k, v] of facts) {
      checked(badName(k));
      this.hostFacts.set(k, v);
    }
  }

  /** Add a type, or more attributes to one already added (later values win). */
  addType(parent: string, typeId: string, attributes: Iterable<readonly [string, string | number]>): void {
    checked(badName(typeId));
    const p = this.parent(parent);
    const attrs = p.types.get(typeId) ?? new Map<string, string | number>();
    for (const [k, v] of attributes) {
      checked(badName(k));
      attrs.set(k, v);
    }
    p.types.set(typeId, attrs);
  }

  /** Add a device; false (and nothing added) when that uuid is already on the host. A repeated attribute becomes a list. */
  addDevice(parent: string, uuid: string, type: string, attrs: Iterable<readonly [string, string]> = []): boolean {
    checked(badUuid(uuid) ?? badName(type));
    for (const p of this.parents.values()) if (p.devices.has(uuid)) return false;
    const attributes = new Map<string, string | string[]>();
    for (const [k, v] of attrs) {
      checked(badName(k));
      const before = attributes.get(k);
      attributes.set(k, before === undefined ? v : Array.isArray(before) ? [...before, v] : [before, v]);
    }
    this.parent(parent).devices.set(uuid, { type, attributes });
    return true;
  }

  build(name: string, collectedAt?: string): WrittenHost {
    const parents = new Map<string, WrittenParent>();
    for (const [id, p] of this.parents) {
      const entry: WrittenParent = {};
      if (p.facts.size > 0) entry.attributes = object(sorted(p.facts), same);
      if (p.types.size > 0 || p.listed) entry.types = object(p.types, (attrs) => object(attrs, same));
      if (p.devices.size > 0) {
        entry.devices = object(p.devices, (d): WrittenDevice => (d.attributes.size > 0 ? { type: d.type, attributes: object(d.attributes, same) } : { type: d.type }));
      }
      parents.set(id, entry);
    }
    const metadata = collectedAt === undefined ? { name } : { name, collectedAt };
    const spec: WrittenHost['spec'] = this.hostFacts.size > 0 ? { host: object(sorted(this.hostFacts), same), parents: object(parents, same) } : { parents: object(parents, same) };
    return { apiVersion: 'mdev-policy/v1', kind: 'Host', metadata, spec };
  }
}
