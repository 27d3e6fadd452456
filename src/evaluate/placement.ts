// Placement: every source device on its own compatible destination instance,
// within the parents' capacity — an exact search, never first-fit (DESIGN §4).
//
// Capacity is a parent's, not a type's: mdpy, mbochs, mtty, GVT-g and
// time-sliced NVIDIA draw every type of a parent from one pool, which each
// type's available_instances already reflects. So, per parent, with the
// parent capacity of the policies of the devices placed there:
// - `per-type`: each type takes no more than its own available_instances;
// - `shared` (default): the devices placed on the parent number no more than
//   the available_instances of every type placed there;
// - `one`: as shared, with a single type on the parent.
// Devices whose policy has no capacity check are placed unbounded and count
// in no pool (their policy does not ask about capacity).
//
// Method. Each parent is used in one of a few *configurations* (the types it
// may take, each type's bound, the parent's bound): per-type: every type with
// its own bound; shared: for each threshold c = min(available, devices that
// can reach the parent) of its types, the types with available ≥ c and a
// parent bound of c; one: each single type t, bound available(t). Every valid
// assignment fits some configuration on each parent, and every assignment
// that fits is valid. A depth-first search fixes configurations one parent at
// a time; at each node a capacitated bipartite matching (max flow: device →
// (parent, type) → parent, by augmenting paths) runs with the undecided
// parents relaxed (every type at its own bound, the parent at its largest):
// too few devices placed prunes the node; an assignment that already keeps
// every undecided parent's rule is the answer; else the search branches on the
// first parent whose rule it breaks. So if any valid assignment exists it is
// found. The search is bounded (MAX_PLACEMENT_MATCHINGS matchings,
// MAX_PLACEMENT_STEPS edge steps in all) so that a hostile host cannot hang
// it; out of budget, the destination is refused with `search-limit`, never
// guessed compatible.

import type { ParentCapacity, UnplacedCode } from '../types.js';

/** A compatible candidate for a device: the (parent, type) and the type's available_instances. */
export interface PlacementOption {
  parent: string;
  type: string;
  available: number;
}

export interface PlacementDevice {
  id: string;
  /** Its compatible candidates, preferred first (callers put the device's own type first). */
  options: PlacementOption[];
  /** The parent capacity of its effective policy; undefined when that policy has no capacity check (unbounded). */
  capacity?: ParentCapacity;
}

export type PlacementResult = { ok: true; placed: Map<string, PlacementOption> } | { ok: false; code: UnplacedCode; reason: string };

/** The most matchings one destination's placement runs before it gives up (fail closed). */
export const MAX_PLACEMENT_MATCHINGS = 1000;
/** The most edge steps (edges built and scanned) in all of one destination's matchings before it gives up. */
export const MAX_PLACEMENT_STEPS = 10_000_000;

// When the devices placed on one parent come from policies that disagree on
// its capacity, the most restrictive wins (one > shared > per-type): each
// policy's rule must hold for its own devices, and a stricter rule on the
// whole parent is the only reading under which every device's rule holds.
const RANK: Record<ParentCapacity, number> = { 'per-type': 0, shared: 1, one: 2 };
const MOST = 2;

/** One way a parent may be used: the types allowed, each with its bound, the parent's bound, and the most restrictive rank of device it admits. */
interface Config {
  admit: number;
  slots: Map<string, number>;
  total: number;
}

interface Parent {
  id: string;
  /** type → available_instances, in the order first met. */
  available: Map<string, number>;
}

interface Device {
  id: string;
  rank: number;
  options: { parent: number; type: string; option: PlacementOption }[];
}

class OutOfBudget extends Error {}

interface Budget {
  matchings: number;
  steps: number;
}

/**
 * Place every device on a compatible candidate within the parents' capacity,
 * or say why no placement exists. Exact (see the header), deterministic, and
 * bounded.
 */
