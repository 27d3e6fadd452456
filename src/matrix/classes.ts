// Host classes: the hosts of a fleet grouped by what the policy reads of them
// (src/matrix/reads.ts), in one streaming pass. Per host, a short key is made
// from interned ids; the first host with a key becomes its class's
// representative (kept whole), every later one adds only its name. Memory is
// one Host per class, the interned shapes, and the member names: the one
// thing that grows with the fleet.
//
// The key, exactly. The matrix decides one VM with one mdev device of type T
// (src/matrix/decide.ts), and for one device a host's verdict, as a source
// or a destination, depends only on:
// - the host facts the policy reads (the host's name too, when a check reads
//   it: then every host is its own class);
// - for each parent offering types, the parent facts the policy reads (its id
//   too, when read) — parents are grouped by those, and each group counts its
//   parents;
// - in each group, the *set* of type shapes offered: the type id and the
//   type attributes the policy reads, normalised as the evaluator sees them
//   (lists split, strings trimmed). Which parent of a group offers which type
//   does not enter (no check reads it; placement of one device looks at the
//   one parent it uses), so hosts that spread the same types differently over
//   identical GPUs share a class;
// - per type shape, whether a parent offering it can take one more instance:
//   `available_instances` bucketed 0 / ≥ 1 when only the `capacity` match
//   reads it (as its value, in the shape, otherwise), and — for types whose
//   policy makes a parent take one type at a time — whether that parent
//   already runs another type. A group where some parent can take one keys as
//   "can take one" whatever its other parents say (one free GPU is enough);
//   otherwise the key says which of "full" and "runs another type" occur.
// Host names, collectedAt, device uuids and instance attributes, attributes
// no check reads, parent ids (unless read) and the order of anything are not
// in the key.

import { trimValue, normalizeAttribute } from '../normalize.js';
import type { PolicySet } from '../resolve.js';
import { globMatch } from '../selector.js';
import type { AttributeValue, Host, WrittenHost } from '../types.js';
import type { HostClass } from './types.js';
import { readsAttribute, type AttributeReads, type PolicyReads } from './reads.js';

/** Per type shape in a parent group: some parent can take one more instance (and runs no other type, where that matters). */
const FREE = 1;
/** Some parent has a free instance but runs another type, under a policy that takes one type per parent. */
const BLOCKED = 2;
/** Some parent has no free instance (or none said). */
const FULL = 4;

export interface HostClassEntry {
  id: string;
  key: string;
  /** The first host read with this key: it stands for every member, as a source and as a destination. */
  representative: Host;
  members: string[];
  /** Per type the class offers: the representative's parent a VM of that type is taken from (the first shape in the key's order). */
  sourceParents: Map<string, string>;
  /**
   * Per type: one parent of the representative for each distinct (parent
   * facts, type shape) offering it — a VM of that type may run on any of
   * them, so a pair is compatible only when it is from each (decide.ts).
   */
  sourceVariants: Map<string, string[]>;
}

/** One parent group of a host being keyed: its count, and per type shape id the capacity bits. */
interface Group {
  count: number;
  slots: Map<number, number>;
}

const LIMIT = 100_000;

/** Memo that stops growing at LIMIT entries (a fleet of all-different hosts stays linear, merely slower). */
function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size < LIMIT) map.set(key, value);
  return value;
}

/** A string as part of a key: as it is, unless it holds a key separator (then as JSON, which escapes every control character). */
function esc(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0001-\u0003]/.test(s) ? `j${JSON.stringify(s)}` : `s${s}`;
}

/** A value as the evaluator sees it, in a form that keys it exactly. */
function canonical(value: AttributeValue): string {
  if (typeof value === 'number') return `n${value}`;
  if (Array.isArray(value)) return `a${JSON.stringify(value)}`;
  return esc(value);
}

/** The free instances every type with a stated count is given when the index assumes room (more than any placement needs). */
export const ROOM = 1_000_000;

export class ClassIndex {
  private readonly entries: HostClassEntry[] = [];
  private readonly byKey = new Map<string, HostClassEntry>();
  /** Interned canonical texts (fact maps, parent attribute maps, type shapes) → small ids. */
  private readonly interned = new Map<string, number>();
  /** Raw texts (attributes in the document's order) → interned id. */
  private readonly rawIds = new Map<string, number>();
  private readonly readsCache = { type: new Map<string, boolean>(), parent: new Map<string, boolean>(), host: new Map<string, boolean>() };
  private readonly listCanon = new Map<string, string>();
  private readonly oneCache = new Map<string, boolean>();

