// Stage 5 — evaluate: the whole decision. For each destination, every source
// device × destination (parent, type) candidate runs through one evaluator
// (json-rules-engine, the reference, or the bulk closures), then placement
// and the claim plan — or, for a refused destination, the fixes that would
// admit the VM; destinations stream in and out one at a time. This module
// never reads files or prints.

import { diagnostic, type Diagnostic } from '../errors.js';
import { newDecisionId, now, toolInfo } from '../trace.js';
import type { PolicySet } from '../resolve.js';
import type { Decision, DestinationResult, EffectivePolicy, Fix, Host, HostParent, MdevDevice, MdevType, Placement, UnplacedCode } from '../types.js';
import { runBulk } from './bulk.js';
import { claimsOf } from './claims.js';
import { runRules } from './engine.js';
import { explainCheck, explainRun } from './explain.js';
import { destinationFixes, type DeviceForFixes, type FixTarget } from './fixes.js';
import { placeDevices, type PlacementDevice } from './placement.js';
import { gatesOf } from './prune.js';
import { skippedChecks, type CandidateRun } from './run.js';
import { asPolicySet, selectSourceDevices, type SourceDevice } from './sources.js';
import { runSpecialised } from './specialise.js';

/** The evaluators: json-rules-engine (the reference), the bulk closures, the rules specialised per source device. */
export type EngineName = 'rules' | 'bulk' | 'compiled';

/** Evaluate one candidate with any evaluator (benchmarks and tests; destinations use the same ones). */
export async function runCandidate(engine: EngineName, source: SourceDevice, destHost: Host, parent: HostParent, type: MdevType): Promise<CandidateRun> {
  return engine === 'bulk' ? runBulk(source, destHost, parent, type) : engine === 'compiled' ? runSpecialised(source, destHost, parent, type) : runRules(source, destHost, parent, type);
}

export interface DestinationOptions {
  /** `rules`: json-rules-engine (the reference); `bulk`: the same rules as synchronous closures; `compiled`: specialised per source device. */
  engine?: EngineName;
  /** Which check results each candidate lists. */
  detail?: 'all' | 'failing';
  /**
   * Skip, without evaluating, the candidates that a gate check rules out for
   * certain (the type id outside cross-type mode, device_api): they are
   * counted in `pruned`, not listed.
   */
  prune?: boolean;
  /** Checks skipped for want of data (absent on both hosts) fail instead (`--fail-on-skip`). */
  failOnSkip?: boolean;
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
        const failOnSkip = options.failOnSkip ?? false;
        runs.push(options.engine === 'bulk' ? runBulk(s, dest, p, t, failOnSkip) : options.engine === 'compiled' ? runSpecialised(s, dest, p, t, failOnSkip) : await runRules(s, dest, p, t, failOnSkip));
      }
    }
  }
  // The types already instantiated on each destination parent: under `one`, a parent running another type takes none of this one.
  const running = new Map<string, Set<string>>();
  for (const d of dest.devices) running.set(d.parent, (running.get(d.parent) ?? new Set()).add(d.type));
  const takenByAnother = (s: SourceDevice, r: CandidateRun) =>
    s.engine.boundedByCapacity && s.engine.policy.parentCapacity === 'one' && [...(running.get(r.parent) ?? [])].some((t) => t !== r.type.id);
  // Each device's compatible candidates, its own type first; the parent capacity of its policy (none: unbounded).
  const wanted = sources.map((s): PlacementDevice => {
    // A device of the VM already running here (released for it) may go only where it runs: its freed instance is its own.
    const mine = dest.reserved?.get(s.device.uuid);
    const own = runs.filter((r) => r.source === s && r.compatible && !takenByAnother(s, r) && (!mine || (r.parent === mine.parent && r.type.id === mine.type)));
    own.sort((a, b) => Number(b.type.id === s.device.type) - Number(a.type.id === s.device.type));
    return {
      id: s.device.uuid,
      options: own.map((r) => ({ parent: r.parent, type: r.type.id, available: r.capacity })),
      ...(s.engine.boundedByCapacity ? { capacity: s.engine.policy.parentCapacity } : {}),
    };
  });
  const placed = sources.length > 0 ? placeDevices(wanted) : undefined;
  const result: DestinationResult = {
    host: dest.name,
    compatible: placed?.ok === true,
    placement: [],
    candidates: runs.map((r) => explainRun(r, options.detail ?? 'all')),
  };
  if (pruned.count > 0) result.pruned = { candidates: pruned.count, by: [...pruned.by].sort() };
  if (dest.file !== undefined) result.file = dest.file;
  if (placed?.ok) {
    const skipped = new Set<string>();
    for (const s of sources) {
      const o = placed.placed.get(s.device.uuid)!;
      const r = runs.find((x) => x.source === s && x.parent === o.parent && x.type.id === o.type)!;
      result.placement.push({ device: s.device.uuid, parent: r.parent, type: r.type.id, set: claimsOf(r) } satisfies Placement);
      for (const id of skippedChecks(r)) skipped.add(id);
    }
    if (skipped.size > 0) result.skipped = [...skipped];
    const stale = dest.reserved && preparedMismatch(result.placement, dest.reserved);
    if (stale) {
      result.compatible = false;
      result.placement = [];
      delete result.skipped;
      result.reason = stale;
      result.reasonCode = 'prepared-mismatch';
    }
  } else if (placed) {
    const pinned = sources.find((s, i) => dest.reserved?.has(s.device.uuid) && wanted[i]!.options.length === 0);
    const held = pinned && dest.reserved!.get(pinned.device.uuid)!;
    result.reason = held
      ? `\`${held.uuid}\` already runs here as ${held.type} on ${held.parent} (the VM's own device, made ready for it), and that is no compatible candidate for it`
      : placed.reason;
    result.reasonCode = placed.code;
    const fixes = refusalFixes(sources, runs, wanted, placed.code, { host: dest, failOnSkip: options.failOnSkip ?? false, running });
    if (fixes.length > 0) result.fixes = fixes;
  }
  return result;
}

