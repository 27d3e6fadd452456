// The fixes of a refused destination (issue 17): the changes that together
// would admit the VM. A set is proposed as follows: for each source device
// without a compatible candidate, one of its refused candidates lends the
// fixes of its failing checks; then placement is tried again as if those
// candidates were compatible, and if free instances are what it lacks, the
// instances each (parent, type) would need are added (`available_instances`
// from its count to `≥ N`). A refusal for placement alone (capacity,
// shared-capacity, one-type) gets that capacity fix only.
//
// A proposed set is then tried: applied to copies of the two hosts (each
// fix where it came from: a destination type or parent fix on the candidate
// that lent it, a source fix on the device's own type, parent or device),
// every candidate it relies on is evaluated again and placement run again;
// a set is given only if that admits the VM. Fixing one device's candidate
// can break another's (an ECC mode two GPUs disagree on), so when the first
// set (each device's candidate of its own type with the fewest failing
// checks, the first of equals) does not admit, other choices are tried, the
// fewest steps from the first first, at most MAX_FIX_TRIALS of them; when
// none admits, no fixes are given — never a wrong set. The library path
// (decision.ts) and the fleet path (fleet.ts) both call this with what they
// know of the candidates, so the two write the same fixes; both try a set
// with the same evaluator (the bulk closures, which give what every
// evaluator gives).

import { fixValue } from '../matches/fix.js';
import { normalizeAttribute, normalizeDeviceAttribute } from '../normalize.js';
import type { Fix, Host, HostParent, MdevType, SourceFact, UnplacedCode } from '../types.js';
import { runBulk } from './bulk.js';
import { MAX_PLACEMENT_MATCHINGS, MAX_PLACEMENT_STEPS, placeDevices, type PlacementDevice, type PlacementOption } from './placement.js';
import type { SourceDevice } from './sources.js';

/** A refused candidate of one source device, as both paths know it. */
export interface RefusedCandidate {
  parent: string;
  type: string;
  /** Its failed error-severity checks (an unknown source type counts as one). */
  failing: number;
  /** Every change that together would make those checks pass, in check order (a check that cannot say adds none). */
  fixes: () => Fix[];
  /** Instances placement may put on it (Infinity for a device its policy does not bound). */
  available: number;
}

/** One source device: what placement was given for it, its own type, and its refused candidates in the Decision's order. */
export interface DeviceForFixes {
  source: SourceDevice;
  placement: PlacementDevice;
  ownType: string;
  refused: RefusedCandidate[];
  /**
   * A compatible candidate of the device was kept out of placement for
   * something no check says (its parent runs another type under
   * `parentCapacity: one`, or the VM's own device runs elsewhere): the fixes
   * of its refused candidates would be the wrong remedy, so none is given.
   */
  blocked?: boolean;
}