export function placeDevices(devices: PlacementDevice[], budget: Budget = { matchings: MAX_PLACEMENT_MATCHINGS, steps: MAX_PLACEMENT_STEPS }): PlacementResult {
  const without = devices.filter((d) => d.options.length === 0);
  if (without.length > 0) return { ok: false, code: 'no-candidate', reason: `no compatible candidate for ${without.map((d) => `\`${d.id}\``).join(', ')}` };
  const placed = new Map<string, PlacementOption>();
  // Unbounded devices take their preferred candidate: nothing they do bounds another.
  for (const d of devices) if (d.capacity === undefined) placed.set(d.id, d.options[0]!);
  const bounded = devices.filter((d) => d.capacity !== undefined);
  if (bounded.length === 0) return { ok: true, placed };
  if (bounded.length === 1) {
    // One device (the common case, and every fleet run's hot path): every rule reads "a type with an instance free".
    const d = bounded[0]!;
    const free = d.options.find((o) => o.available >= 1);
    if (!free) return { ok: false, code: 'capacity', reason: 'compatible candidates exist, but not enough free instances to place the device' };
    placed.set(d.id, free);
    return { ok: true, placed };
  }

  const parents: Parent[] = [];
  const parentIndex = new Map<string, number>();
  const list: Device[] = bounded.map((d) => ({
    id: d.id,
    rank: RANK[d.capacity!],
    options: d.options.map((o) => {
      let p = parentIndex.get(o.parent);
      if (p === undefined) {
        p = parents.length;
        parentIndex.set(o.parent, p);
        parents.push({ id: o.parent, available: new Map() });
      }
      const avail = parents[p]!.available;
      // One type, one available_instances; should two runs ever disagree, the smaller holds.
      avail.set(o.type, Math.min(avail.get(o.type) ?? Infinity, Math.max(0, o.available)));
      return { parent: p, type: o.type, option: o };
    }),
  }));
  const n = list.length;
  const limit = { ...budget };
  const many = n === 1 ? 'the device' : `all ${n} devices`;
  try {
    // Counted per type alone (today's question): no room there is no room at all.
    const perType = parents.map((p): Config => ({ admit: MOST, slots: p.available, total: Infinity }));
    const loose = match(list, parents, perType, budget);
    if (loose.count < n) return { ok: false, code: 'capacity', reason: `compatible candidates exist, but not enough free instances to place ${many}` };
    if (firstBroken(list, parents, loose.at, () => true) === undefined) return done(list, loose.at, placed);
    const found = search(list, parents, budget);
    if (found) return done(list, found, placed);
    // Which rule stands in the way: with `one` read as `shared`, does a placement exist?
    if (list.some((d) => d.rank === RANK.one)) {
      const asShared = list.map((d) => ({ ...d, rank: Math.min(d.rank, RANK.shared) }));
      if (searchWithin(asShared, parents, budget)) {
        return { ok: false, code: 'one-type', reason: `compatible candidates with free instances exist, but a parent takes one type at a time (parent capacity \`one\`), which leaves no placement of ${many}` };
      }
    }
    return {
      ok: false,
      code: 'shared-capacity',
      reason: `compatible candidates with free instances exist, but the types of a parent draw on one pool (parent capacity \`shared\`: no more devices on a parent than any type placed there has available), which leaves too few to place ${many}`,
    };
  } catch (e) {
    if (!(e instanceof OutOfBudget)) throw e;
    return {
      ok: false,
      code: 'search-limit',
      reason: `the placement search reached its limit (${limit.matchings} matchings or ${limit.steps} steps) before deciding whether ${many} can be placed: refused rather than guessed`,
    };
  }
}

/** A search whose running out of budget only means "not known": for choosing which reason to give. */
function searchWithin(list: Device[], parents: Parent[], budget: Budget): boolean {
  try {
    return search(list, parents, budget) !== undefined;
  } catch (e) {
    if (e instanceof OutOfBudget) return false;
    throw e;
  }
}

function done(list: Device[], at: number[], placed: Map<string, PlacementOption>): PlacementResult {
  list.forEach((d, i) => placed.set(d.id, d.options[at[i]!]!.option));
  return { ok: true, placed };
}

/**
 * The depth-first search over configurations; the assignment (option index
 * per device), or undefined when none exists. Twin parents (the same types
 * and pools, reached by the same devices with the same types) are
 * interchangeable, so the search only tries their configurations in
 * non-decreasing order along the parents' order: any valid assignment,
 * permuted among twins, is in that order.
 */