/** The fixes that together would admit the VM on a destination refused with `code` (src/evaluate/fixes.ts), from its candidate runs. */
function refusalFixes(sources: SourceDevice[], runs: CandidateRun[], wanted: PlacementDevice[], code: UnplacedCode, target: FixTarget): Fix[] {
  const dest = target.host;
  const devices = sources.map((s, i): DeviceForFixes => {
    // A device of the VM already running here may go only where it runs: only that candidate can be fixed for it.
    const mine = dest.reserved?.get(s.device.uuid);
    const refused: DeviceForFixes['refused'] = [];
    for (const r of runs) {
      if (r.source !== s || r.compatible || (mine && (r.parent !== mine.parent || r.type.id !== mine.type))) continue;
      // finishRun's count: error-severity rules that failed (with failOnSkip, skipped too); an unknown source type is one more.
      const failed = r.outcomes.filter((o, k) => (!o.result || (r.failOnSkip && o.absentBoth === true)) && !s.engine.warnings[k]);
      let memo: Fix[] | undefined;
      // Explained once: the search for a set that admits may ask a candidate's fixes many times.
      const fixes = () => (memo ??= failed.flatMap((o) => explainCheck(s.engine.checks.get(o.name)!, o, r.facts, r.failOnSkip).fixes ?? []));
      refused.push({ parent: r.parent, type: r.type.id, failing: failed.length + (s.known ? 0 : 1), fixes, available: r.capacity });
    }
    const options = wanted[i]!.options;
    const blocked = runs.some((r) => r.source === s && r.compatible && !options.some((o) => o.parent === r.parent && o.type === r.type.id));
    return { source: s, placement: wanted[i]!, ownType: s.device.type, refused, ...(blocked ? { blocked } : {}) };
  });
  return destinationFixes(devices, code, target);
}

/** The most candidates (source devices × destination types) one destination may make; beyond, it is refused as input-too-large. */
export const MAX_CANDIDATES_PER_DESTINATION = 20_000;

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

/**
 * The Decision before any destination: the policy (with the overlays that
 * applied to a source device), the source devices selected, and the errors of
 * that selection.
 */
export function decisionHead(policy: PolicySet | EffectivePolicy, source: Host, uuids?: readonly string[]): { decision: Decision; devices: SourceDevice[] } {
  const policies = asPolicySet(policy);
  const { devices, errors } = selectSourceDevices(source, uuids, policies);
  // The overlays that applied to at least one source device, in the order given.
  const applied = policies.overlays.filter((_, i) => devices.some((d) => policies.applicable(d.fact.type)[i]));
  // The id and the policy digest are made when first read (JSON output, a decision log line), not for a text report;
  // each is made once, so every reader sees the same.
  let id: string | undefined;
  const decision: Decision = {
    apiVersion: 'mdev-policy/v1',
    kind: 'Decision',
    get id() {
      return (id ??= newDecisionId());
    },
    time: now(),
    tool: toolInfo(),
    compatible: false,
    mode: policies.mode,
    policy: {
      ...policies.policy,
      overlays: applied,
      get digest() {
        return policies.digest;
      },
    },
    source: { host: source.name, devices: devices.map((d) => ({ uuid: d.device.uuid, parent: d.device.parent, type: d.device.type })) },
    destinations: [],
    errors: [...errors],
  };
  return { decision, devices };
}

