// Planning a fleet upgrade (`matrix --plan-upgrade FACT=VALUE …`): in which
// order can the host classes be upgraded so that, at every step, every VM
// still has somewhere to live-migrate to?
//
// The change. `FACT=VALUE`, repeatable: `host.X` (or a bare `X`) a host fact,
// `parent.X` a parent fact, `type.X` an mdev type attribute, `type[GLOB].X`
// the attribute of the types whose id the glob matches (`*`, `?`: overlay
// selectors' globs; `type[i915-GVTg_*].software_version=1.4.0` upgrades the
// GVT-g driver, not every driver with a software_version). A change applies
// wherever the fact is present with another value (an upgrade changes a
// value; it does not give a host a fact it never had: `nvidia_version`
// changes on the hosts that run the NVIDIA driver, not on the others). A
// class with nothing to change is unaffected: never upgraded, always there.
//
// The promise. A step upgrades one class x (all its hosts, after draining
// them). Before and during it, for every class y not yet upgraded (x itself,
// the classes still to come, the unaffected) and every type T y offers (any
// of them may run VMs), some class z other than x must take a VM of type T
// from y: z as it stands then — upgraded when it was upgraded at an earlier
// step, as it was otherwise — and y itself when y has a second host and is
// not x. The VMs on upgraded hosts are not in the promise (they came through
// already); (y, T) pairs that have no destination even before the upgrade
// starts are reported as stranded and left out of it (the upgrade is not
// what strands them).
//
// The search. Exact, over the sets of upgraded classes: the decisions needed
// are the matrix's own (old → old) and old → upgraded, one
// evaluateDestination per (class, type, upgraded class), made once; whether
// upgrading x next keeps the promise depends only on U, the set upgraded so
// far (not on the order it was upgraded in). A depth-first search from U = ∅
// tries, at each state, the affected classes whose upgrade keeps the promise,
// in class order, and remembers the states it has left without a plan; the
// first plan it finds is therefore the greedy one (each step the first class
// that can go) whenever greedy succeeds, and when greedy walks into a dead
// end (upgrading a safe class first closes a door a later class needed) it
// backs up and tries the other orders. Only the promised (y, T) that no
// unaffected class takes can ever fail, so each state checks just those, as
// bitsets over the affected classes: the destinations of (y, T) given U are
// the classes that take it old and are not in U, or take it upgraded and are
// in U; none strands it whatever goes next, exactly one forbids that one.
// There are 2^k states for k affected classes: after PLAN_STATE_LIMIT
// (100,000) without a plan the search stops and the plan is undecided (no
// order found, none ruled out), not infeasible. When every state has been
// searched and no order works, the plan is infeasible at the step after the
// deepest state any order reaches (the first such state in class order, so
// greedy's dead end when it is as deep as any), and says, for each remaining
// class, the first (y, T) its upgrade would strand there and every refusal
// that leaves it stranded.

import { diagnostic, type Diagnostic } from '../errors.js';
import { normalizeAttribute } from '../normalize.js';
import { globMatch } from '../selector.js';
import type { PolicySet } from '../resolve.js';
import type { Host } from '../types.js';
import type { ClassIndex, HostClassEntry } from './classes.js';
import { decideRelation, type DecideOptions } from './decide.js';
import { readsAttribute, type PolicyReads } from './reads.js';
import type { ClassPair } from './types.js';

export interface FactChange {
  scope: 'host' | 'parent' | 'type';
  /** For `type[GLOB].NAME`: the types whose id it matches. */
  types?: string;
  name: string;
  value: string;
  /** As written on the command line. */
  text: string;
}

/** `host.X=V`, `X=V` (a host fact), `parent.X=V`, `type.X=V`, `type[GLOB].X=V`; or why not. */
export function parseChange(text: string): FactChange | string {
  const eq = text.indexOf('=');
  if (eq <= 0) return `\`${text}\` is not FACT=VALUE (e.g. nvidia_version=570.86.10, type[i915-GVTg_*].software_version=1.4.0)`;
  const fact = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  const m = /^(?:(host|parent|type)(?:\[([^\]\s]+)\])?\.)?([A-Za-z0-9_][A-Za-z0-9_:-]*)$/.exec(fact);
  if (!m || (m[2] !== undefined && m[1] !== 'type')) return `\`${fact}\` is not a fact name: host.NAME (or NAME), parent.NAME, type.NAME or type[GLOB].NAME`;
  if (value === '') return `\`${text}\` gives no value`;
  return { scope: (m[1] as FactChange['scope'] | undefined) ?? 'host', ...(m[2] !== undefined ? { types: m[2] } : {}), name: m[3]!, value, text };
}

