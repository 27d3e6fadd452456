// What the importers share: a Host document built up from parents, types and
// devices found in any order, with repeated instance attributes kept as lists
// in the order met (mdevctl's `attrs`: assign_adapter 5 then 6 → ["5", "6"]).
// Names come from the input, so they are checked here (sysfs names, device
// uuids, never `__proto__` and friends) and kept in Maps until the document
// is built: no input key ever touches a live object's prototype.

import type { WrittenHost } from '../types.js';

type Parent = { types: Map<string, Record<string, string | number>>; devices: Map<string, { type: string; attributes?: Record<string, string | string[]> }> };

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

/** A plain object from a Map, each key an own data property. */
function object<V>(m: Map<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of m) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

export class HostBuilder {
  private readonly parents = new Map<string, Parent>();

  private parent(id: string): Parent {
    let p = this.parents.get(id);
    if (!p) {
      p = { types: new Map(), devices: new Map() };
      this.parents.set(id, p);
    }
    return p;
  }

  addType(parent: string, typeId: string, attributes: Record<string, string | number>): void {
    const p = this.parent(parent);
    p.types.set(typeId, { ...(p.types.get(typeId) ?? {}), ...attributes });
  }

  /** Add a device; false (and nothing added) when that uuid is already on the host. */
  addDevice(parent: string, uuid: string, type: string, attrs: [string, string][] = []): boolean {
    for (const p of this.parents.values()) if (p.devices.has(uuid)) return false;
    const attributes = new Map<string, string | string[]>();
    for (const [k, v] of attrs) {
      const before = attributes.get(k);
      attributes.set(k, before === undefined ? v : Array.isArray(before) ? [...before, v] : [before, v]);
    }
    this.parent(parent).devices.set(uuid, attributes.size > 0 ? { type, attributes: object(attributes) } : { type });
    return true;
  }

  build(name: string): WrittenHost {
    const parents = new Map<string, WrittenHost['spec']['parents'][string]>();
    for (const [id, p] of this.parents) {
      const entry: WrittenHost['spec']['parents'][string] = {};
      if (p.types.size > 0) entry.types = object(p.types);
      if (p.devices.size > 0) entry.devices = object(p.devices);
      parents.set(id, entry);
    }
    return { apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name }, spec: { parents: object(parents) } };
  }
}
