// What the importers share: a Host document built up from parents, types and
// devices found in any order, with repeated instance attributes kept as lists
// in the order met (mdevctl's `attrs`: assign_adapter 5 then 6 → ["5", "6"]).

import type { WrittenHost } from '../types.js';

type Parent = WrittenHost['spec']['parents'][string];

export class HostBuilder {
  private readonly parents: Record<string, Parent> = {};

  private parent(id: string): Parent {
    this.parents[id] ??= {};
    return this.parents[id]!;
  }

  addType(parent: string, typeId: string, attributes: Record<string, string | number>): void {
    const p = this.parent(parent);
    p.types ??= {};
    p.types[typeId] = { ...(p.types[typeId] ?? {}), ...attributes };
  }

  addDevice(parent: string, uuid: string, type: string, attrs: [string, string][] = []): void {
    const p = this.parent(parent);
    p.devices ??= {};
    const attributes: Record<string, string | string[]> = {};
    for (const [k, v] of attrs) {
      const before = attributes[k];
      attributes[k] = before === undefined ? v : Array.isArray(before) ? [...before, v] : [before, v];
    }
    p.devices[uuid] = Object.keys(attributes).length > 0 ? { type, attributes } : { type };
  }

  build(name: string): WrittenHost {
    return { apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name }, spec: { parents: this.parents } };
  }
}