/** A change as the plan names it. */
export function changeText(c: FactChange): string {
  return `${c.scope}${c.types !== undefined ? `[${c.types}]` : ''}.${c.name}=${c.value}`;
}

/** A host with the changes applied where each fact is present with another value; undefined when none applies. */
export function applyChanges(host: Host, changes: readonly FactChange[]): Host | undefined {
  let changed = false;
  const facts = { ...host.facts };
  for (const c of changes) {
    if (c.scope === 'host' && Object.hasOwn(facts, c.name) && facts[c.name] !== c.value) {
      facts[c.name] = c.value;
      changed = true;
    }
  }
  const parents = host.parents.map((p) => {
    let attributes = p.attributes;
    for (const c of changes) {
      if (c.scope === 'parent' && Object.hasOwn(attributes, c.name) && attributes[c.name] !== c.value) {
        attributes = { ...attributes, [c.name]: c.value };
        changed = true;
      }
    }
    const types = p.types.map((t) => {
      let attrs = t.attributes;
      for (const c of changes) {
        if (c.scope !== 'type' || !Object.hasOwn(attrs, c.name) || (c.types !== undefined && !globMatch(c.types, t.id))) continue;
        const v = normalizeAttribute(c.name, c.value);
        if (JSON.stringify(attrs[c.name]) === JSON.stringify(v)) continue;
        attrs = { ...attrs, [c.name]: v };
        changed = true;
      }
      return attrs === t.attributes ? t : { id: t.id, attributes: attrs };
    });
    return { id: p.id, attributes, types };
  });
  if (!changed) return undefined;
  return { ...host, facts, parents };
}

/** Why a VM of one type on one class has no destination: each class considered, and what it said. */
export interface Refusal {
  to: string;
  /** The class as it stood: `upgraded`, `not upgraded`, or `being upgraded` (never a destination then). */
  state: 'upgraded' | 'not upgraded' | 'being upgraded' | 'one host';
  reasonCode?: string;
  failing?: string[];
}

export interface Stranded {
  class: string;
  type: string;
  refusals: Refusal[];
}

export interface UpgradeStep {
  step: number;
  class: string;
  members: string[];
  size: number;
  /** Where the class's VMs can go while it is upgraded: per type, the classes that take them then (none: stranded before the upgrade began). */
  evacuate: { type: string; to: string[] }[];
}

export interface UpgradePlan {
  changes: string[];
  feasible: boolean;
  /** Classes the changes apply to, in class order; `unaffected` the others. */
  affected: string[];
  unaffected: string[];
  steps: UpgradeStep[];
  /** (class, type) with no destination before the upgrade starts: not in the promise. */
  stranded: Stranded[];
  /** Infeasible: the step after the deepest state any order reaches, which no remaining class can take, and what each would strand there. */
  blocked?: { step: number; candidates: { class: string; strands: Stranded }[] };
  /** The search: `states` the sets of upgraded classes it visited; `exhaustive` false when it stopped at `limit` without a plan (then `feasible` is false but the plan is undecided: no `blocked`, no `steps`). */
  search: PlanSearch;
}

export interface PlanSearch {
  states: number;
  limit: number;
  exhaustive: boolean;
}

/** The most states (sets of upgraded classes) the search visits before it gives up, undecided. */
export const PLAN_STATE_LIMIT = 100_000;

export interface PlanInput {
  index: ClassIndex;
  /** The matrix's decisions (old → old). */
  relation: readonly ClassPair[];
  changes: readonly FactChange[];
  set: PolicySet;
  reads: PolicyReads;
  options: DecideOptions;
  /** The most states the search visits (PLAN_STATE_LIMIT unless given). */
  stateLimit?: number;
}

const pairKey = (type: string, from: string, to: string) => `${type}\u0000${from}\u0000${to}`;