/** The destination the fixes are for, as trying a set needs it. */
export interface FixTarget {
  host: Host;
  failOnSkip: boolean;
  /** The types each destination parent runs (a parent under `parentCapacity: one` takes no other). */
  running: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A fix and where it applies: the device whose candidate lent it, and that candidate. */
interface Located {
  fix: Fix;
  device: number;
  parent: string;
  type: string;
}

/** A proposed set of fixes: the fixes as given, each where it applies, and the candidate each device without one borrowed from (ids only: a proposal may be shared by destinations alike). */
export interface Proposal {
  fixes: Fix[];
  located: Located[];
  picks: ({ parent: string; type: string } | undefined)[];
  /** The fixes as written by a caller that keeps the proposal (the fleet path's memo). */
  json?: string;
}

/** The most sets of fixes tried for one destination (each an evaluation of the candidates it relies on and a placement). */
export const MAX_FIX_TRIALS = 32;

/** The refusals fixes can address: a device without a candidate, or too few instances. */
const FIXABLE: ReadonlySet<UnplacedCode> = new Set(['no-candidate', 'capacity', 'shared-capacity', 'one-type']);
const PLACEMENT_ONLY: ReadonlySet<UnplacedCode> = new Set(['capacity', 'shared-capacity', 'one-type']);

/** Whether any fixes can be said for a destination refused with `code`. */
function fixable(devices: readonly DeviceForFixes[], code: UnplacedCode): boolean {
  return FIXABLE.has(code) && !devices.some((d) => d.blocked === true);
}

/** The fixes that together would admit the VM on a destination refused with `code`; empty when none can be said. */
export function destinationFixes(devices: readonly DeviceForFixes[], code: UnplacedCode, target: FixTarget): Fix[] {
  return settleFixes(devices, code, target, firstProposal(devices, code))?.fixes ?? [];
}

/** The first set proposed: each device's candidate of its own type with the fewest failing checks (pickCandidate); undefined when none can be. */
export function firstProposal(devices: readonly DeviceForFixes[], code: UnplacedCode): Proposal | undefined {
  if (!fixable(devices, code)) return undefined;
  const budget = { matchings: MAX_PLACEMENT_MATCHINGS, steps: MAX_PLACEMENT_STEPS };
  return propose(devices, code, devices.map((d) => (d.placement.options.length > 0 ? undefined : pickCandidate(d.refused, d.ownType))), budget);
}

/**
 * The set of fixes to give (`first`, when it admits the VM, else the first
 * other choice that does), or undefined when none does within the bounds.
 */
export function settleFixes(devices: readonly DeviceForFixes[], code: UnplacedCode, target: FixTarget, first: Proposal | undefined): Proposal | undefined {
  if (!fixable(devices, code)) return undefined;
  // Every placement tried here shares one placement's budget: a hostile host costs no more than its own placement did.
  const budget = { matchings: MAX_PLACEMENT_MATCHINGS, steps: MAX_PLACEMENT_STEPS };
  let trials = 0;
  const tried = new Set<string>();
  const attempt = (p: Proposal | undefined): boolean => {
    if (!p || p.fixes.length === 0) return false;
    const key = JSON.stringify(p.located);
    if (tried.has(key)) return false;
    tried.add(key);
    trials++;
    return admits(devices, p, target, budget);
  };
  // The first set, most often the one given: tried without the key the search needs to skip it again.
  if (first && first.fixes.length > 0) {
    trials++;
    if (admits(devices, first, target, budget)) return first;
    tried.add(JSON.stringify(first.located));
  }
  // The other choices: per device without a candidate, its refused ones in pickCandidate's order; the fewest steps from the first first.
  // A candidate whose own fixes set one attribute to two values can never be fixed, whatever the others do: not tried.
  const lists = devices.map((d) => (d.placement.options.length > 0 ? [] : ranked(d.refused, d.ownType).filter((c) => !selfContradictory(c.fixes()))));
  const free = lists.flatMap((l, i) => (l.length > 1 ? [i] : []));
  if (free.length === 0 || lists.some((l, i) => l.length === 0 && devices[i]!.placement.options.length === 0)) return undefined;
  // How far the free devices from the k-th on can step in all: a walk that cannot spend what is left stops there.
  const room = free.map(() => 0);
  for (let k = free.length - 1; k >= 0; k--) room[k] = (room[k + 1] ?? 0) + lists[free[k]!]!.length - 1;
  const most = room[0]!;
  const ranks = devices.map(() => 0);
  let found: Proposal | undefined;
  /** Every choice whose ranks add up to `left` over the free devices from the k-th on, in order; false when out of trials or found. */
  const walk = (k: number, left: number): boolean => {
    if (k === free.length) {
      if (left > 0) return true;
      if (trials >= MAX_FIX_TRIALS || budget.matchings <= 0 || budget.steps <= 0) return false;
      const p = propose(devices, code, lists.map((l, i) => l[ranks[i]!]), budget);
      if (attempt(p)) {
        found = p;
        return false;
      }
      return true;
    }
    if (left > room[k]!) return true;
    const i = free[k]!;
    for (let r = Math.min(left, lists[i]!.length - 1); r >= 0; r--) {
      ranks[i] = r;
      if (!walk(k + 1, left - r)) return false;
    }
    ranks[i] = 0;
    return true;
  };
  for (let total = 1; total <= most; total++) if (!walk(0, total)) break;
  return found;
}

/** Whether fixes ask one attribute (of one side and scope) for two different exact values (`a` and `b`, not ranges or conditions). */
function selfContradictory(fixes: readonly Fix[]): boolean {
  const exact = new Map<string, string>();
  for (const f of fixes) {
    if (fixValue(f.to) !== f.to) continue;
    const key = `${f.side}\u0000${f.scope}\u0000${f.parent ?? ''}\u0000${f.type ?? ''}\u0000${f.attribute}`;
    const other = exact.get(key);
    if (other !== undefined && other !== f.to) return true;
    exact.set(key, f.to);
  }
  return false;
}

/** A device's refused candidates in the order pickCandidate prefers them: its own type first, fewer failing checks first, the Decision's order among equals. */
function ranked<C extends { type: string; failing: number }>(refused: readonly C[], ownType: string): C[] {
  return refused
    .map((c, i) => ({ c, i }))
    .sort((a, b) => Number(b.c.type === ownType) - Number(a.c.type === ownType) || a.c.failing - b.c.failing || a.i - b.i)
    .map((x) => x.c);
}

/** The set of fixes for one choice of candidate per device without one; undefined when a device has none to borrow from. */
function propose(devices: readonly DeviceForFixes[], code: UnplacedCode, picks: readonly (RefusedCandidate | undefined)[], budget: { matchings: number; steps: number }): Proposal | undefined {
  const located: Located[] = [];
  // Each device as placement would see it once its chosen candidate's fixes are made.
  const trial: PlacementDevice[] = [];
  /** The check fixes about a chosen candidate's free instances, by (parent, type): placement may need more. */
  const instances = new Map<string, number[]>();
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i]!;
    if (d.placement.options.length > 0) {
      trial.push(d.placement);
      continue;
    }
    const pick = picks[i];
    if (!pick) return undefined;
    for (const f of pick.fixes()) {
      // Where a fix applies, on a host with several GPUs and types: a parent fact names its parent, a type attribute its type and parent.
      const fix =
        f.scope === 'parent' && f.side === 'destination'
          ? { ...f, parent: pick.parent }
          : f.scope === 'parent' && f.side === 'source'
            ? { ...f, parent: d.source.device.parent }
            : f.scope === 'type' && f.side === 'destination' && f.attribute !== '@id' && f.type === undefined
              ? { ...f, parent: pick.parent, type: pick.type }
              : f;
      located.push({ fix, device: i, parent: pick.parent, type: pick.type });
      if (isInstancesFix(f)) instances.set(slotKey(pick), [...(instances.get(slotKey(pick)) ?? []), located.length - 1]);
    }
    trial.push({ ...d.placement, options: [{ parent: pick.parent, type: pick.type, available: pick.available }] });
  }
  const placed = placeDevices(trial, budget);
  if (!placed.ok && PLACEMENT_ONLY.has(placed.code)) {
    for (const need of capacityNeeds(trial, budget) ?? []) {
      // Where: two types short of instances are two fixes, never one merged.
      const f: Fix = { attribute: 'available_instances', scope: 'type', side: 'destination', from: need.available, to: `≥ ${need.needed}`, parent: need.parent, type: need.type };
      // The stronger bound replaces a check's own (`≥ 1`) for the same instances.
      const at = instances.get(slotKey(need));
      if (at !== undefined) for (const i of at) located[i] = { ...located[i]!, fix: f };
      else located.push({ fix: f, device: -1, parent: need.parent, type: need.type });
    }
  }
  // Each fix once (a raised bound may now repeat another).
  const fixes: Fix[] = [];
  const seen = new Set<string>();
  for (const l of located) {
    const key = JSON.stringify(l.fix);
    if (!seen.has(key)) {
      seen.add(key);
      fixes.push(l.fix);
    }
  }
  return { fixes, located, picks: picks.map((p) => p && { parent: p.parent, type: p.type }) };
}

