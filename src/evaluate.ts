// Stage 5 — evaluate: source devices × destination candidates through the
// compiled rules on json-rules-engine (the reference semantics), then
// placement of every source device on its own destination instance as a
// matching with per-(parent, type) capacity, and the claim plan. The engine is
// built once per effective policy. This module never reads files or prints.

import type { Engine as EngineT } from 'json-rules-engine';
import { annotate, compileBulkRule, type BulkRule } from './bulk.js';
import { splitList } from './normalize.js';
import { attributePath, checkOperands, compilePolicy, matchOperator, resolvePath, type CompiledPolicy, type RuleDocument } from './compile.js';
import { diagnostic, didYouMean, type Diagnostic } from './errors.js';
import type { PolicySet } from './resolve.js';
import { absentBoth, isPresent, listedIn, selectFamily, show, VERDICTS, operatorTable, type FamilyParams } from './operators.js';
import type {
  CandidateResult,
  CheckResult,
  Decision,
  DestinationFact,
  DestinationResult,
  EffectiveCheck,
  EffectivePolicy,
  FactRef,
  Host,
  MdevDevice,
  MdevType,
  Placement,
  SourceFact,
} from './types.js';

export interface PolicyEngine {
  policy: EffectivePolicy;
  compiled: CompiledPolicy;
  /** The json-rules-engine instance, built on the first run that asks for it (the bulk path never loads the package). */
  engine(): Promise<EngineT>;
  checks: Map<string, EffectiveCheck>;
  /** Whether placement is bounded by available_instances (a capacity check is active). */
  boundedByCapacity: boolean;
  /** Per compiled rule, in order: whether its check is only a warning. */
  warnings: boolean[];
}

const engines = new WeakMap<EffectivePolicy, PolicyEngine>();

/** The compiled rules of an effective policy and their engines, built on first use and cached. */
export function buildEngine(policy: EffectivePolicy): PolicyEngine {
  const cached = engines.get(policy);
  if (cached) return cached;
  const compiled = compilePolicy(policy);
  let engine: Promise<EngineT> | undefined;
  const built: PolicyEngine = {
    policy,
    compiled,
    engine: () => (engine ??= jsonRulesEngine(compiled)),
    checks: new Map(policy.checks.map((c) => [c.id, c])),
    boundedByCapacity: policy.checks.some((c) => c.match === 'capacity'),
    warnings: compiled.rules.map((r) => policy.checks.find((c) => c.id === r.name)!.severity === 'warning'),
  };
  engines.set(policy, built);
  return built;
}

async function jsonRulesEngine(compiled: CompiledPolicy): Promise<EngineT> {
  // A CommonJS package: its named exports sit on the module or on its default, depending on the loader.
  const mod = (await import('json-rules-engine')) as unknown as { Engine?: typeof EngineT; default?: { Engine: typeof EngineT } };
  const Engine = (mod.Engine ?? mod.default?.Engine)!;
  const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: resolvePath });
  for (const [name, fn] of Object.entries(operatorTable())) engine.addOperator(name, fn);
  engine.addFact('family', async (raw: Record<string, unknown>, almanac) => {
    const params = raw as unknown as FamilyParams;
    const fact = (await almanac.factValue(params.side)) as SourceFact | DestinationFact | undefined;
    return selectFamily(fact?.type, params);
  });
  for (const rule of compiled.rules) engine.addRule(rule as never);
  return engine;
}

// --- source devices -----------------------------------------------------------

export interface SourceDevice {
  device: MdevDevice;
  fact: SourceFact;
  /** The engine of the effective policy for this device's type (base + the overlays that apply to it). */
  engine: PolicyEngine;
  /** False when the device's parent does not list its type: nothing is known of it, so it fails closed. */
  known: boolean;
}