function search(list: Device[], parents: Parent[], budget: Budget): number[] | undefined {
  const relaxed = parents.map((p, i) => relaxedConfig(list, p, i));
  const configs: (Config[] | undefined)[] = parents.map(() => undefined);
  const twin = parents.map((p, i) =>
    JSON.stringify([[...p.available].sort(), list.map((d) => d.options.filter((o) => o.parent === i).map((o) => o.type).sort())]),
  );
  const visit = (decided: (Config | undefined)[], chosen: number[]): number[] | undefined => {
    const m = match(
      list,
      parents,
      decided.map((c, i) => c ?? relaxed[i]!),
      budget,
    );
    if (m.count < list.length) return undefined;
    const broken = firstBroken(list, parents, m.at, (p) => decided[p] === undefined);
    if (broken === undefined) return m.at;
    const options = (configs[broken] ??= configsOf(list, parents[broken]!, broken));
    for (const { c, i } of rankConfigs(options, list, m.at, broken)) {
      const outOfOrder = chosen.some((j, q) => j >= 0 && twin[q] === twin[broken] && (q < broken ? j > i : j < i));
      if (outOfOrder) continue;
      const next = [...decided];
      next[broken] = c;
      const nextChosen = [...chosen];
      nextChosen[broken] = i;
      const found = visit(next, nextChosen);
      if (found) return found;
    }
    return undefined;
  };
  return visit(
    parents.map(() => undefined),
    parents.map(() => -1),
  );
}

/** A parent with no configuration chosen yet: every type at its own bound, the parent at the largest bound any configuration gives it. */
function relaxedConfig(list: Device[], parent: Parent, index: number): Config {
  const reaching = list.filter((d) => d.options.some((o) => o.parent === index));
  const perType = reaching.some((d) => d.rank === RANK['per-type']);
  let largest = 0;
  for (const a of parent.available.values()) largest = Math.max(largest, a);
  return { admit: MOST, slots: parent.available, total: perType ? Infinity : largest };
}

/** Every configuration of a parent that some valid assignment may need (see the header), least restrictive rule first. */
function configsOf(list: Device[], parent: Parent, index: number): Config[] {
  const out: Config[] = [];
  const ranks = [...new Set(list.filter((d) => d.options.some((o) => o.parent === index)).map((d) => d.rank))].sort((a, b) => a - b);
  for (const rank of ranks) {
    // The devices this rule admits (no stricter one), and the types they could take here.
    const admitted = list.filter((d) => d.rank <= rank && d.options.some((o) => o.parent === index));
    // In type-name order, so that twin parents list the same configurations in the same order.
    const types = [...parent.available.keys()].sort().filter((t) => admitted.some((d) => d.options.some((o) => o.parent === index && o.type === t)));
    const avail = (t: string) => parent.available.get(t)!;
    if (rank === RANK['per-type']) {
      out.push({ admit: rank, slots: new Map(types.map((t) => [t, avail(t)])), total: Infinity });
    } else if (rank === RANK.shared) {
      // Bounds above the number of devices that can come are all alike.
      const thresholds = [...new Set(types.map((t) => Math.min(avail(t), admitted.length)))].filter((c) => c > 0).sort((a, b) => b - a);
      for (const c of thresholds) out.push({ admit: rank, slots: new Map(types.filter((t) => avail(t) >= c).map((t) => [t, c])), total: c });
    } else {
      for (const t of types) if (avail(t) > 0) out.push({ admit: rank, slots: new Map([[t, avail(t)]]), total: avail(t) });
    }
  }
  return out;
}

/** Configurations to try first (with their index): those that keep most of what the relaxed matching put on the parent (else in order). */
function rankConfigs(configs: Config[], list: Device[], at: number[], parent: number): { c: Config; i: number }[] {
  const kept = (c: Config) => {
    let k = 0;
    list.forEach((d, i) => {
      const o = d.options[at[i]!]!;
      if (o.parent === parent && d.rank <= c.admit && c.slots.has(o.type)) k++;
    });
    return Math.min(k, c.total);
  };
  return configs
    .map((c, i) => ({ c, i, k: kept(c) }))
    .sort((a, b) => b.k - a.k || a.i - b.i)
    .map(({ c, i }) => ({ c, i }));
}

/** The first parent (of those `open`) whose rule the assignment breaks, or undefined. */
function firstBroken(list: Device[], parents: Parent[], at: number[], open: (parent: number) => boolean): number | undefined {
  const rank = parents.map(() => -1);
  const counts = parents.map(() => new Map<string, number>());
  list.forEach((d, i) => {
    const o = d.options[at[i]!]!;
    rank[o.parent] = Math.max(rank[o.parent]!, d.rank);
    counts[o.parent]!.set(o.type, (counts[o.parent]!.get(o.type) ?? 0) + 1);
  });
  for (let p = 0; p < parents.length; p++) {
    if (!open(p) || rank[p]! < 0) continue;
    if (!keepsRule(rank[p]!, counts[p]!, parents[p]!.available)) return p;
  }
  return undefined;
}

