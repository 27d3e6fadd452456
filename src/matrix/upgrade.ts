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
// The search. Greedy over the class graph: the decisions needed are the
// matrix's own (old → old) and old → upgraded, one evaluateDestination per
// (class, type, upgraded class); then, with U the classes upgraded so far,
// each step takes the first affected class (in class order) whose upgrade
// keeps the promise given U, adds it to U, and goes on. When no remaining
// class can be upgraded, the plan is infeasible at that step, and says, for
// each remaining class, the first (y, T) its upgrade would strand and every
// refusal that leaves it stranded. Greedy is not exhaustive: upgrading a
// class only ever replaces an old destination with an upgraded one, so an
// order it misses is one where upgrading a safe class first closes a door a
// later class needed — the blocked report names that door.

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
  /** The step no remaining class can take, and what each would strand. */
  blocked?: { step: number; candidates: { class: string; strands: Stranded }[] };
}

export interface PlanInput {
  index: ClassIndex;
  /** The matrix's decisions (old → old). */
  relation: readonly ClassPair[];
  changes: readonly FactChange[];
  set: PolicySet;
  reads: PolicyReads;
  options: DecideOptions;
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

  const upgraded = new Set<string>();
  const steps: UpgradeStep[] = [];
  let remaining = affected.map((c) => c.id);
  let blocked: UpgradePlan['blocked'];
  while (remaining.length > 0) {
    const next = remaining.find((x) => strands(x, upgraded) === undefined);
    if (next === undefined) {
      blocked = { step: steps.length + 1, candidates: remaining.map((x) => ({ class: x, strands: strands(x, upgraded)! })) };
      break;
    }
    const c = byId.get(next)!;
    steps.push({
      step: steps.length + 1,
      class: next,
      members: c.members,
      size: c.members.length,
      evacuate: typesOf(c).map((t) => ({ type: t, to: options(c, t, upgraded, next).to })),
    });
    upgraded.add(next);
    remaining = remaining.filter((x) => x !== next);
  }
  const plan: UpgradePlan = {
    changes: changes.map(changeText),
    feasible: blocked === undefined,
    affected: affected.map((c) => c.id),
    unaffected: classes.filter((c) => !upgradedHost.has(c.id)).map((c) => c.id),
    steps,
    stranded,
    ...(blocked ? { blocked } : {}),
  };
  const errors = [...toNew.errors];
  for (const c of changes) {
    if (!readsAttribute(input.reads[c.scope], c.name)) errors.push(diagnostic('usage', `no check reads \`${changeText(c).replace(/=.*$/, '')}\`: changing it changes no verdict`, {}, { severity: 'warning' }));
  }
  if (affected.length === 0) errors.push(diagnostic('usage', `no host has ${changes.map((c) => `\`${changeText(c).replace(/=.*$/, '')}\``).join(', ')} with another value: nothing to upgrade`, {}, { severity: 'warning' }));
  return { plan, errors };
}