/** A single effective policy seen as a policy set (every overlay in it applies to every type). */
export function asPolicySet(policy: PolicySet | EffectivePolicy): PolicySet {
  if ('forType' in policy) return policy;
  return {
    policy: policy.policy,
    mode: policy.mode,
    modes: policy.modes,
    overlays: policy.overlays,
    warnings: [],
    applicable: () => policy.overlays.map(() => true),
    forType: () => policy,
  };
}

/** The most source devices one decision places (a VM's mdevs are a handful). */
export const MAX_SOURCE_DEVICES = 64;

/** The source devices to migrate: those named (in that order), or every device on the host. */
export function selectSourceDevices(host: Host, uuids: readonly string[] | undefined, policies: PolicySet): { devices: SourceDevice[]; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  let chosen: MdevDevice[];
  if (uuids && uuids.length > 0) {
    chosen = [];
    for (const u of uuids) {
      const d = host.devices.find((x) => x.uuid === u.toLowerCase());
      if (d) {
        if (!chosen.includes(d)) chosen.push(d);
      } else {
        errors.push(
          diagnostic('unknown-device', `host \`${host.name}\` has no device \`${u}\``, host.file ? { file: host.file } : {}, {
            hint: didYouMean(u, host.devices.map((x) => x.uuid)) ?? `devices: ${host.devices.map((x) => `\`${x.uuid}\``).join(', ') || 'none'}`,
          }),
        );
      }
    }
  } else {
    chosen = host.devices;
  }
  // One VM's devices: a handful in practice. A bound keeps a hostile source
  // from turning placement (a matching over devices × candidates) into a hang.
  if (errors.length === 0 && chosen.length > MAX_SOURCE_DEVICES) {
    errors.push(
      diagnostic('input-too-large', `${chosen.length} source devices: more than ${MAX_SOURCE_DEVICES}, the most one decision takes`, host.file ? { file: host.file } : {}, {
        hint: 'name the VM\'s devices with --device',
      }),
    );
    chosen = [];
  }
  if (errors.length === 0 && chosen.length === 0) {
    errors.push(diagnostic('unknown-device', `source host \`${host.name}\` has no mdev device to migrate`, host.file ? { file: host.file } : {}));
  }
  const devices = chosen.map((device) => {
    const listed = host.parents.find((p) => p.id === device.parent)?.types.find((t) => t.id === device.type);
    const type: MdevType = listed ?? { id: device.type, attributes: Object.create(null) };
    const fact: SourceFact = {
      host: host.name,
      parent: device.parent,
      type,
      device: { uuid: device.uuid, attributes: device.attributes },
    };
    return { device, fact, known: listed !== undefined, engine: buildEngine(policies.forType(type)) };
  });
  return { devices, errors };
}

// --- one candidate -------------------------------------------------------------

/** One rule's outcome for a candidate, from either evaluator; explanations read it. */
export interface RuleOutcome {
  name: string;
  result: boolean;
  /** For `onMissing: skip` rules: whether the absent-both condition held. */
  absentBoth?: boolean;
  /** The condition tree with results, as json-rules-engine records it (built on demand by the bulk path). */
  conditions: () => Record<string, unknown>;
}

type Facts = { source: SourceFact; destination: DestinationFact };

/** A candidate evaluated, before any explanation is built. */
export interface CandidateRun {
  source: SourceDevice;
  parent: string;
  type: MdevType;
  facts: Facts;
  outcomes: RuleOutcome[];
  compatible: boolean;
  capacity: number;
}

function finishRun(source: SourceDevice, parent: string, type: MdevType, facts: Facts, outcomes: RuleOutcome[]): CandidateRun {
  const pe = source.engine;
  let compatible = source.known;
  for (let i = 0; i < outcomes.length; i++) if (!outcomes[i]!.result && !pe.warnings[i]) compatible = false;
  const available = type.attributes.available_instances;
  return { source, parent, type, facts, outcomes, compatible, capacity: pe.boundedByCapacity ? (typeof available === 'number' ? available : 0) : Infinity };
}

function skipFlag(rule: RuleDocument, conditions: Record<string, unknown>): boolean | undefined {
  if (!('any' in rule.conditions)) return undefined;
  const first = rule.conditions.any[0];
  if (!first || !('operator' in first) || first.operator !== 'absent-both') return undefined;
  return (conditions as { any?: { result?: boolean }[] }).any?.[0]?.result === true;
}

/** Evaluate one candidate with either evaluator (for benchmarks and tests; destinations use it too). */
export async function runCandidate(engine: 'rules' | 'bulk', source: SourceDevice, destHost: Host, parent: string, type: MdevType): Promise<CandidateRun> {
  return engine === 'bulk' ? runBulk(source, destHost, parent, type) : runRules(source, destHost, parent, type);
}

/** A candidate through json-rules-engine: the reference semantics. */
async function runRules(source: SourceDevice, destHost: Host, parent: string, type: MdevType): Promise<CandidateRun> {
  const pe = source.engine;
  const facts: Facts = { source: source.fact, destination: { host: destHost.name, parent, type } };
  const run = await (await pe.engine()).run(facts);
  const byName = new Map<string, { result: boolean; conditions: Record<string, unknown> }>();
  for (const r of [...run.results, ...run.failureResults] as unknown as { name: string; result: boolean; conditions: Record<string, unknown> }[]) byName.set(r.name, r);
  const outcomes = pe.compiled.rules.map((rule): RuleOutcome => {
    const r = byName.get(rule.name) ?? { result: false, conditions: {} };
    const absent = skipFlag(rule, r.conditions);
    return { name: rule.name, result: r.result, ...(absent === undefined ? {} : { absentBoth: absent }), conditions: () => r.conditions };
  });
  return finishRun(source, parent, type, facts, outcomes);
}

/** A rule's outcome from the bulk path: its condition tree is annotated only if an explanation asks. */
class BulkOutcome implements RuleOutcome {
  absentBoth?: boolean;
  constructor(
    readonly name: string,
    readonly result: boolean,
    private readonly rule: BulkRule,
    private readonly facts: Facts,
  ) {}
  conditions(): Record<string, unknown> {
    return annotate(this.rule.conditions, this.facts);
  }
}

/** A candidate through the bulk evaluator: the same rules as closures, explanations on demand. */
export function runBulk(source: SourceDevice, destHost: Host, parent: string, type: MdevType): CandidateRun {
  const facts: Facts = { source: source.fact, destination: { host: destHost.name, parent, type } };
  const rules = bulkRulesOf(source.engine);
  const outcomes: RuleOutcome[] = new Array(rules.length);
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.skipped) {
      // any: [absent-both, match]: the absent-both leaf once, then the match only when needed.
      const absent = rule.skipped(facts);
      const o = new BulkOutcome(rule.name, absent || rule.match!(facts), rule, facts);
      o.absentBoth = absent;
      outcomes[i] = o;
    } else {
      outcomes[i] = new BulkOutcome(rule.name, rule.test(facts), rule, facts);
    }
  }
  return finishRun(source, parent, type, facts, outcomes);
}