/** Whether one parent's devices (count per type) keep the rule of that rank. */
function keepsRule(rank: number, counts: Map<string, number>, available: Map<string, number>): boolean {
  let total = 0;
  let least = Infinity;
  for (const [t, k] of counts) {
    const a = available.get(t) ?? 0;
    if (k > a) return false;
    total += k;
    least = Math.min(least, a);
  }
  if (rank === RANK['per-type']) return true;
  if (rank === RANK.one && counts.size > 1) return false;
  return total <= least;
}

/**
 * The capacitated bipartite matching: a max flow from devices through
 * (parent, type) slots (bound: the type's) and parents (bound: the
 * parent's), by augmenting paths — the devices in order, each on a free
 * preferred candidate when there is one, else by moving others (so first-fit's
 * traps do not hold). Stops at the first device it cannot place. `at[i]` is
 * the option index device i got.
 */
function match(list: Device[], parents: Parent[], configs: Config[], budget: Budget): { count: number; at: number[] } {
  if (--budget.matchings < 0) throw new OutOfBudget();
  const n = list.length;
  const to: number[] = [];
  const cap: number[] = [];
  const adj: number[][] = [];
  /** Each node's edge towards the sink (slot → parent, parent → sink). */
  const up: number[] = [];
  const node = () => {
    up.push(-1);
    return adj.push([]) - 1;
  };
  const edge = (a: number, b: number, c: number) => {
    adj[a]!.push(to.length);
    to.push(b);
    cap.push(c);
    adj[b]!.push(to.length);
    to.push(a);
    cap.push(0);
    return to.length - 2;
  };
  const step = (k: number) => {
    budget.steps -= k;
    if (budget.steps < 0) throw new OutOfBudget();
  };
  const sink = node();
  const parentNode = parents.map((_, p) => {
    const v = node();
    up[v] = edge(v, sink, Math.min(configs[p]!.total, n));
    return v;
  });
  const slotNode = new Map<string, number>();
  const slotOf = (p: number, t: string): number | undefined => {
    const bound = configs[p]!.slots.get(t);
    if (bound === undefined) return undefined;
    const key = `${p}\u0000${t}`;
    let v = slotNode.get(key);
    if (v === undefined) {
      v = node();
      slotNode.set(key, v);
      up[v] = edge(v, parentNode[p]!, Math.min(bound, n));
    }
    return v;
  };
  const deviceNode = list.map(() => node());
  // The device → slot edge of each option (-1 where the configuration does not allow it).
  const optionEdge = list.map((d, i) =>
    d.options.map((o) => {
      if (d.rank > configs[o.parent]!.admit) return -1;
      const s = slotOf(o.parent, o.type);
      return s === undefined ? -1 : edge(deviceNode[i]!, s, 1);
    }),
  );
  step(to.length);
  const seen = new Uint8Array(adj.length);
  const push = (e: number) => {
    cap[e]!--;
    cap[e ^ 1]!++;
  };
  const augment = (v: number): boolean => {
    if (v === sink) return true;
    seen[v] = 1;
    const out = adj[v]!;
    step(out.length);
    for (const e of out) {
      if (cap[e]! > 0 && !seen[to[e]!] && augment(to[e]!)) {
        push(e);
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < n; i++) {
    // A free preferred candidate first (first-fit when it works), so devices move only when they must.
    const direct = optionEdge[i]!.find((e) => {
      if (e < 0 || cap[e] === 0) return false;
      const slotUp = up[to[e]!]!;
      return cap[slotUp]! > 0 && cap[up[to[slotUp]!]!]! > 0;
    });
    if (direct !== undefined) {
      const slotUp = up[to[direct]!]!;
      push(direct);
      push(slotUp);
      push(up[to[slotUp]!]!);
      continue;
    }
    seen.fill(0);
    if (!augment(deviceNode[i]!)) return { count: i, at: [] };
  }
  return { count: n, at: optionEdge.map((edges) => edges.findIndex((e) => e >= 0 && cap[e] === 0)) };
}
