// What a policy set reads of a host: the facts the compatibility matrix
// groups hosts by (src/matrix/classes.ts). Two hosts that agree on every fact
// read here get the same verdict from every check of every effective policy,
// as a source and as a destination, so one of them can stand for both.
//
// Which overlays apply depends on the source type, which is not known before
// the fleet has been read; and for one check id the effective scope, target
// and match each come from the last applicable document that gave them. So
// the reads are the union over every combination: for each check id, every
// scope any document gives it × every target any document gives it × every
// match any document gives it for the mode, each combination compiled with
// the compiler (src/compile.ts) and its rule conditions walked for the facts
// they name (the match modules decide what a match reads: `equal-or-listed`
// reads `compatible_type`, `sync` the device's attributes and both types'
// `dynamic_resources`). A superset of what any one effective policy reads:
// hosts that differ only in a fact one overlay reads for other types than
// theirs land in different classes — more classes, never a wrong verdict.
//
// A check that is a warning in every effective policy (each document that
// defines or patches it says so, or leaves the base's warning) never
// refuses: what it alone reads keys no class (a fleet of forty kernel builds
// is not forty classes for the kernel-version warning), and the matrix does
// not report it.
//
// The overlays' selectors are read too: one on `deviceApi` makes the source
// type's `device_api` decide which overlays apply, so it is keyed (the type
// id, which `types` globs read, always is).
//
// `available_instances` is read by the `capacity` match as "at least one
// free instance" (and by placement, which for one device needs the same):
// when that is the only way any check reads it, it enters a class's key as
// that bucket (0 or ≥ 1) rather than as a number; otherwise as its value.

import { compileCheck } from '../compile.js';
import { failed, ok, type Result } from '../errors.js';
import { parsePath } from '../facts.js';
import { loadPolicySources, type PolicyChoice } from '../inputs.js';
import type { LoadLimits } from '../load.js';
import { MATCH_MODULES, PRESENCE_OPERATORS, targetProblem } from '../matches/index.js';
import { resolvePolicySet, type OverlaySource, type PolicySet, type PolicySource } from '../resolve.js';
import { isWhenCheck, type CheckScope, type Condition, type EffectiveCheck, type FactRef, type MatchName, type ValueTarget, type WrittenCheck } from '../types.js';

/** Which attributes of one map (a type's, a parent's, a host's facts, the source device's) some check reads. */
export interface AttributeReads {
  /** The whole map (a path that stops at it, or a fact read without a path). */
  all: boolean;
  names: Set<string>;
  families: { prefix: string; except: Set<string> }[];
}

export interface PolicyReads {
  type: AttributeReads;
  parent: AttributeReads;
  host: AttributeReads;
  /** Instance attributes of the source device (the matrix's VM is synthetic: they are given placeholders, never keyed). */
  device: AttributeReads;
  /** Whether a check reads the host's name (`@id` at host scope, `$.host`): then every host is its own class. */
  hostName: boolean;
  /** Whether a check reads the parent's id (`@id` at parent scope, `$.parent`). */
  parentId: boolean;
  /** `available_instances` is read only as "≥ 1" (the `capacity` match with its default need of one): keyed as 0 / ≥ 1. */
  capacityBucket: boolean;
  /** Some document makes a parent take one type at a time (`parentCapacity: one`): the types a parent runs can matter. */
  onePerParent: boolean;
  /**
   * The destination types a parent running another type may be closed to
   * (the one-type rule is the VM's policy's): `all`, or the globs of the
   * overlays that take one type per parent — when a VM can only be placed on
   * its own type (an `equal` on the type id, no `equal-or-listed`, not
   * cross-type), whatever its `device_api`.
   */
  oneTypes: 'all' | string[];
  /** Some check may read the source type's own `available_instances` (not only the destination's): it then keys sources and classes. */
  sourceCapacity: boolean;
  /** Checks that are warnings in every effective policy: they never refuse, so what they read keys no class. */
  warningOnly: ReadonlySet<string>;
  /**
   * Checks that compare values of the VM's own instance attributes (not only
   * ask for them, as `sync` does), with the attributes (`*`: all of them):
   * the matrix decides for a VM of a type, not for one VM's values, so it
   * gives its synthetic device none of these and the checks fail closed.
   */
  vmDependent: { check: string; attributes: string[] }[];
}

