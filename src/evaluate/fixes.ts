// The fixes of a refused destination (issue 17): the changes that together
// would admit the VM. For each source device without a compatible candidate,
// the refused candidate of its own type (else of any type) with the fewest
// failing checks — ties: the first, in the Decision's order — lends the
// fixes of its failing checks; then placement is tried again as if those
// candidates were compatible, and if free instances are what it lacks, the
// instances each (parent, type) would need are added (`available_instances`
// from its count to `≥ N`). A refusal for placement alone (capacity,
// shared-capacity, one-type) gets that capacity fix only. The library path
// (decision.ts) and the fleet path (fleet.ts) both call this with what they
// know of the candidates, so the two write the same fixes.

import type { Fix, UnplacedCode } from '../types.js';
import { MAX_PLACEMENT_MATCHINGS, MAX_PLACEMENT_STEPS, placeDevices, type PlacementDevice, type PlacementOption } from './placement.js';

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

/** The refusals fixes can address: a device without a candidate, or too few instances. */
const FIXABLE: ReadonlySet<UnplacedCode> = new Set(['no-candidate', 'capacity', 'shared-capacity', 'one-type']);
const PLACEMENT_ONLY: ReadonlySet<UnplacedCode> = new Set(['capacity', 'shared-capacity', 'one-type']);

/** The fixes that together would admit the VM on a destination refused with `code`; empty when none can be said. */
export function destinationFixes(devices: readonly DeviceForFixes[], code: UnplacedCode): Fix[] {
  if (!FIXABLE.has(code) || devices.some((d) => d.blocked === true)) return [];
  const out: Fix[] = [];
  const at = new Map<string, number>();
  /** Adds a fix unless already there; its index in `out`. */
  const add = (f: Fix): number => {
    const key = JSON.stringify(f);
    let i = at.get(key);
    if (i === undefined) at.set(key, (i = out.push(f) - 1));
    return i;
  };
  // Each device as placement would see it once its chosen candidate's fixes are made; undefined when one cannot be fixed.
  let trial: PlacementDevice[] | undefined = [];
  /** The check fixes about a chosen candidate's free instances, by (parent, type): placement may need more. */
  const instances = new Map<string, number>();
  for (const d of devices) {
    if (d.placement.options.length > 0) {
      trial?.push(d.placement);
      continue;
    }
    const pick = pickCandidate(d.refused, d.ownType);
    if (!pick) {
      trial = undefined;
      continue;
    }
    for (const f of pick.fixes()) {
      const i = add(f);
      if (isInstancesFix(f)) instances.set(slotKey(pick), i);
    }
    trial?.push({ ...d.placement, options: [{ parent: pick.parent, type: pick.type, available: pick.available }] });
  }
  if (trial === undefined) return out;
  // Every placement tried here shares one placement's budget: a hostile host costs no more than its own placement did.
  const budget = { matchings: MAX_PLACEMENT_MATCHINGS, steps: MAX_PLACEMENT_STEPS };
  const placed = placeDevices(trial, budget);
  if (placed.ok || !PLACEMENT_ONLY.has(placed.code)) return out;
  const needs = capacityNeeds(trial, budget);
  if (!needs) return out;
  for (const need of needs) {
    // Where: two types short of instances are two fixes, never one merged.
    const f: Fix = { attribute: 'available_instances', scope: 'type', side: 'destination', from: need.available, to: `≥ ${need.needed}`, parent: need.parent, type: need.type };
    // The stronger bound replaces a check's own (`≥ 1`) for the same instances.
    const i = instances.get(slotKey(need));
    if (i !== undefined) out[i] = f;
    else add(f);
  }
  // A raised bound may now repeat another: each fix once.
  const keys = out.map((f) => JSON.stringify(f));
  return out.filter((_, i) => keys.indexOf(keys[i]!) === i);
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