const bulkRules = new WeakMap<PolicyEngine, BulkRule[]>();
function bulkRulesOf(pe: PolicyEngine): BulkRule[] {
  let rules = bulkRules.get(pe);
  if (!rules) {
    rules = pe.compiled.rules.map(compileBulkRule);
    bulkRules.set(pe, rules);
  }
  return rules;
}

function readOperand(ref: FactRef, facts: Facts): unknown {
  if (ref.fact === 'family') {
    const params = ref.params as unknown as FamilyParams;
    return selectFamily(facts[params.side].type, params);
  }
  const fact = ref.fact === 'source' ? facts.source : facts.destination;
  return ref.path ? resolvePath(fact, ref.path) : fact;
}

function explainCheck(check: EffectiveCheck, outcome: RuleOutcome, facts: Facts): { result: CheckResult; claims?: Record<string, string | string[]> } {
  const base = { id: check.id, origin: check.origin } as CheckResult;
  if (check.match) base.match = check.match;
  if (check.note !== undefined) base.note = check.note;
  const ops = checkOperands(check);
  const t = check.target;

  if (check.match === 'ignore' && t.kind !== 'when') {
    return { result: { ...base, result: 'skip', message: check.note ?? 'ignored by this policy' } };
  }
  if (t.kind === 'when' || !ops) {
    const failing = outcome.result ? [] : failingLeaves(outcome.conditions());
    const message = outcome.result ? 'condition holds' : failing.length > 0 ? failing.join('; ') : 'condition does not hold';
    return { result: withOutcome(base, check, outcome.result ? 'pass' : 'fail', message) };
  }

  let src = readOperand(ops.source, facts);
  const dst = readOperand(ops.destination, facts);
  const skipped = check.onMissing === 'skip' && outcome.absentBoth === true && absentBoth(src, dst);
  let message: string;
  let claims: Record<string, string | string[]> | undefined;
  const label = t.kind === 'attribute' ? t.name : undefined;

  if (check.match === 'sync') {
    const names = t.kind === 'list' ? t.names : typeof src === 'string' || Array.isArray(src) ? splitList(src as string | string[]) : [];
    const attrs = facts.source.device.attributes;
    const set: Record<string, string | string[]> = {};
    for (const n of names) if (Object.hasOwn(attrs, n) && isPresent(attrs[n])) set[n] = attrs[n]!;
    if (t.kind === 'attribute') {
      const onDevice = VERDICTS['names-set-on']!(src, attrs);
      const listed = VERDICTS.superset!(src, dst);
      message = !onDevice.ok ? onDevice.reason : !listed.ok ? `destination type does not list them in ${t.name}: ${listed.reason}` : `set ${Object.entries(set).map(([k, v]) => `${k}=${show(v)}`).join(', ')} on the destination device`;
    } else {
      const v = VERDICTS['has-values']!(attrs, names);
      message = v.ok ? `set ${Object.entries(set).map(([k, v2]) => `${k}=${show(v2)}`).join(', ')} on the destination device` : v.reason;
    }
    src = names.length > 0 ? set : src;
    if (outcome.result) claims = set;
  } else if (check.match === 'capacity') {
    message = VERDICTS.capacity!(dst, 1).reason;
    src = undefined;
  } else if (check.match === 'equal-or-listed') {
    const same = VERDICTS.equal!(src, dst);
    const listed = listedIn(src, resolvePath(facts.destination, attributePath('compatible_type')));
    message = same.ok ? same.reason : listed.ok ? listed.reason : `${same.reason}, and ${listed.reason}`;
  } else {
    message = VERDICTS[matchOperator(check)]!(src, dst).reason;
  }
  if (skipped) message = `absent on both sides: skipped (onMissing: skip)`;
  if (label && !skipped && !outcome.result) message = `${label}: ${message}`;
  const result = withOutcome(base, check, skipped ? 'skip' : outcome.result ? 'pass' : 'fail', message, { source: src, destination: dst });
  return claims ? { result, claims } : { result };
}