  constructor(
    private readonly reads: PolicyReads,
    private readonly set: PolicySet,
    /**
     * Decide as if every type had room (`available_instances` given as
     * ROOM wherever a host states it) and no device were running (so no GPU
     * is taken by a type under `parentCapacity: one`): for the scheduler
     * exports, whose schedulers count free instances and a GPU's type
     * themselves — a class must not change (nor its name) as VMs start and stop.
     */
    private readonly assumeRoom = false,
  ) {
    this.sourceCapacity = reads.capacityBucket && reads.sourceCapacity;
  }

  /** Whether the source's own free instances (as the bucket 0 / ≥ 1) may decide a pair: then they key sources and classes. */
  private readonly sourceCapacity: boolean;

  get classes(): readonly HostClassEntry[] {
    return this.entries;
  }

  /** Hosts keyed so far (each name once). */
  hosts = 0;
  /** Names read again after their first host (left out: DNS names, compared as sameHost does). */
  readonly repeated: string[] = [];
  private readonly names = new Set<string>();

  private isRead(kind: 'type' | 'parent' | 'host', name: string): boolean {
    const cache = this.readsCache[kind];
    let r = cache.get(name);
    if (r === undefined) {
      const reads: AttributeReads = this.reads[kind];
      r = readsAttribute(reads, name) && !(kind === 'type' && name === 'available_instances' && this.reads.capacityBucket);
      remember(cache, name, r);
    }
    return r;
  }

  private intern(text: string): number {
    let id = this.interned.get(text);
    if (id === undefined) {
      id = this.interned.size;
      this.interned.set(text, id);
    }
    return id;
  }

  /**
   * The id of a map's read entries, from `raw` (the entries in the
   * document's order, as `\u0001name\u0002value`): memoised by that text,
   * interned by the entries sorted, so one map written in two orders is one id.
   */
  private mapId(raw: string): number {
    let id = this.rawIds.get(raw);
    if (id === undefined) {
      const [prefix, ...entries] = raw.split('\u0001');
      id = remember(this.rawIds, raw, this.intern([prefix, ...entries.sort()].join('\u0001')));
    }
    return id;
  }

  /** A type attribute's canonical value, normalised as normalizeHost does (idempotent on a normalised value). */
  private typeValue(name: string, value: string | number | readonly string[]): string {
    if (typeof value === 'string' && (name.startsWith('compatible_') || name === 'dynamic_resources')) {
      let c = this.listCanon.get(value);
      if (c === undefined) c = remember(this.listCanon, value, canonical(normalizeAttribute(name, value)));
      return c;
    }
    return canonical(normalizeAttribute(name, value));
  }

  private factsId(prefix: string, kind: 'parent' | 'host', facts: Record<string, string | number> | undefined, id?: string): number {
    let raw = id === undefined ? prefix : `${prefix}\u0001@id\u0002${esc(id)}`;
    if (facts !== undefined) {
      for (const k in facts) {
        if (!Object.hasOwn(facts, k) || !this.isRead(kind, k)) continue;
        const v = trimValue(String(facts[k]));
        // A blank fact is no fact (presentFacts).
        if (v.trim() !== '') raw += `\u0001${esc(k)}\u0002${esc(v)}`;
      }
    }
    return this.mapId(raw);
  }

  private shapeId(typeId: string, attrs: Record<string, string | number | readonly string[]>): number {
    let raw = `t${esc(typeId)}`;
    for (const k in attrs) if (Object.hasOwn(attrs, k) && this.isRead('type', k)) raw += `\u0001${esc(k)}\u0002${this.typeValue(k, attrs[k]!)}`;
    return this.mapId(raw);
  }