/** The instance attribute of the source device a fact reference reads (`*`: the whole map), if any. */
function sourceDeviceAttribute(ref: FactRef): string | undefined {
  if (ref.fact !== 'source') return undefined;
  const segments = ref.path === undefined ? [] : parsePath(ref.path);
  if (segments === undefined) return undefined;
  const [a, b, c] = segments;
  if (a === undefined) return '*';
  if (a !== 'device' || b === 'uuid') return undefined;
  return b === 'attributes' && typeof c === 'string' ? c : '*';
}

/** Operators whose test reads neither operand (`ignore`'s `always`): their leaves read nothing. */
const READS_NOTHING = new Set(MATCH_MODULES.ignore.operators.map((o) => o.name));

const emptyReads = (): AttributeReads => ({ all: false, names: new Set(), families: [] });

/** Whether `name` is among the attributes read. */
export function readsAttribute(r: AttributeReads, name: string): boolean {
  if (r.all || r.names.has(name)) return true;
  for (const f of r.families) if (name.startsWith(f.prefix) && !f.except.has(name)) return true;
  return false;
}

/** The match a written check gives for a mode (its map's entry, else `default`), if it gives one. */
function matchFor(check: Partial<WrittenCheck>, mode: string): MatchName | undefined {
  const m = check.match;
  if (m === undefined) return undefined;
  return typeof m === 'string' ? m : (m[mode] ?? m.default);
}

type Target = { kind: 'when'; condition: Condition } | ValueTarget;

function targetOf(check: Partial<WrittenCheck>): Target | undefined {
  if (check.when !== undefined) return { kind: 'when', condition: check.when };
  if (check.attribute !== undefined) return { kind: 'attribute', name: check.attribute };
  if (Array.isArray(check.attributes)) return { kind: 'list', names: [...check.attributes] };
  if (check.attributes !== undefined) return { kind: 'family', prefix: check.attributes.prefix, except: [...(check.attributes.except ?? [])] };
  return undefined;
}

/** Every check a policy set may make, as effective checks: per id, each scope × target × match some document gives it. */
export function possibleChecks(base: PolicySource, overlays: readonly OverlaySource[], mode: string): EffectiveCheck[] {
  const byId = new Map<string, { scopes: Set<CheckScope>; targets: Target[]; matches: Set<MatchName>; value?: string; warning: boolean }>();
  const baseWarnings = new Set(base.written.spec.checks.filter((c) => c.severity === 'warning').map((c) => c.id));
  const add = (c: Partial<WrittenCheck> & { id: string }) => {
    let entry = byId.get(c.id);
    if (!entry) byId.set(c.id, (entry = { scopes: new Set(), targets: [], matches: new Set(), warning: true }));
    // A warning in every effective policy: each document says so, or says nothing of a severity the base (which always applies) made a warning.
    if (!(c.severity === 'warning' || (c.severity === undefined && baseWarnings.has(c.id)))) entry.warning = false;
    const t = targetOf(c);
    // A document that gives a target without a scope means the type's, when it is the check's first definition.
    if (c.scope !== undefined || t !== undefined) entry.scopes.add(c.scope ?? 'type');
    if (t) entry.targets.push(t);
    const m = matchFor(c, mode);
    if (m) entry.matches.add(m);
    if (c.value !== undefined) entry.value = c.value;
  };
  for (const c of base.written.spec.checks) add(c);
  for (const o of overlays) for (const c of o.written.spec.checks ?? []) add(c);
  const checks: EffectiveCheck[] = [];
  for (const [id, e] of byId) {
    const fields = (i: string) => ({ id: i, onMissing: 'fail' as const, locked: false, severity: e.warning ? ('warning' as const) : ('error' as const), origin: '', overlays: [] });
    for (const t of e.targets) {
      if (t.kind === 'when') {
        checks.push({ ...fields(id), target: t });
        continue;
      }
      for (const scope of e.scopes) {
        for (const match of e.matches) {
          if (targetProblem(match, t.kind)) continue;
          checks.push({ ...fields(id), target: t, match, scope, ...(e.value !== undefined ? { value: e.value } : {}) });
        }
      }
    }
  }
  return checks;
}