function withOutcome(base: CheckResult, check: EffectiveCheck, outcome: CheckResult['result'], message: string, values: { source?: unknown; destination?: unknown } = {}): CheckResult {
  // The documented key order: id, result, severity, origin, match, source, destination, message, note.
  const r = (
    outcome === 'fail' && check.severity === 'warning'
      ? { id: base.id, result: outcome, severity: 'warning', origin: base.origin }
      : { id: base.id, result: outcome, origin: base.origin }
  ) as CheckResult;
  if (base.match !== undefined) r.match = base.match;
  if (values.source !== undefined) r.source = values.source;
  if (values.destination !== undefined) r.destination = values.destination;
  r.message = message;
  if (base.note !== undefined) r.note = base.note;
  return r;
}

function failingLeaves(c: Record<string, unknown>): string[] {
  if (Array.isArray(c.all)) return (c.all as Record<string, unknown>[]).filter((x) => x.result === false).flatMap(failingLeaves);
  if (Array.isArray(c.any)) return (c.any as Record<string, unknown>[]).flatMap(failingLeaves);
  if (c.not && typeof c.not === 'object') {
    const inner = c.not as Record<string, unknown>;
    return [`not (${describeLeaf(inner)})`];
  }
  return [describeLeaf(c)];
}

function describeLeaf(c: Record<string, unknown>): string {
  if (!('fact' in c)) return 'a nested condition';
  if (c.operator === 'present') {
    const value = c.value as FactRef | unknown;
    const other = value !== null && typeof value === 'object' && 'fact' in (value as object) ? ` or ${(value as FactRef).fact} ${(value as FactRef).path ?? ''}` : '';
    return `${String(c.fact)} ${String(c.path ?? '')}${other} is missing, so the \`not\` cannot hold (fail closed)`.replace(/\s+/g, ' ');
  }
  const value = c.value as FactRef | unknown;
  const rhs = value !== null && typeof value === 'object' && !Array.isArray(value) && 'fact' in (value as object) ? `${(value as FactRef).fact} ${(value as FactRef).path ?? ''}`.trim() : show(value);
  return `${String(c.fact)} ${String(c.path ?? '')} ${String(c.operator)} ${rhs}: ${show(c.factResult)} vs ${show(c.valueResult)}`.replace(/\s+/g, ' ');
}