/** The refused candidate whose fixes a device borrows: of its own type if it has one, with the fewest failing checks, the first of equals. */
export function pickCandidate<C extends { type: string; failing: number }>(refused: readonly C[], ownType: string): C | undefined {
  let best: C | undefined;
  let bestOwn = false;
  for (const c of refused) {
    const own = c.type === ownType;
    if (!best || (own && !bestOwn) || (own === bestOwn && c.failing < best.failing)) {
      best = c;
      bestOwn = own;
    }
  }
  return best;
}

/**
 * Whether a proposed set admits the VM: applied to copies of the hosts (the
 * hosts themselves untouched), each candidate it relies on — a device's
 * compatible ones, or the one it borrowed from — evaluated again, and
 * placement run on those. Those candidates admitting the VM, the whole
 * destination does (more candidates never make placement fail). False when
 * a fix names no value that can be tried.
 */
function admits(devices: readonly DeviceForFixes[], p: Proposal, target: FixTarget, budget: { matchings: number; steps: number }): boolean {
  const world = new FixedWorld(target.host, devices.map((d) => d.source));
  for (const l of p.located) if (!world.apply(l)) return false;
  const trial: PlacementDevice[] = [];
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i]!;
    const pick = p.picks[i];
    const wanted = d.placement.options.length > 0 ? d.placement.options : pick ? [pick] : [];
    const options: PlacementOption[] = [];
    for (const o of wanted) {
      const at = world.candidate(o.parent, o.type);
      if (!at) continue;
      const run = runBulk(world.source(i), world.host, at.parent, at.type, target.failOnSkip);
      const pe = d.source.engine;
      const one = pe.boundedByCapacity && pe.policy.parentCapacity === 'one';
      if (!run.compatible || (one && [...(target.running.get(o.parent) ?? [])].some((t) => t !== at.type.id))) continue;
      options.push({ parent: o.parent, type: at.type.id, available: run.capacity });
    }
    trial.push({ ...d.placement, options });
  }
  return placeDevices(trial, budget).ok;
}