/** What the checks' compiled rules read, and how `available_instances` is read. */
export function readsOf(checks: readonly EffectiveCheck[], onePerParent: boolean): PolicyReads {
  const warningOnly = new Set(checks.filter((c) => c.severity === 'warning').map((c) => c.id));
  const reads: PolicyReads = { type: emptyReads(), parent: emptyReads(), host: emptyReads(), device: emptyReads(), hostName: false, parentId: false, capacityBucket: true, onePerParent, oneTypes: 'all', sourceCapacity: false, warningOnly, vmDependent: [] };
  let availableOtherwise = false;
  let compared = new Set<string>();
  const visit = (c: Condition) => {
    if ('all' in c) return c.all.forEach(visit);
    if ('any' in c) return c.any.forEach(visit);
    if ('not' in c) return visit(c.not);
    if (READS_NOTHING.has(c.operator)) return;
    // `sync` over a named list: the instance attributes it names are read from the source device.
    if (c.operator === 'has-values' && Array.isArray(c.value)) for (const n of c.value) reads.device.names.add(String(n));
    const refs: FactRef[] = [c];
    if (c.value !== null && typeof c.value === 'object' && !Array.isArray(c.value) && 'fact' in c.value) refs.push(c.value);
    for (const ref of refs) {
      // `sync` only asks that the VM's instance attributes have values (the destination device is given the same ones): a placeholder answers it.
      const instance = PRESENCE_OPERATORS.has(c.operator) ? undefined : sourceDeviceAttribute(ref);
      if (instance !== undefined) compared.add(instance);
      // The capacity operator asks for `value` instances (1 when it is not a number): 0 / ≥ 1 decides it for a need of at most one.
      const direct = ref === c && c.operator === 'capacity' && (typeof c.value !== 'number' || c.value <= 1);
      const available = readRef(reads, ref);
      if (available && !direct) availableOtherwise = true;
      // A family compares both sides' attributes; a source reference reads the source's.
      if (available && (ref.fact === 'source' || ref.fact === 'family')) reads.sourceCapacity = true;
    }
  };
  for (const check of checks) {
    if (check.severity === 'warning') continue;
    compared = new Set();
    visit(compileCheck(check).conditions);
    if (compared.size === 0) continue;
    const known = reads.vmDependent.find((d) => d.check === check.id);
    if (known) compared.forEach((a) => known.attributes.includes(a) || known.attributes.push(a));
    else reads.vmDependent.push({ check: check.id, attributes: [...compared] });
  }
  reads.capacityBucket = !availableOtherwise;
  return reads;
}

/**
 * Record what one fact reference reads; true when it may read a type's
 * `available_instances` (by name, by a family that takes it, or the whole map).
 */