const UNKNOWN_TYPE = (s: SourceDevice): CheckResult => ({
  id: 'source-type',
  result: 'fail',
  origin: 'mdev-policy',
  message: `parent \`${s.device.parent}\` of the source does not list type \`${s.device.type}\`: nothing is known of it, so it cannot be matched`,
});

/** The check results of a candidate: every check, or only those that failed (errors and warnings). */
export function explainRun(run: CandidateRun, which: 'all' | 'failing'): CandidateResult {
  const pe = run.source.engine;
  const checks: CheckResult[] = [];
  for (const o of run.outcomes) {
    if (which === 'failing' && o.result) continue;
    checks.push(explainCheck(pe.checks.get(o.name)!, o, run.facts).result);
  }
  if (!run.source.known) checks.push(UNKNOWN_TYPE(run.source));
  return { device: run.source.device.uuid, parent: run.parent, type: run.type.id, compatible: run.compatible, checks };
}

/** The claim plan of a candidate: the values its passing sync checks carry over. */
function claimsOf(run: CandidateRun): Record<string, string | string[]> {
  const pe = run.source.engine;
  const claims: Record<string, string | string[]> = {};
  for (const o of run.outcomes) {
    const check = pe.checks.get(o.name)!;
    if (check.match !== 'sync' || !o.result) continue;
    Object.assign(claims, explainCheck(check, o, run.facts).claims ?? {});
  }
  return claims;
}

// --- placement -------------------------------------------------------------------

/**
 * Assign every source device its own compatible (parent, type) with each used no
 * more than its capacity: a bipartite matching by augmenting paths (Kuhn), so a
 * device that first-fit would strand is moved to free room for another.
 * Candidates of the device's own type are tried first.
 */
