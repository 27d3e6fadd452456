// The json-rules-engine adapter: an effective policy's compiled rules, the
// engine that runs them (the reference semantics, DESIGN §4), built once per
// effective policy and only when first asked for — the bulk path never
// loads the package — and one candidate run through it.

import type { Engine as EngineT } from 'json-rules-engine';
import { compilePolicy, type CompiledPolicy, type RuleDocument } from '../compile.js';
import { destinationFact, resolvePath, selectSideFamily, type Facts } from '../facts.js';
import { matchOf, operatorTable } from '../matches/index.js';
import { isWhenCheck, type EffectiveCheck, type EffectivePolicy, type FamilyParams, type Host, type HostParent, type MdevType } from '../types.js';
import { finishRun, type CandidateRun, type RuleOutcome } from './run.js';
import type { SourceDevice } from './sources.js';

export interface PolicyEngine {
  policy: EffectivePolicy;
  compiled: CompiledPolicy;
  /** The json-rules-engine instance, built on the first run that asks for it. */
  engine(): Promise<EngineT>;
  checks: Map<string, EffectiveCheck>;
  /** Whether placement is bounded by available_instances (a check of a match that bounds it is active). */
  boundedByCapacity: boolean;
  /** Per compiled rule, in order: whether its check is only a warning. */
  warnings: boolean[];
}

const engines = new WeakMap<EffectivePolicy, PolicyEngine>();

/** The compiled rules of an effective policy and their engine, built on first use and cached. */
export function buildEngine(policy: EffectivePolicy): PolicyEngine {
  const cached = engines.get(policy);
  if (cached) return cached;
  const compiled = compilePolicy(policy);
  let engine: Promise<EngineT> | undefined;
  const checks = new Map(policy.checks.map((c) => [c.id, c]));
  const built: PolicyEngine = {
    policy,
    compiled,
    engine: () => (engine ??= jsonRulesEngine(compiled)),
    checks,
    boundedByCapacity: policy.checks.some((c) => !isWhenCheck(c) && matchOf(c).boundsPlacement === true),
    warnings: compiled.rules.map((r) => checks.get(r.name)!.severity === 'warning'),
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
    const fact = await almanac.factValue<Facts[FamilyParams['side']] | undefined>(params.side);
    return selectSideFamily(fact, params);
  });
  for (const rule of compiled.rules) engine.addRule(rule);
  return engine;
}

/** For `onMissing: skip` rules (`any: [absent-both, …]`): whether the absent-both condition held, as the engine recorded it. */
function skipFlag(rule: RuleDocument, conditions: Record<string, unknown>): boolean | undefined {
  if (!('any' in rule.conditions)) return undefined;
  const first = rule.conditions.any[0];
  if (!first || !('operator' in first) || first.operator !== 'absent-both') return undefined;
  return (conditions as { any?: { result?: boolean }[] }).any?.[0]?.result === true;
}

/** A candidate through json-rules-engine: the reference semantics. */
export async function runRules(source: SourceDevice, destHost: Host, parent: HostParent, type: MdevType, failOnSkip = false): Promise<CandidateRun> {
  const pe = source.engine;
  const facts: Facts = { source: source.fact, destination: destinationFact(destHost, parent, type) };
  const run = await (await pe.engine()).run(facts);
  const byName = new Map<string, { result: boolean; conditions: Record<string, unknown> }>();
  for (const r of [...run.results, ...run.failureResults] as unknown as { name: string; result: boolean; conditions: Record<string, unknown> }[]) byName.set(r.name, r);
  const outcomes = pe.compiled.rules.map((rule): RuleOutcome => {
    const r = byName.get(rule.name) ?? { result: false, conditions: {} };
    const absent = skipFlag(rule, r.conditions);
    return { name: rule.name, result: r.result, ...(absent === undefined ? {} : { absentBoth: absent }), conditions: () => r.conditions };
  });
  return finishRun(source, parent.id, type, facts, outcomes, failOnSkip);
}