/** The error of a destination making more candidates than one decision step may hold (every candidate is kept until it is placed). */
export function tooManyCandidates(host: { name: string; file?: string }, devices: number, types: number): Diagnostic | undefined {
  const candidates = devices * types;
  if (candidates <= MAX_CANDIDATES_PER_DESTINATION) return undefined;
  return diagnostic('input-too-large', `destination \`${host.name}\` makes ${candidates} candidates (${devices} source devices × its mdev types): more than ${MAX_CANDIDATES_PER_DESTINATION}`, host.file ? { file: host.file } : {}, {
    hint: "name the VM's devices with --device, or check that this host descriptor is what collect produced",
  });
}

/** Everything `eval` decides, as the Decision document of DESIGN §3.1. */
export async function evaluate(options: EvaluateOptions): Promise<Decision> {
  const { decision, devices } = decisionHead(options.policy, options.source, options.devices);
  const errors = decision.errors.slice();
  const warnings: Diagnostic[] = [];
  const counts = options.counts ?? { destinations: 0, compatible: 0 };
  if (errors.length === 0) {
    for await (const input of options.destinations) {
      decision.errors.push(...input.errors);
      warnings.push(...(input.warnings ?? []));
      if (!input.host) continue;
      if (sameHost(input.host.name, options.source.name)) {
        // A fleet inventory usually holds the source too: it is reported as such, never a candidate, never counted.
        const self = sourceAsDestination(input.host);
        if (options.keep !== false) decision.destinations.push(self);
        options.onDestination?.(self);
        continue;
      }
      const tooMany = tooManyCandidates(input.host, devices.length, input.host.parents.reduce((n, p) => n + p.types.length, 0));
      if (tooMany) {
        decision.errors.push(tooMany);
        continue;
      }
      const result = await evaluateDestination(devices, input.host, options.destination);
      counts.destinations++;
      if (result.compatible) counts.compatible++;
      if (options.keep !== false) decision.destinations.push(result);
      options.onDestination?.(result);
    }
    decision.compatible = counts.compatible > 0;
  }
  if (warnings.length > 0) decision.warnings = warnings;
  return decision;
}

/** Host names are DNS names: the same host whatever the letter case or surrounding blanks. */
export function sameHost(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export function sourceAsDestination(host: { name: string; file?: string }): DestinationResult {
  return {
    host: host.name,
    ...(host.file !== undefined ? { file: host.file } : {}),
    isSource: true,
    compatible: false,
    reason: 'this is the source host: a VM does not migrate to the host it runs on',
    placement: [],
    candidates: [],
  };
}

/** Exit code of a decision: 2 when any error was reported, else 0 compatible / 1 not. */
export function exitCodeOf(decision: Decision): 0 | 1 | 2 {
  if (decision.errors.length > 0) return 2;
  return decision.compatible ? 0 : 1;
}

/** Why the VM's own devices already running on a destination cannot serve as planned: a synced value differs from the one it must be given. */
function preparedMismatch(placement: readonly Placement[], reserved: ReadonlyMap<string, MdevDevice>): string | undefined {
  const same = (a: string | string[] | undefined, b: string | string[]) => (Array.isArray(b) ? Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]) : a === b);
  for (const p of placement) {
    const held = reserved.get(p.device);
    if (!held) continue;
    for (const [name, value] of Object.entries(p.set)) {
      if (!same(held.attributes[name], value)) {
        const shown = (v: string | string[] | undefined) => (v === undefined ? 'none' : `\`${Array.isArray(v) ? v.join(', ') : v}\``);
        return `\`${p.device}\` already runs here (the VM's own device, made ready for it) with ${name} ${shown(held.attributes[name])}, not ${shown(value)}: stop it (\`mdevctl stop\`) and run the plan again`;
      }
    }
  }
  return undefined;
}