export function placeDevices(devices: string[], options: Map<string, { slot: string; capacity: number }[]>): Map<string, string> | undefined {
  const assigned = new Map<string, string[]>(); // slot → devices
  const capacityOf = new Map<string, number>();
  for (const list of options.values()) for (const o of list) capacityOf.set(o.slot, o.capacity);
  const deviceSlot = new Map<string, string>();
  const tryPlace = (device: string, seen: Set<string>): boolean => {
    const mine = options.get(device) ?? [];
    // A free slot first (first-fit when it works), so devices move only when they must.
    for (const { slot } of mine) {
      const holders = assigned.get(slot) ?? [];
      if (!seen.has(slot) && holders.length < (capacityOf.get(slot) ?? 0)) {
        seen.add(slot);
        holders.push(device);
        assigned.set(slot, holders);
        deviceSlot.set(device, slot);
        return true;
      }
    }
    // Else an augmenting path: move a holder of a full slot elsewhere.
    for (const { slot } of mine) {
      if (seen.has(slot)) continue;
      seen.add(slot);
      const holders = assigned.get(slot) ?? [];
      for (let i = 0; i < holders.length; i++) {
        if (tryPlace(holders[i]!, seen)) {
          holders[i] = device;
          deviceSlot.set(device, slot);
          return true;
        }
      }
    }
    return false;
  };
  for (const d of devices) if (!tryPlace(d, new Set())) return undefined;
  return deviceSlot;
}

export interface DestinationOptions {
  /** `rules`: json-rules-engine (the reference); `bulk`: the same rules as synchronous closures. */
  engine?: 'rules' | 'bulk';
  /** Which check results each candidate lists. */
  detail?: 'all' | 'failing';
  /**
   * Skip, without evaluating, the candidates that differ from a source device
   * in a value an `equal` gate check requires (the type id outside cross-type
   * mode, device_api): they are counted in `pruned`, not listed.
   */
  prune?: boolean;
}

/** Evaluate one destination host for all source devices. */
export async function evaluateDestination(sources: SourceDevice[], dest: Host, options: DestinationOptions = {}): Promise<DestinationResult> {
  const runs: CandidateRun[] = [];
  const pruned = { count: 0, by: new Set<string>() };
  for (const s of sources) {
    const gates = options.prune ? gatesOf(s) : [];
    for (const p of dest.parents) {
      for (const t of p.types) {
        const gate = gates.find((g) => !g.passes(t));
        if (gate) {
          pruned.count++;
          pruned.by.add(gate.id);
          continue;
        }
        runs.push(options.engine === 'bulk' ? runBulk(s, dest, p.id, t) : await runRules(s, dest, p.id, t));
      }
    }
  }
  const slotKey = (r: CandidateRun) => `${r.parent}\u0000${r.type.id}`;
  const choices = new Map<string, { slot: string; capacity: number }[]>();
  for (const s of sources) {
    const own = runs.filter((r) => r.source === s && r.compatible);
    own.sort((a, b) => Number(b.type.id === s.device.type) - Number(a.type.id === s.device.type));
    choices.set(s.device.uuid, own.map((r) => ({ slot: slotKey(r), capacity: r.capacity })));
  }
  const placed = sources.length > 0 ? placeDevices(sources.map((s) => s.device.uuid), choices) : undefined;
  const detail = options.detail ?? 'all';
  const result: DestinationResult = {
    host: dest.name,
    compatible: placed !== undefined,
    placement: [],
    candidates: runs.map((r) => explainRun(r, detail)),
  };
  if (pruned.count > 0) result.pruned = { candidates: pruned.count, by: [...pruned.by].sort() };
  if (dest.file !== undefined) result.file = dest.file;
  if (placed) {
    for (const s of sources) {
      const slot = placed.get(s.device.uuid)!;
      const r = runs.find((x) => x.source === s && slotKey(x) === slot)!;
      result.placement.push({ device: s.device.uuid, parent: r.parent, type: r.type.id, set: claimsOf(r) } satisfies Placement);
    }
  } else {
    result.reason = unplacedReason(sources, choices);
  }
  return result;
}

interface Gate {
  id: string;
  passes: (t: MdevType) => boolean;
}

const gateCache = new WeakMap<SourceDevice, Gate[]>();

/**
 * The pruning index of a source device: its effective policy's `equal`
 * checks on one attribute that fail, never skip, and refuse (error
 * severity). A destination type whose value differs (or is missing) fails
 * such a check for certain, so it needs no evaluation.
 */