  /**
   * Whether a parent that runs another type may be closed to this type. The
   * rule is the VM's policy's, not this type's: when a VM of another type may
   * be placed here (`equal-or-listed` over `compatible_type`, cross-type
   * mode), whenever some document takes one type per parent; else when an
   * overlay that does may select this type (reads.oneTypes, whatever the
   * device_api). More classes where a GPU runs another type; never a wrong verdict.
   */
  private onePerParent(typeId: string): boolean {
    if (!this.reads.onePerParent) return false;
    const types = this.reads.oneTypes;
    if (types === 'all') return true;
    let r = this.oneCache.get(typeId);
    if (r === undefined) r = remember(this.oneCache, typeId, types.some((g) => globMatch(g, typeId)));
    return r;
  }

  /** The capacity bits of one offered type on one parent. */
  private capacityBits(typeId: string, attrs: Record<string, unknown>, running: Set<string> | undefined): number {
    const a = attrs.available_instances;
    const free = typeof a === 'number' ? a >= 1 : typeof a === 'string' && /^\s*\d+\s*$/.test(a) && Number(a) >= 1;
    if (!free) return FULL;
    if (running !== undefined && this.onePerParent(typeId)) for (const t of running) if (t !== typeId) return BLOCKED;
    return FREE;
  }

  private static addSlot(groups: Map<number, Group>, parentId: number, shape: number, bits: number, first: boolean): void {
    let g = groups.get(parentId);
    if (!g) groups.set(parentId, (g = { count: 0, slots: new Map() }));
    if (first) g.count++;
    g.slots.set(shape, (g.slots.get(shape) ?? 0) | bits);
  }

  private keyOf(name: string, hostFacts: number, groups: Map<number, Group>): string {
    let key = `${hostFacts}`;
    if (this.reads.hostName) key += `\u0003${JSON.stringify(name)}`;
    const ids = [...groups.keys()].sort((a, b) => a - b);
    for (const p of ids) {
      const g = groups.get(p)!;
      key += `;${p}x${g.count}:`;
      const shapes = [...g.slots.keys()].sort((a, b) => a - b);
      for (const s of shapes) {
        const bits = g.slots.get(s)!;
        // Free somewhere is enough for a destination: one more instance fits on that parent. A check on the source's own
        // free instances tells a VM on a full parent from one on a free parent: then which buckets occur is the key.
        key += `${s}.${bits & FREE && !this.sourceCapacity ? FREE : bits},`;
      }
    }
    return key;
  }

  /** A Host document the fleet path's quick check accepted (no diagnostics): keyed from its raw values. */
  addWritten(doc: WrittenHost, file: string | undefined, normalize: () => Host): HostClassEntry | undefined {
    const groups = new Map<number, Group>();
    const parents = doc.spec.parents;
    for (const pid in parents) {
      const wp = parents[pid]!;
      const types = wp.types;
      if (types === undefined) continue;
      // The document is this index's own (a parsed line): given room here, the representative normalised from it has it too.
      if (this.assumeRoom) {
        for (const tid in types) if (types[tid]!.available_instances !== undefined) types[tid]!.available_instances = ROOM;
        delete wp.devices;
      }
      let running: Set<string> | undefined;
      if (this.reads.onePerParent && wp.devices !== undefined) {
        running = new Set();
        for (const u in wp.devices) running.add(wp.devices[u]!.type);
      }
      const p = this.factsId('p', 'parent', wp.attributes, this.reads.parentId ? pid : undefined);
      let first = true;
      for (const tid in types) {
        const attrs = types[tid]!;
        ClassIndex.addSlot(groups, p, this.shapeId(tid, attrs), this.capacityBits(tid, attrs, running), first);
        first = false;
      }
    }
    const name = doc.metadata.name;
    const key = this.keyOf(name, this.factsId('h', 'host', doc.spec.host), groups);
    return this.place(key, name, () => {
      const host = normalize();
      if (file !== undefined) host.file = file;
      return host;
    });
  }

  /** A Host the library loaded (normalised). */
  addHost(host: Host): HostClassEntry | undefined {
    const groups = new Map<number, Group>();
    if (this.assumeRoom) {
      for (const p of host.parents) for (const t of p.types) if (t.attributes.available_instances !== undefined) t.attributes.available_instances = ROOM;
      host.devices = [];
    }
    const running = this.reads.onePerParent ? runningTypes(host) : undefined;
    for (const parent of host.parents) {
      if (parent.types.length === 0) continue;
      const p = this.factsId('p', 'parent', parent.attributes, this.reads.parentId ? parent.id : undefined);
      let first = true;
      for (const t of parent.types) {
        ClassIndex.addSlot(groups, p, this.shapeId(t.id, t.attributes), this.capacityBits(t.id, t.attributes, running?.get(parent.id)), first);
        first = false;
      }
    }
    const key = this.keyOf(host.name, this.factsId('h', 'host', host.facts), groups);
    return this.place(key, host.name, () => host);
  }

