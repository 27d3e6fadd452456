// The class × class decisions of the compatibility matrix: for every class A
// and every mdev type T it offers, a VM with one device of type T on a host
// of A (A's representative, with a synthetic device of type T on the parent
// the class index chose for T) is decided against every class B's
// representative as a destination, by the library's evaluator
// (evaluateDestination, rules specialised per source device). A class of one
// host is not its own destination (there is no second host); a class of
// several is. Only classes × types × classes decisions are made, never
// hosts × hosts: the class key (src/matrix/classes.ts) makes a
// representative's verdict every member's.
//
// The synthetic device carries, for each instance attribute its type names
// in `dynamic_resources` and each one a check asks for, a placeholder value
// (`1`): the matrix answers for a VM of that type, not for one VM's values.
// An attribute a check compares (reads.vmDependent: `fps ≤ max_fps`) gets no
// value, so that check fails closed: the matrix never says "compatible" for
// every VM where the VM's own values decide.
//
// A refused pair lists the failing checks of the refused candidate of type T
// closest to passing (the fewest failing error checks; candidates of other
// types only when B offers no T): the checks that, fixed together, would
// admit the VM there — with each one's `fix` when the Decision carries one.
// Its reason is the placement's, made precise: `no host of B offers T`, or
// `one-type` when every compatible candidate sits on a parent running
// another type under a policy of one type per parent.

import type { Diagnostic } from '../errors.js';
import { evaluateDestination } from '../evaluate/decision.js';
import { gatesOf } from '../evaluate/prune.js';
import { splitList } from '../normalize.js';
import { selectSourceDevices, type SourceDevice } from '../evaluate/sources.js';
import type { PolicySet } from '../resolve.js';
import type { CandidateResult, CheckResult, DestinationResult, Host, MdevDevice, PolicyRef } from '../types.js';
import type { ClassIndex, HostClassEntry } from './classes.js';
import type { PolicyReads } from './reads.js';
import type { ClassPair, FailingCheck, Fix } from './types.js';

/** The synthetic VM device's uuid: never a real one (the nil-like variant-4 uuid). */
export const VM_DEVICE = '00000000-0000-4000-8000-000000000000';
/** The value every instance attribute of the synthetic device is given. */
export const PLACEHOLDER = '1';

export interface DecideOptions {
  failOnSkip: boolean;
}

/** A source for one class and one type: the representative with the synthetic device, its source device and the decision's errors. */
export function classSource(entry: HostClassEntry, type: string, set: PolicySet, reads: PolicyReads, parentId: string = entry.sourceParents.get(type)!): { source: SourceDevice | undefined; errors: Diagnostic[] } {
  const host = entry.representative;
  const parent = host.parents.find((p) => p.id === parentId)!;
  const mdevType = parent.types.find((t) => t.id === type)!;
  const attributes: Record<string, string> = {};
  const listed = mdevType.attributes.dynamic_resources;
  for (const n of Array.isArray(listed) ? listed : []) attributes[n] = PLACEHOLDER;
  for (const n of reads.device.names) attributes[n] = PLACEHOLDER;
  for (const d of reads.vmDependent) for (const n of d.attributes) if (n === '*') for (const k of Object.keys(attributes)) delete attributes[k]; else delete attributes[n];
  const device: MdevDevice = { uuid: VM_DEVICE, parent: parentId, type, attributes };
  const vmHost: Host = { name: host.name, facts: host.facts, parents: host.parents, devices: [device] };
  if (host.file !== undefined) vmHost.file = host.file;
  const { devices, errors } = selectSourceDevices(vmHost, [VM_DEVICE], set);
  return { source: devices[0], errors };
}

const failingOf = (c: CandidateResult) => c.checks.filter((k) => k.result === 'fail' && k.severity !== 'warning');

/** The refused candidate closest to passing (fewest failing checks), of the VM's own type when there is one. */
function closest(candidates: readonly CandidateResult[], type: string): CandidateResult | undefined {
  const own = candidates.filter((c) => c.type === type && !c.compatible);
  const pool = own.length > 0 ? own : candidates.filter((c) => !c.compatible);
  let best: CandidateResult | undefined;
  for (const c of pool) if (!best || failingOf(c).length < failingOf(best).length) best = c;
  return best;
}

/** A check result's fix, when the Decision carries one (issue 17 §1; read as optional until then). */
const fixOf = (c: CheckResult): Fix | undefined => (c as CheckResult & { fix?: Fix }).fix;

/**
 * What a class pair says, but for its type, from and to: shared by every
 * pair decided alike (its arrays too). `offersNone`: the reason names the
 * destination class (no host of it offers the type).
 */