function gatesOf(s: SourceDevice): Gate[] {
  let gates = gateCache.get(s);
  if (gates) return gates;
  gates = [];
  for (const c of s.engine.policy.checks) {
    if (c.target.kind !== 'attribute' || c.match !== 'equal' || c.onMissing !== 'fail' || c.severity !== 'error') continue;
    const name = c.target.name;
    const want = name === '@id' ? s.fact.type.id : s.fact.type.attributes[name];
    if (typeof want !== 'string') continue; // lists and numbers compare by the full rule
    gates.push({ id: c.id, passes: name === '@id' ? (t) => t.id === want : (t) => t.attributes[name] === want });
  }
  gateCache.set(s, gates);
  return gates;
}

function unplacedReason(sources: SourceDevice[], options: Map<string, unknown[]>): string {
  const without = sources.filter((s) => (options.get(s.device.uuid) ?? []).length === 0).map((s) => s.device.uuid);
  if (without.length > 0) return `no compatible candidate for ${without.map((u) => `\`${u}\``).join(', ')}`;
  return `compatible candidates exist, but not enough free instances to place all ${sources.length} devices`;
}

// --- the whole decision ----------------------------------------------------------

export interface DestinationInput {
  host?: Host;
  errors: Diagnostic[];
  warnings?: Diagnostic[];
}

export interface EvaluateOptions {
  /** A policy set (base + overlays, per source type), or one effective policy. */
  policy: PolicySet | EffectivePolicy;
  source: Host;
  devices?: readonly string[];
  destinations: Iterable<DestinationInput> | AsyncIterable<DestinationInput>;
  /** Called with each destination as soon as it is decided (for streaming output). */
  onDestination?: (d: DestinationResult) => void;
  /** Evaluator, detail and pruning for each destination (default: json-rules-engine, every check, no pruning). */
  destination?: DestinationOptions;
  /** Keep every destination in the Decision (default); false for streams, where memory must not grow with the fleet. */
  keep?: boolean;
  /** Counts of what was decided, kept even when destinations are not. */
  counts?: { destinations: number; compatible: number };
}

/** Everything `eval` decides, as the Decision document of DESIGN §3.1. */
export async function evaluate(options: EvaluateOptions): Promise<Decision> {
  const policies = asPolicySet(options.policy);
  const { devices, errors } = selectSourceDevices(options.source, options.devices, policies);
  // The overlays that applied to at least one source device, in the order given.
  const applied = policies.overlays.filter((_, i) => devices.some((d) => policies.applicable(d.fact.type)[i]));
  const decision: Decision = {
    apiVersion: 'mdev-policy/v1',
    kind: 'Decision',
    compatible: false,
    mode: policies.mode,
    policy: { ...policies.policy, overlays: applied },
    source: { host: options.source.name, devices: devices.map((d) => ({ uuid: d.device.uuid, parent: d.device.parent, type: d.device.type })) },
    destinations: [],
    errors: [...errors],
  };
  const warnings: Diagnostic[] = [];
  const counts = options.counts ?? { destinations: 0, compatible: 0 };
  if (errors.length > 0) return finish(decision, warnings);
  for await (const input of options.destinations) {
    decision.errors.push(...input.errors);
    warnings.push(...(input.warnings ?? []));
    if (!input.host) continue;
    const result = await evaluateDestination(devices, input.host, options.destination);
    counts.destinations++;
    if (result.compatible) counts.compatible++;
    if (options.keep !== false) decision.destinations.push(result);
    options.onDestination?.(result);
  }
  decision.compatible = counts.compatible > 0;
  return finish(decision, warnings);
}

function finish(decision: Decision, warnings: Diagnostic[]): Decision {
  if (warnings.length > 0) decision.warnings = warnings;
  return decision;
}

/** Exit code of a decision: 2 when any error was reported, else 0 compatible / 1 not. */
export function exitCodeOf(decision: Decision): 0 | 1 | 2 {
  if (decision.errors.length > 0) return 2;
  return decision.compatible ? 0 : 1;
}