  private place(key: string, name: string, host: () => Host): HostClassEntry | undefined {
    // One host read twice (two inventories, a line repeated) is one host: a class of it alone is not its own destination.
    const same = name.trim().toLowerCase();
    if (this.names.has(same)) {
      this.repeated.push(name);
      return undefined;
    }
    this.names.add(same);
    this.hosts++;
    let entry = this.byKey.get(key);
    if (entry) {
      entry.members.push(name);
      return entry;
    }
    const representative = host();
    const variants = this.sourceVariants(representative);
    entry = { id: `C${this.entries.length + 1}`, key, representative, members: [name], sourceParents: new Map([...variants].map(([t, ps]) => [t, ps[0]!])), sourceVariants: variants };
    this.byKey.set(key, entry);
    this.entries.push(entry);
    return entry;
  }

  /**
   * Per type: a parent for each distinct (parent group, shape) offering it, in
   * the key's order (the first is `sourceParents`) — the same for every member.
   */
  private sourceVariants(host: Host): Map<string, string[]> {
    const found = new Map<string, Map<string, { parent: string; order: [number, number, number] }>>();
    for (const parent of host.parents) {
      if (parent.types.length === 0) continue;
      const p = this.factsId('p', 'parent', parent.attributes, this.reads.parentId ? parent.id : undefined);
      for (const t of parent.types) {
        const s = this.shapeId(t.id, t.attributes);
        const byShape = found.get(t.id) ?? found.set(t.id, new Map()).get(t.id)!;
        // A VM on a full parent and one on a free parent differ when a check reads the source's own free instances.
        const bucket = this.sourceCapacity ? this.capacityBits(t.id, t.attributes, undefined) : 0;
        const k = `${p}:${s}:${bucket}`;
        if (!byShape.has(k)) byShape.set(k, { parent: parent.id, order: [p, s, bucket] });
      }
    }
    return new Map(
      [...found].map(([t, byShape]) => [t, [...byShape.values()].sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2]).map((v) => v.parent)]),
    );
  }

  /**
   * What a VM of `type` on `parentId` of this host is, as the policy reads it
   * (host facts, that parent's facts, that type's shape): two sources with
   * the same signature get the same verdict from every destination.
   */
  sourceSignature(host: Host, parentId: string, type: string): string {
    const parent = host.parents.find((p) => p.id === parentId)!;
    const t = parent.types.find((x) => x.id === type)!;
    const p = this.factsId('p', 'parent', parent.attributes, this.reads.parentId ? parent.id : undefined);
    // A check may read the source type's own free instances (`capacity` on the source: "could it take the VM back?"):
    // keyed as a destination's are, as the bucket (0 / ≥ 1) when that is how every check reads it, else the value is in the shape.
    const capacity = this.sourceCapacity ? `|${this.capacityBits(t.id, t.attributes, undefined)}` : '';
    return `${this.factsId('h', 'host', host.facts)}${this.reads.hostName ? `\u0003${JSON.stringify(host.name)}` : ''}|${p}|${this.shapeId(t.id, t.attributes)}${capacity}`;
  }

  /**
   * What a destination offers a VM of `type`, as the policy reads it: its
   * host facts and, per parent group, the shapes of that type with their
   * capacity bits (every type's, when `type` is undefined: a policy that does
   * not prune on the type id may place a VM on any). Two destinations with
   * the same signature give one source the same result.
   */
  destinationSignature(host: Host, type?: string): string {
    const running = this.reads.onePerParent ? runningTypes(host) : undefined;
    const slots = new Map<string, number>();
    for (const parent of host.parents) {
      let p: number | undefined;
      for (const t of parent.types) {
        if (type !== undefined && t.id !== type) continue;
        p ??= this.factsId('p', 'parent', parent.attributes, this.reads.parentId ? parent.id : undefined);
        const slot = `${p}.${this.shapeId(t.id, t.attributes)}`;
        slots.set(slot, (slots.get(slot) ?? 0) | this.capacityBits(t.id, t.attributes, running?.get(parent.id)));
      }
    }
    const parts = [...slots].map(([slot, bits]) => `${slot}.${bits & FREE ? FREE : bits}`).sort();
    return `${this.factsId('h', 'host', host.facts)}${this.reads.hostName ? `\u0003${JSON.stringify(host.name)}` : ''}|${parts.join(',')}`;
  }

  /** What the class's members share, for display: the read facts, each parent group with its count, the types offered. */
  describe(entry: HostClassEntry): HostClass {
    const host = entry.representative;
    const hostFacts: Record<string, string> = {};
    if (this.reads.hostName) hostFacts['@name'] = host.name;
    for (const k of Object.keys(host.facts).sort()) if (this.isRead('host', k)) hostFacts[k] = host.facts[k]!;
    const running = this.reads.onePerParent ? runningTypes(host) : undefined;
    const groups = new Map<number, { count: number; attributes: Record<string, string>; types: Map<string, { shapes: Map<number, Record<string, unknown>>; bits: number }> }>();
    for (const parent of host.parents) {
      if (parent.types.length === 0) continue;
      const p = this.factsId('p', 'parent', parent.attributes, this.reads.parentId ? parent.id : undefined);
      let g = groups.get(p);
      if (!g) {
        const attributes: Record<string, string> = {};
        if (this.reads.parentId) attributes['@id'] = parent.id;
        for (const k of Object.keys(parent.attributes).sort()) if (this.isRead('parent', k)) attributes[k] = parent.attributes[k]!;
        groups.set(p, (g = { count: 0, attributes, types: new Map() }));
      }
      g.count++;
      for (const t of parent.types) {
        let byType = g.types.get(t.id);
        if (!byType) g.types.set(t.id, (byType = { shapes: new Map(), bits: 0 }));
        const s = this.shapeId(t.id, t.attributes);
        if (!byType.shapes.has(s)) {
          const shown: Record<string, unknown> = {};
          for (const k of Object.keys(t.attributes).sort()) if (this.isRead('type', k)) shown[k] = t.attributes[k];
          byType.shapes.set(s, shown);
        }
        byType.bits |= this.capacityBits(t.id, t.attributes, running?.get(parent.id));
      }
    }
    const parents = [...groups.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, g]) => ({
        count: g.count,
        attributes: g.attributes,
        types: Object.fromEntries(
          [...g.types.entries()]
            .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
            .map(([id, t]) => {
              const shown = mergeShapes([...t.shapes.values()]);
              if (this.reads.capacityBucket) shown.available_instances = t.bits & FREE ? '≥1' : t.bits & BLOCKED ? '≥1, on a parent running another type' : '0';
              return [id, shown];
            }),
        ),
      }));
    const types = [...new Set(host.parents.flatMap((p) => p.types.map((t) => t.id)))].sort();
    return { id: entry.id, members: entry.members, size: entry.members.length, facts: { host: hostFacts, parents }, types };
  }
}

/** The types each parent of a host runs (its devices' types), by parent id. */
function runningTypes(host: Host): Map<string, Set<string>> {
  const running = new Map<string, Set<string>>();
  for (const d of host.devices) {
    let set = running.get(d.parent);
    if (!set) running.set(d.parent, (set = new Set()));
    set.add(d.type);
  }
  return running;
}

/**
 * Shapes of one type id in one parent group, shown as one: a value that
 * differs between them becomes the list of its values, in a fixed order (not
 * the representative's parents': the facts, and the names made from them,
 * are the same whichever member came first).
 */
function mergeShapes(shapes: Record<string, unknown>[]): Record<string, unknown> {
  if (shapes.length === 1) return { ...shapes[0] };
  const out: Record<string, unknown> = {};
  const names = [...new Set(shapes.flatMap((s) => Object.keys(s)))].sort();
  for (const n of names) {
    const values = new Map<string, unknown>();
    for (const s of shapes) values.set(JSON.stringify(s[n]) ?? '', s[n]);
    const sorted = [...values.keys()].sort().map((k) => values.get(k));
    out[n] = sorted.length === 1 ? sorted[0] : sorted;
  }
  return out;
}