export type PairBody = Omit<ClassPair, 'type' | 'from' | 'to'> & { offersNone?: boolean };

/** One destination result as the body of a class pair. */
export function pairBody(type: string, result: DestinationResult, warningOnly?: ReadonlySet<string>): PairBody {
  if (result.compatible) {
    // A warning never refuses and the facts it alone reads are no part of a class: it is not the matrix's to report.
    const skipped = warningOnly ? result.skipped?.filter((id) => !warningOnly.has(id)) : result.skipped;
    return skipped && skipped.length > 0 ? { compatible: true, skipped: [...skipped] } : { compatible: true };
  }
  const body: PairBody = { compatible: false };
  const best = closest(result.candidates, type);
  const failing: FailingCheck[] = (best ? failingOf(best) : []).map((c) => {
    const f: FailingCheck = { check: c.id, origin: c.origin, message: c.message };
    const fix = fixOf(c);
    if (fix) f.fix = fix;
    return f;
  });
  let code: string | undefined = result.reasonCode;
  let reason = result.reason;
  if (code === 'no-candidate') {
    if (!best && !result.candidates.some((c) => c.compatible)) body.offersNone = true;
    else if (result.candidates.some((c) => c.compatible)) {
      // Every compatible candidate sits on a parent that runs another type, under a policy of one type per parent.
      code = 'one-type';
      reason = `every parent that could take \`${type}\` runs another type (parent capacity \`one\`: one type per parent at a time)`;
    } else reason = `every \`${type}\` candidate is refused: ${failing.map((f) => f.check).join(', ') || 'its type is unknown'}`;
  }
  if (code !== undefined) body.reasonCode = code;
  if (reason !== undefined && !body.offersNone) body.reason = reason.split(VM_DEVICE).join(`the VM's \`${type}\` device`);
  if (failing.length > 0) body.failing = failing;
  const fixes = (result as DestinationResult & { fixes?: Fix[] }).fixes ?? failing.flatMap((f) => (f.fix ? [f.fix] : []));
  // A parent id is the representative's: another member's GPUs have theirs. The fix says which parent shape by its facts' scope, not by an id.
  if (fixes.length > 0) body.fixes = fixes.map(({ parent: _parent, ...rest }) => rest);
  return body;
}

/**
 * The bodies of a relation's pairs, index for index (a symbol on the array:
 * never serialised, never listed), for renderers that memoise per body.
 */
const BODIES = Symbol('pair bodies');

/** The body each pair of a relation was made from, when decideRelation made it. */
export function bodiesOf(relation: readonly ClassPair[]): readonly PairBody[] | undefined {
  const bodies = (relation as readonly ClassPair[] & { [BODIES]?: PairBody[] })[BODIES];
  return bodies && bodies.length === relation.length ? bodies : undefined;
}

/** A class pair from its body (the key order of ClassPair: type, from, to, compatible, skipped, reasonCode, reason, failing, fixes). */
export function pairOf(type: string, from: string, to: string, body: PairBody, crossType: boolean, reasons?: Map<string, string>): ClassPair {
  const pair: ClassPair = { type, from, to, compatible: body.compatible };
  if (body.skipped) pair.skipped = body.skipped;
  if (body.reasonCode !== undefined) pair.reasonCode = body.reasonCode;
  if (body.offersNone) {
    // One text per (destination, type), however many classes send that type there.
    const key = `${to}\u0000${type}`;
    let reason = reasons?.get(key);
    if (reason === undefined) {
      reason = crossType ? `no host of ${to} offers \`${type}\` or a type that lists it` : `no host of ${to} offers \`${type}\``;
      reasons?.set(key, reason);
    }
    pair.reason = reason;
  } else if (body.reason !== undefined) pair.reason = body.reason;
  if (body.failing) pair.failing = body.failing;
  if (body.fixes) pair.fixes = body.fixes;
  return pair;
}

/** One destination result as a class pair. */
export function classPair(type: string, from: string, to: string, result: DestinationResult, crossType: boolean): ClassPair {
  return pairOf(type, from, to, pairBody(type, result), crossType);
}

export interface Relation {
  relation: ClassPair[];
  /** The overlays that applied to some class's VM type, in the order given. */
  overlays: PolicyRef[];
  errors: Diagnostic[];
}

/** A class as a destination: its id, its representative, and the class whose VMs it may not take (a class of one host, its own). */
export interface Destination {
  id: string;
  host: Host;
  notFor?: string;
}