export async function planUpgrade(input: PlanInput): Promise<{ plan: UpgradePlan; errors: Diagnostic[] }> {
  const { index, changes } = input;
  const classes = index.classes;
  const upgradedHost = new Map<string, Host>();
  for (const c of classes) {
    const h = applyChanges(c.representative, changes);
    if (h) upgradedHost.set(c.id, h);
  }
  const affected = classes.filter((c) => upgradedHost.has(c.id));
  // Old → upgraded: a class's VMs are never decided against its own upgraded self (it is being upgraded, or not yet).
  const toNew = await decideRelation(index, input.set, input.reads, input.options, affected.map((c) => ({ id: c.id, host: upgradedHost.get(c.id)!, notFor: c.id })));
  const oldPairs = new Map(input.relation.map((p) => [pairKey(p.type, p.from, p.to), p]));
  const newPairs = new Map(toNew.relation.map((p) => [pairKey(p.type, p.from, p.to), p]));
  const byId = new Map(classes.map((c) => [c.id, c]));
  const typesOf = (c: HostClassEntry) => [...c.sourceParents.keys()].sort();

  /** The refusals and destinations of (y, T) given the upgraded set and the class being upgraded. */
  const options = (y: HostClassEntry, type: string, upgraded: ReadonlySet<string>, being?: string) => {
    const to: string[] = [];
    const refusals: Refusal[] = [];
    for (const z of classes) {
      if (z.id === being) {
        refusals.push({ to: z.id, state: 'being upgraded' });
        continue;
      }
      const isNew = upgraded.has(z.id);
      const pair = (isNew ? newPairs : oldPairs).get(pairKey(type, y.id, z.id));
      if (!pair) {
        // No decision: a class of one host as its own destination.
        if (z.id === y.id) refusals.push({ to: z.id, state: 'one host' });
        continue;
      }
      if (pair.compatible) to.push(z.id);
      else refusals.push({ to: z.id, state: isNew ? 'upgraded' : 'not upgraded', ...(pair.reasonCode ? { reasonCode: pair.reasonCode } : {}), ...(pair.failing ? { failing: pair.failing.map((f) => f.check) } : {}) });
    }
    return { to, refusals };
  };

  const stranded: Stranded[] = [];
  const promised = new Set<string>();
  for (const y of classes) {
    for (const t of typesOf(y)) {
      const o = options(y, t, new Set());
      if (o.to.length === 0) stranded.push({ class: y.id, type: t, refusals: o.refusals });
      else promised.add(`${y.id}\u0000${t}`);
    }
  }

  /** The first (y, T) that upgrading x now would strand; undefined when the promise holds. */
  const strands = (x: string, upgraded: ReadonlySet<string>): Stranded | undefined => {
    for (const y of classes) {
      if (upgraded.has(y.id)) continue;
      for (const t of typesOf(y)) {
        if (!promised.has(`${y.id}\u0000${t}`)) continue;
        const o = options(y, t, upgraded, x);
        if (o.to.length === 0) return { class: y.id, type: t, refusals: o.refusals };
      }
    }
    return undefined;
  };

  const found = searchOrders(classes, affected, typesOf, promised, oldPairs, newPairs, input.stateLimit ?? PLAN_STATE_LIMIT);
  const upgraded = new Set<string>();
  const steps: UpgradeStep[] = [];
  for (const next of found.plan ?? (found.exhaustive ? found.deepest : [])) {
    const c = byId.get(next)!;
    steps.push({
      step: steps.length + 1,
      class: next,
      members: c.members,
      size: c.members.length,
      evacuate: typesOf(c).map((t) => ({ type: t, to: options(c, t, upgraded, next).to })),
    });
    upgraded.add(next);
  }
  let blocked: UpgradePlan['blocked'];
  if (!found.plan && found.exhaustive) {
    // The deepest state: no remaining class keeps the promise there (a class that did would have led deeper).
    const remaining = affected.map((c) => c.id).filter((x) => !upgraded.has(x));
    blocked = { step: steps.length + 1, candidates: remaining.map((x) => ({ class: x, strands: strands(x, upgraded)! })) };
  }
  const plan: UpgradePlan = {
    changes: changes.map(changeText),
    feasible: found.plan !== undefined,
    affected: affected.map((c) => c.id),
    unaffected: classes.filter((c) => !upgradedHost.has(c.id)).map((c) => c.id),
    steps,
    stranded,
    ...(blocked ? { blocked } : {}),
    search: { states: found.states, limit: found.limit, exhaustive: found.exhaustive },
  };
  const errors = [...toNew.errors];
  for (const c of changes) {
    if (!readsAttribute(input.reads[c.scope], c.name)) errors.push(diagnostic('usage', `no check reads \`${changeText(c).replace(/=.*$/, '')}\`: changing it changes no verdict`, {}, { severity: 'warning' }));
  }
  if (affected.length === 0) errors.push(diagnostic('usage', `no host has ${changes.map((c) => `\`${changeText(c).replace(/=.*$/, '')}\``).join(', ')} with another value: nothing to upgrade`, {}, { severity: 'warning' }));
  return { plan, errors };
}

interface Found {
  /** The order found, as class ids; undefined when none was. */
  plan?: string[];
  /** The first deepest order reached (the dead end reported when none works). */
  deepest: string[];
  states: number;
  limit: number;
  /** False when the search stopped at the limit without a plan. */
  exhaustive: boolean;
}

/**
 * The depth-first search over U, the set of upgraded classes (a bitset over the affected classes): at each state
 * the affected classes not in U whose upgrade keeps the promise, in class order; a state left without a plan is
 * remembered and never searched again.
 */
function searchOrders(
  classes: readonly HostClassEntry[],
  affected: readonly HostClassEntry[],
  typesOf: (c: HostClassEntry) => string[],
  promised: ReadonlySet<string>,
  oldPairs: ReadonlyMap<string, ClassPair>,
  newPairs: ReadonlyMap<string, ClassPair>,
  limit: number,
): Found {
  const k = affected.length;
  const words = Math.max(1, Math.ceil(k / 32));
  const indexOf = new Map(affected.map((c, i) => [c.id, i]));
  const has = (set: Uint32Array, i: number) => (set[i >>> 5]! & (1 << (i & 31))) !== 0;
  const add = (set: Uint32Array, i: number) => {
    set[i >>> 5] = set[i >>> 5]! | (1 << (i & 31));
  };
  // The promised (y, T) no unaffected class takes: the affected classes that take it as they are, and upgraded.
  const critical: { from: number; old: Uint32Array; upgraded: Uint32Array }[] = [];
  for (const y of classes) {
    for (const t of typesOf(y)) {
      if (!promised.has(`${y.id}\u0000${t}`)) continue;
      const old = new Uint32Array(words);
      const upgraded = new Uint32Array(words);
      let elsewhere = false;
      for (const z of classes) {
        const takesOld = oldPairs.get(pairKey(t, y.id, z.id))?.compatible === true;
        const i = indexOf.get(z.id);
        if (i === undefined) elsewhere ||= takesOld;
        else {
          if (takesOld) add(old, i);
          // Never y's own upgraded self: y is not upgraded while its VMs are in the promise.
          if (newPairs.get(pairKey(t, y.id, z.id))?.compatible === true) add(upgraded, i);
        }
      }
      if (!elsewhere) critical.push({ from: indexOf.get(y.id) ?? -1, old, upgraded });
    }
  }

  /** The affected classes that can be upgraded next given U, in class order. */
  const next = (u: Uint32Array): number[] => {
    const forbidden = new Uint32Array(words);
    for (const c of critical) {
      if (c.from >= 0 && has(u, c.from)) continue;
      let only = -1;
      let many = false;
      for (let w = 0; w < words && !many; w++) {
        const d = ((c.old[w]! & ~u[w]!) | (c.upgraded[w]! & u[w]!)) >>> 0;
        if (d === 0) continue;
        if (only >= 0 || (d & (d - 1)) !== 0) many = true;
        else only = w * 32 + (31 - Math.clz32(d));
      }
      if (many) continue;
      if (only < 0) return []; // stranded whatever goes next
      add(forbidden, only);
    }
    const out: number[] = [];
    for (let i = 0; i < k; i++) if (!has(u, i) && !has(forbidden, i)) out.push(i);
    return out;
  };

  const failed = new Set<string>();
  const u = new Uint32Array(words);
  const path: number[] = [];
  let deepest: number[] = [];
  let states = 0;
  let stopped = false;
  const visit = (): boolean => {
    const key = u.join(',');
    if (failed.has(key)) return false;
    if (states >= limit) {
      stopped = true;
      return false;
    }
    states++;
    if (path.length === k) return true;
    if (path.length > deepest.length) deepest = [...path];
    for (const i of next(u)) {
      path.push(i);
      add(u, i);
      if (visit()) return true;
      path.pop();
      u[i >>> 5] = u[i >>> 5]! & ~(1 << (i & 31));
      if (stopped) return false;
    }
    failed.add(key);
    return false;
  };
  const ok = visit();
  const ids = (p: number[]) => p.map((i) => affected[i]!.id);
  return { ...(ok ? { plan: ids(path) } : {}), deepest: ids(deepest), states, limit, exhaustive: !stopped || ok };
}