function readRef(reads: PolicyReads, ref: FactRef): boolean {
  if (ref.fact === 'family') {
    const p = ref.params;
    const target = p.scope === 'parent' ? reads.parent : p.scope === 'host' ? reads.host : reads.type;
    if (p.names) {
      for (const n of p.names) {
        if (n === '@id') {
          if (p.scope === 'parent') reads.parentId = true;
          else if (p.scope === 'host') reads.hostName = true;
        } else target.names.add(n);
      }
    } else target.families.push({ prefix: p.prefix ?? '', except: new Set(p.except ?? []) });
    if (p.scope !== undefined && p.scope !== 'type') return false;
    return p.names ? p.names.includes('available_instances') : 'available_instances'.startsWith(p.prefix ?? '') && !(p.except ?? []).includes('available_instances');
  }
  if (ref.fact !== 'source' && ref.fact !== 'destination') return false;
  const segments = ref.path === undefined ? [] : parsePath(ref.path);
  // A path that is not plain reads nothing (it is always undefined).
  if (segments === undefined) return false;
  const [a, b, c] = segments;
  if (a === undefined) {
    // The whole fact: everything of that side.
    for (const r of [reads.type, reads.parent, reads.host]) r.all = true;
    if (ref.fact === 'source') reads.device.all = true;
    reads.hostName = reads.parentId = true;
    return true;
  }
  if (a === 'host') reads.hostName = true;
  else if (a === 'parent') reads.parentId = true;
  else if (a === 'parentAttributes' || a === 'hostAttributes') {
    const r = a === 'parentAttributes' ? reads.parent : reads.host;
    if (typeof b === 'string') r.names.add(b);
    else r.all = true;
  } else if (a === 'type') {
    // `$.type.id` is the type id, always part of a class's key.
    if (b === 'id') return false;
    if (b === 'attributes' && typeof c === 'string') {
      reads.type.names.add(c);
      return c === 'available_instances';
    }
    reads.type.all = true;
    return true;
  } else if (a === 'device' && ref.fact === 'source') {
    if (b === 'attributes' && typeof c === 'string') reads.device.names.add(c);
    else if (b !== 'uuid') reads.device.all = true;
  }
  return false;
}

/** A policy set with the documents it was resolved from, and what it reads of a host. */
export interface MatrixPolicy {
  set: PolicySet;
  reads: PolicyReads;
}

/** The policy set of the policy flags (loadPolicySources, src/inputs.ts), keeping the written documents for the reads. */
export async function loadMatrixPolicy(choice: PolicyChoice, limits: LoadLimits): Promise<Result<MatrixPolicy>> {
  const sources = await loadPolicySources(choice, limits);
  return sources.ok ? matrixPolicyOf(sources.value.base, sources.value.overlays, choice.mode) : failed(sources.errors);
}

/** A base policy and its overlays, resolved for a mode, with what they read. */
export function matrixPolicyOf(base: PolicySource, overlays: readonly OverlaySource[], mode?: string): Result<MatrixPolicy> {
  const set = resolvePolicySet(base, overlays, mode);
  if (!set.ok) return set;
  const one = base.written.spec.parentCapacity === 'one' || overlays.some((o) => o.written.spec.parentCapacity === 'one');
  const checks = possibleChecks(base, overlays, set.value.mode);
  const reads = readsOf(checks, one);
  // A VM stays on its own type when the type id must be equal (and nothing lets another type take it): then only the
  // types of an overlay taking one type per parent are closed by a parent running another type.
  const onType = (c: EffectiveCheck) => !isWhenCheck(c) && c.target.kind === 'attribute' && c.target.name === '@id' && c.scope === 'type';
  const ownTypeOnly =
    set.value.mode !== 'cross-type' && checks.some((c) => onType(c) && !isWhenCheck(c) && c.match === 'equal' && c.severity !== 'warning') && !checks.some((c) => onType(c) && !isWhenCheck(c) && c.match !== 'equal');
  if (one && ownTypeOnly && base.written.spec.parentCapacity !== 'one') {
    const globs: string[] = [];
    for (const o of overlays) if (o.written.spec.parentCapacity === 'one') globs.push(...(o.written.spec.selector?.types ?? ['*']));
    reads.oneTypes = globs;
  }
  // Which overlays apply is read too: a selector on `deviceApi` reads the source type's device_api (its `types` globs read the type id, always keyed).
  if (overlays.some((o) => o.written.spec.selector?.deviceApi !== undefined)) reads.type.names.add('device_api');
  return ok({ set: set.value, reads }, set.warnings);
}