/** Copies of the two hosts with fixes applied: only what a fix touches is copied. */
class FixedWorld {
  host: Host;
  private readonly parents = new Map<string, HostParent>();
  private readonly types = new Map<string, MdevType>();
  private readonly facts: SourceFact[];

  constructor(
    private readonly original: Host,
    private readonly sources: readonly SourceDevice[],
  ) {
    this.host = original;
    this.facts = sources.map((s) => s.fact);
  }

  /** A source device with its facts as fixed. */
  source(i: number): SourceDevice {
    const s = this.sources[i]!;
    return this.facts[i] === s.fact ? s : { ...s, fact: this.facts[i]! };
  }

  /** A destination candidate as fixed (a type renamed by an `@id` fix is found by its old id). */
  candidate(parentId: string, typeId: string): { parent: HostParent; type: MdevType } | undefined {
    const parent = this.parents.get(parentId) ?? this.original.parents.find((x) => x.id === parentId);
    const type = this.types.get(slotKey({ parent: parentId, type: typeId })) ?? parent?.types.find((t) => t.id === typeId);
    return parent && type ? { parent, type } : undefined;
  }

  apply(l: Located): boolean {
    const f = l.fix;
    const value = fixValue(f.to);
    if (value === undefined) return false;
    const name = f.attribute;
    if (f.side === 'destination') {
      const parentId = f.parent ?? l.parent;
      const typeId = f.type ?? l.type;
      const at = this.candidate(parentId, typeId);
      if (f.scope === 'host') {
        this.host = { ...this.host, facts: { ...this.host.facts, [name]: value.trimEnd() } };
        return true;
      }
      if (!at) return false;
      if (f.scope === 'parent' && name !== '@id') {
        this.parents.set(parentId, { ...at.parent, attributes: { ...at.parent.attributes, [name]: value.trimEnd() } });
        return true;
      }
      if (f.scope === 'type') {
        // A type id is no attribute: the destination offering that type is tried as its candidate renamed — unless the
        // parent offers it already (that candidate has its own checks: no renaming another type makes it pass).
        if (name === '@id' && at.parent.types.some((t) => t.id === value)) return false;
        const type = name === '@id' ? { id: value, attributes: at.type.attributes } : { id: at.type.id, attributes: { ...at.type.attributes, [name]: normalizeAttribute(name, value) } };
        this.types.set(slotKey({ parent: parentId, type: typeId }), type);
        return true;
      }
      return false;
    }
    if (name === '@id') return false;
    // A source fix: on every device of the VM that shares what it changes.
    const own = this.sources[l.device < 0 ? 0 : l.device];
    if (!own) return false;
    for (let i = 0; i < this.sources.length; i++) {
      const s = this.sources[i]!.device;
      const fact = this.facts[i]!;
      if (f.scope === 'host') this.facts[i] = { ...fact, hostAttributes: { ...fact.hostAttributes, [name]: value.trimEnd() } };
      else if (f.scope === 'parent' && s.parent === own.device.parent) this.facts[i] = { ...fact, parentAttributes: { ...fact.parentAttributes, [name]: value.trimEnd() } };
      else if (f.scope === 'type' && s.parent === own.device.parent && s.type === own.device.type) this.facts[i] = { ...fact, type: { id: fact.type.id, attributes: { ...fact.type.attributes, [name]: normalizeAttribute(name, value) } } };
      else if (f.scope === 'device' && i === l.device) this.facts[i] = { ...fact, device: { ...fact.device, attributes: { ...fact.device.attributes, [name]: normalizeDeviceAttribute(value) } } };
    }
    return true;
  }
}