/** The classes as destinations: each one's own VMs too, when it has a second host. */
export function asDestinations(classes: readonly HostClassEntry[]): Destination[] {
  return classes.map((c) => ({ id: c.id, host: c.representative, ...(c.members.length < 2 ? { notFor: c.id } : {}) }));
}

/**
 * Decide every (type, from, to). `destinations` are the classes as they stand
 * as destinations (by default the classes themselves; the upgrade planner
 * passes upgraded ones): `to` is each one's id. Decisions are made once per
 * (source signature, destination signature) — what the policy reads of the
 * VM's side and of what the destination offers its type (src/matrix/
 * classes.ts) — and shared by every pair with the same two: a fleet of many
 * classes that differ in types a VM does not use decides each VM type against
 * a handful of destination shapes.
 */
export async function decideRelation(index: ClassIndex, set: PolicySet, reads: PolicyReads, options: DecideOptions, destinations: readonly Destination[] = asDestinations(index.classes)): Promise<Relation> {
  const relation: ClassPair[] = [];
  const bodyList: PairBody[] = [];
  Object.defineProperty(relation, BODIES, { value: bodyList });
  const applied = new Set<number>();
  const errors: Diagnostic[] = [];
  const crossType = set.mode === 'cross-type';
  // Sources by signature; per source, its bodies by destination signature id; per destination, its signature ids by type.
  const sourceIds = new Map<string, number>();
  const sources: ({ source: SourceDevice; byType: boolean; bodies: (PairBody | undefined)[] } | undefined)[] = [];
  const signatureIds = new Map<string, number>();
  const destinationSignatures = destinations.map(() => new Map<string, number>());
  const reasons = new Map<string, string>();
  for (const from of index.classes) {
    for (const type of [...from.sourceParents.keys()].sort()) {
      // The VM may run on any parent offering its type: one source per distinct (parent facts, shape), all decided.
      const made = from.sourceVariants.get(type)!.map((parentId) => {
        const sourceKey = `${type}\u0000${index.sourceSignature(from.representative, parentId, type)}`;
        let sid = sourceIds.get(sourceKey);
        if (sid === undefined) {
          sid = sources.length;
          sourceIds.set(sourceKey, sid);
          const { source, errors: e } = classSource(from, type, set, reads, parentId);
          errors.push(...e);
          // Pruned on the type id, a destination's other types never become candidates: only its shapes of this type matter.
          sources.push(source && { source, byType: gatesOf(source).some((g) => g.attribute === '@id'), bodies: [] });
          if (source) set.applicable(source.fact.type).forEach((a, i) => a && applied.add(i));
        }
        return sources[sid];
      });
      if (made.some((m) => !m)) continue;
      for (let d = 0; d < destinations.length; d++) {
        const to = destinations[d]!;
        // A class of one host is not its own destination: no second host.
        if (to.notFor === from.id) continue;
        const bySig = destinationSignatures[d]!;
        const bodies: PairBody[] = [];
        for (const m of made as NonNullable<(typeof made)[number]>[]) {
          const sigType = m.byType ? type : '';
          let sig = bySig.get(sigType);
          if (sig === undefined) {
            const text = index.destinationSignature(to.host, m.byType ? type : undefined);
            sig = signatureIds.get(text);
            if (sig === undefined) signatureIds.set(text, (sig = signatureIds.size));
            bySig.set(sigType, sig);
          }
          let body = m.bodies[sig];
          if (!body) {
            const decide = (prune: boolean) => evaluateDestination([m.source], to.host, { engine: 'compiled', detail: 'failing', prune, failOnSkip: options.failOnSkip });
            body = pairBody(type, await decide(true), reads.warningOnly);
            // Pruning rules out a candidate by a gate check (device_api) without a result: a destination that does offer the type
            // is decided again unpruned, so that the pair names the check that refuses it, not "no host offers the type".
            // (Across types, a type of the destination that lists it in compatible_type offers it too.)
            if (body.offersNone && to.host.parents.some((p) => p.types.some((t) => t.id === type || (crossType && splitList(String(t.attributes.compatible_type ?? '')).includes(type)))))
              body = pairBody(type, await decide(false), reads.warningOnly);
            m.bodies[sig] = body;
          }
          bodies.push(body);
        }
        // Fail closed: compatible only when a VM on each of those parents is; else the first refusal says why.
        const body = bodies.find((b) => !b.compatible) ?? bodies[0]!;
        relation.push(pairOf(type, from.id, to.id, body, crossType, reasons));
        bodyList.push(body);
      }
    }
  }
  return { relation, overlays: set.overlays.filter((_, i) => applied.has(i)), errors };
}