const slotKey = (o: { parent: string; type: string }) => `${o.parent}\u0000${o.type}`;

/** A fix about a destination type's free instances (what placement reads). */
function isInstancesFix(f: Fix): boolean {
  return f.attribute === 'available_instances' && f.scope === 'type' && f.side === 'destination';
}

interface Need {
  parent: string;
  type: string;
  available: number;
  needed: number;
}

const RANK = { 'per-type': 0, shared: 1, one: 2 } as const;

/**
 * The free instances that would let every device be placed: the devices put
 * on one candidate each (by a few simple rules, in turn), and each (parent,
 * type) raised to what its parent's rule then needs — per-type: its own
 * devices; shared and one: every device on the parent. An answer is kept
 * only if placement, run again with it, succeeds; undefined when none is.
 */
function capacityNeeds(devices: readonly PlacementDevice[], budget: { matchings: number; steps: number }): Need[] | undefined {
  const bounded = devices.filter((d) => d.capacity !== undefined);
  const rules: ((d: PlacementDevice, used: Map<string, Set<string>>) => PlacementOption)[] = [
    // The candidate with the most free instances: the fewest added.
    (d) => d.options.reduce((a, b) => (b.available > a.available ? b : a)),
    // The preferred candidate (the device's own type first).
    (d) => d.options[0]!,
    // A parent no other type is placed on (a parent taking one type at a time).
    (d, used) => d.options.find((o) => [...(used.get(o.parent) ?? [])].every((t) => t === o.type)) ?? d.options[0]!,
  ];
  for (const rule of rules) {
    const used = new Map<string, Set<string>>();
    const byParent = new Map<string, { rank: number; count: Map<string, number>; available: Map<string, number> }>();
    for (const d of bounded) {
      const o = rule(d, used);
      used.set(o.parent, (used.get(o.parent) ?? new Set()).add(o.type));
      let p = byParent.get(o.parent);
      if (!p) byParent.set(o.parent, (p = { rank: 0, count: new Map(), available: new Map() }));
      p.rank = Math.max(p.rank, RANK[d.capacity!]);
      p.count.set(o.type, (p.count.get(o.type) ?? 0) + 1);
      p.available.set(o.type, Math.min(p.available.get(o.type) ?? Infinity, o.available));
    }
    const needs: Need[] = [];
    for (const [parent, p] of byParent) {
      let total = 0;
      for (const k of p.count.values()) total += k;
      for (const [type, k] of p.count) {
        const needed = p.rank === RANK['per-type'] ? k : total;
        const available = p.available.get(type)!;
        if (needed > available) needs.push({ parent, type, available, needed });
      }
    }
    if (needs.length === 0) continue;
    const raised = new Map(needs.map((n) => [slotKey(n), n.needed]));
    const again = devices.map((d) => ({ ...d, options: d.options.map((o) => ({ ...o, available: Math.max(o.available, raised.get(slotKey(o)) ?? 0) })) }));
    if (placeDevices(again, budget).ok) return needs;
  }
  return undefined;
}
