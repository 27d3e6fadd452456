// Policy test suites (DESIGN §6): a TestSuite document names a policy and
// cases (source, destinations, mode, expected verdict); each case runs the
// same pipeline as `eval` and is compared on verdict, failing check ids and
// claim plan — never on wording. Paths are relative to the suite file.
// What differed is reported as data (a Problem of kind `verdict`, `failing`
// or `set`, with the expected and actual values); describeProblem gives the
// one line the CLI prints. Each case report also holds the expectation and
// what the decision gave (verdict, failing ids, claim plan), for the machine
// formats (src/formats/). A case name used twice in one suite is an error
// (as ESLint's RuleTester refuses duplicate cases): a report line must name
// one case. Options select cases by name (`--run`; the others are not run
// and not reported) and record what check coverage needs (src/coverage.ts).

import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { diagnostic, quote, sortDiagnostics, type Diagnostic } from './errors.js';
import { evaluate, type DestinationInput } from './evaluate/decision.js';
import { loadHost, loadOverlay, loadPolicySource } from './inputs.js';
import { DEFAULT_LIMITS, loadFile, systemMessage, type SourceDocument } from './load.js';
import { normalizeHost } from './normalize.js';
import { checkPolicySet, resolvePolicySet } from './resolve.js';
import { checksExercised, checksOfDocuments, type ExercisedCheck, type SuiteCoverage } from './coverage.js';
import { validateDocument } from './validate.js';
import type { Decision, Host, WrittenHost } from './types.js';

type HostRef = { file: string; devices?: string[] } | (WrittenHost & { devices?: undefined; file?: undefined });

interface WrittenCase {
  name: string;
  mode?: string;
  source: HostRef;
  destination?: HostRef;
  destinations?: HostRef[];
  expect: Expectation;
}

/** What a case expects, as written. */
export interface Expectation {
  compatible: boolean;
  failing?: string[];
  set?: Record<string, string | string[]>;
}

/** What the decision gave, in the terms of an expectation: the verdict, the failing check ids (failingIds) and the claim plan of the first compatible destination. */
export interface Outcome {
  compatible: boolean;
  failing: string[];
  set: Record<string, unknown>;
}

export interface WrittenSuite {
  metadata: { name: string };
  spec: { policy: string; overlays?: string[]; cases: WrittenCase[] };
}

/** One difference between a case's expectation and the decision, as data. */
export type Problem =
  | { kind: 'verdict'; expected: boolean; actual: boolean }
  | { kind: 'failing'; expected: string[]; actual: string[] }
  | { kind: 'set'; expected: Record<string, string | string[]>; actual: Record<string, unknown> };

export type ProblemKind = Problem['kind'];

export interface CaseReport {
  name: string;
  passed: boolean;
  /** What differed from the expectation, one entry per difference, in the order verdict, failing, set. */
  problems: Problem[];
  errors: Diagnostic[];
  /** The mode the case ran in (absent when its policy could not be resolved for it). */
  mode?: string;
  expected: Expectation;
  /** What the decision gave (absent when the case could not be evaluated: see `errors`). */
  actual?: Outcome;
  /** With the `coverage` option: each check the case evaluated, by origin, id, mode and result (once each). */
  checks?: ExercisedCheck[];
}

export interface SuiteReport {
  file: string;
  name?: string;
  /** The cases run: all of them, or those the `select` option accepted, in written order. */
  cases: CaseReport[];
  /** Errors that stopped the whole suite from running (unreadable suite or policy). */
  errors: Diagnostic[];
  /** With the `coverage` option: the checks of the policy and overlays the suite uses (for the modes its cases ran in). */
  coverage?: SuiteCoverage;
}

export interface SuiteRunOptions {
  /** Run only the cases whose name this accepts; the others are neither run nor reported. Default: every case. */
  select?: (name: string) => boolean;
  /** Record the checks each case evaluated and the checks of the suite's documents (src/coverage.ts). */
  coverage?: boolean;
}

/**
 * Every *.test.yaml / *.test.yml / *.test.json below the given files and
 * directories, sorted. Links are followed, but each real directory and file is
 * visited once (by its real path): a link back up the tree (`a -> .`) is a
 * cycle that ends at once, and two of them do not multiply the walk.
 */
export async function findSuites(paths: readonly string[]): Promise<{ files: string[]; errors: Diagnostic[] }> {
  const files: string[] = [];
  const errors: Diagnostic[] = [];
  const seen = new Set<string>();
  const unreadable = (p: string, e: unknown, what = 'cannot read') =>
    errors.push(diagnostic('file-unreadable', `${what}: ${(e as NodeJS.ErrnoException)?.code === 'ELOOP' ? 'a link cycle' : systemMessage(e)}`, { file: p }));
  const visit = async (p: string, named: boolean): Promise<void> => {
    let real;
    let info;
    try {
      real = await realpath(p);
      info = await stat(real);
    } catch (e) {
      unreadable(p, e);
      return;
    }
    if (seen.has(real)) return;
    if (info.isDirectory()) {
      seen.add(real);
      let entries;
      try {
        entries = await readdir(p);
      } catch (e) {
        unreadable(p, e, 'cannot read directory');
        return;
      }
      for (const entry of entries.sort()) if (entry !== 'node_modules') await visit(path.join(p, entry), false);
    } else if (named || /\.test\.(ya?ml|json)$/i.test(p)) {
      // A file found in a directory is read only when it is a regular file (a FIFO or a device there would block or never end).
      if (!named && !info.isFile()) {
        errors.push(diagnostic('file-unreadable', 'not a regular file: not read', { file: p }));
        return;
      }
      seen.add(real);
      files.push(p);
    }
  };
  for (const p of paths) await visit(p, true);
  return { files, errors };
}

async function hostFrom(ref: HostRef, base: string, doc: SourceDocument, at: (string | number)[]): Promise<{ host?: Host; devices?: string[]; errors: Diagnostic[] }> {
  if (typeof ref.file === 'string') {
    const loaded = await loadHost(path.resolve(base, ref.file));
    return { ...(loaded.ok ? { host: loaded.value } : {}), ...(ref.devices ? { devices: ref.devices } : {}), errors: loaded.errors };
  }
  const v = validateDocument<WrittenHost>({ ...doc, data: ref, locate: (p, key) => doc.locate([...at, ...p], key) }, ['Host']);
  if (!v.value) return { errors: v.errors };
  const n = normalizeHost(v.value, doc);
  return n.ok ? { host: n.value, errors: [] } : { errors: n.errors };
}

/** The failing check ids the expectation is compared with (see the TestSuite schema). */
export function failingIds(decision: Decision): string[] {
  // A candidate's own type is its device's: with devices of several types, another device's type is not.
  const typeOf = new Map(decision.source.devices.map((d) => [d.uuid, d.type]));
  const all = decision.destinations.flatMap((d) => d.candidates);
  const own = all.filter((c) => typeOf.get(c.device) === c.type);
  const considered = own.length > 0 ? own : all;
  return [...new Set(considered.flatMap((c) => c.checks.filter((k) => k.result === 'fail').map((k) => k.id)))].sort();
}

export async function runSuiteFile(file: string, options: SuiteRunOptions = {}): Promise<SuiteReport> {
  const loaded = await loadFile(file, DEFAULT_LIMITS);
  if (!loaded.value) return { file, cases: [], errors: loaded.errors };
  const doc = loaded.value;
  const v = validateDocument<WrittenSuite>(doc, ['TestSuite']);
  if (!v.value) return { file, cases: [], errors: v.errors };
  const suite = v.value;
  const duplicates = duplicateCaseNames(suite, doc);
  if (duplicates.length > 0) return { file, name: suite.metadata.name, cases: [], errors: duplicates };
  const base = path.dirname(file);
  const policySource = await loadPolicySource(path.resolve(base, suite.spec.policy));
  const overlays = await Promise.all((suite.spec.overlays ?? []).map((o) => loadOverlay(path.resolve(base, o))));
  const loadErrors = [...policySource.errors, ...overlays.flatMap((o) => o.errors)];
  if (loadErrors.length === 0) loadErrors.push(...checkPolicySet(policySource.value!, overlays.map((o) => o.value!)).errors);
  if (loadErrors.length > 0) return { file, name: suite.metadata.name, cases: [], errors: loadErrors };
  const cases: CaseReport[] = [];
  const modes = new Set<string>();
  for (const [i, c] of suite.spec.cases.entries()) {
    if (options.select && !options.select(c.name)) continue;
    const at = ['spec', 'cases', i];
    const errors: Diagnostic[] = [];
    const problems: Problem[] = [];
    let actual: Outcome | undefined;
    let checks: ExercisedCheck[] | undefined;
    const policy = resolvePolicySet(policySource.value!, overlays.map((o) => o.value!), c.mode);
    if (policy.value) modes.add(policy.value.mode);
    errors.push(...policy.errors.map((e) => (e.file ? e : { ...e, ...doc.locate([...at, 'mode']) })));
    const source = await hostFrom(c.source, base, doc, [...at, 'source']);
    errors.push(...source.errors);
    const refs = c.destinations ?? (c.destination ? [c.destination] : []);
    const destinations: DestinationInput[] = [];
    for (const [j, r] of refs.entries()) {
      const d = await hostFrom(r, base, doc, c.destinations ? [...at, 'destinations', j] : [...at, 'destination']);
      destinations.push({ ...(d.host ? { host: d.host } : {}), errors: d.errors });
    }
    if (policy.value && source.host && errors.length === 0) {
      const decision = await evaluate({ policy: policy.value, source: source.host, devices: source.devices, destinations });
      errors.push(...decision.errors);
      if (decision.errors.length === 0) {
        actual = outcomeOf(decision);
        problems.push(...compare(c, actual));
      }
      if (options.coverage) checks = checksExercised(decision, policy.value.mode);
    }
    cases.push({
      name: c.name,
      passed: errors.length === 0 && problems.length === 0,
      problems,
      errors,
      ...(policy.value ? { mode: policy.value.mode } : {}),
      expected: structuredClone(c.expect),
      ...(actual ? { actual } : {}),
      ...(checks ? { checks } : {}),
    });
  }
  const report: SuiteReport = { file, name: suite.metadata.name, cases, errors: [] };
  if (options.coverage) report.coverage = { documents: checksOfDocuments(policySource.value!, overlays.map((o) => o.value!), [...modes]) };
  return report;
}

/** A case name used before in the same suite: `duplicate-case` at the later name, pointing back at the first. */
export function duplicateCaseNames(suite: WrittenSuite, doc: SourceDocument): Diagnostic[] {
  const first = new Map<string, number>();
  const errors: Diagnostic[] = [];
  for (const [i, c] of suite.spec.cases.entries()) {
    const seen = first.get(c.name);
    if (seen === undefined) {
      first.set(c.name, i);
      continue;
    }
    const earlier = doc.locate(['spec', 'cases', seen, 'name']);
    errors.push(
      diagnostic('duplicate-case', `case name ${quote(c.name)} is used twice in this suite`, doc.locate(['spec', 'cases', i, 'name']), {
        hint: `first used${earlier.line === undefined ? '' : ` at line ${earlier.line}`}; give each case its own name so a report line names one case`,
      }),
    );
  }
  return errors;
}

/** The decision in the terms a case expects. */
function outcomeOf(decision: Decision): Outcome {
  const placed = decision.destinations.find((d) => d.compatible);
  const set: Record<string, unknown> = {};
  for (const p of placed?.placement ?? []) Object.assign(set, p.set);
  return { compatible: decision.compatible, failing: failingIds(decision), set };
}

function compare(c: WrittenCase, actual: Outcome): Problem[] {
  const problems: Problem[] = [];
  if (actual.compatible !== c.expect.compatible) problems.push({ kind: 'verdict', expected: c.expect.compatible, actual: actual.compatible });
  if (c.expect.failing) {
    const want = [...new Set(c.expect.failing)].sort();
    const got = actual.failing;
    if (want.join(',') !== got.join(',')) problems.push({ kind: 'failing', expected: want, actual: got });
  }
  if (c.expect.set) {
    const got = actual.set;
    const want = c.expect.set;
    const same = Object.keys(want).length === Object.keys(got).length && Object.entries(want).every(([k, v]) => Object.hasOwn(got, k) && JSON.stringify(got[k]) === JSON.stringify(v));
    if (!same) problems.push({ kind: 'set', expected: want, actual: got });
  }
  return problems;
}

// --- a whole run, for the machine formats (json here; junit and tap in src/formats/) ---

/** A run of `mdev-policy test`: the suites run, in order, and the errors outside any suite (paths, usage). */
export interface TestRun {
  suites: SuiteReport[];
  /** Errors that belong to no suite report: a path that cannot be read, no suite found, no case selected. */
  errors: Diagnostic[];
}

/** The suites a report shows: those with a case run, or with errors (a suite none of whose cases `--run` selected is left out). */
export function reportedSuites(run: TestRun): SuiteReport[] {
  return run.suites.filter((s) => s.cases.length > 0 || s.errors.length > 0);
}

/** Cases passed and failed (a case that could not be evaluated failed). */
export function countCases(run: TestRun): { passed: number; failed: number } {
  const cases = run.suites.flatMap((s) => s.cases);
  const passed = cases.filter((c) => c.passed).length;
  return { passed, failed: cases.length - passed };
}

/** Every error of the run, suites' and others, sorted as stderr shows them: non-empty exactly when the exit status is 2. */
export function runErrors(run: TestRun): Diagnostic[] {
  return sortDiagnostics([...run.errors, ...run.suites.flatMap((s) => s.errors)]);
}

/**
 * Why a case failed, on one line, from its problems and errors: `expected
 * compatible, got not compatible; failing checks expected [a] got [b]`.
 * Empty for a case that passed.
 */
export function caseFailureMessage(c: CaseReport): string {
  const verdict = (v: boolean) => (v ? 'compatible' : 'not compatible');
  const parts = c.problems.map((p) => {
    switch (p.kind) {
      case 'verdict': {
        // The checks that refused it, when the case did not name them (a failing-set problem names them itself).
        const failing = c.problems.some((q) => q.kind === 'failing') ? [] : (c.actual?.failing ?? []);
        return `expected ${verdict(p.expected)}, got ${verdict(p.actual)}${failing.length > 0 ? ` (failing: ${failing.join(', ')})` : ''}`;
      }
      case 'failing':
        return `failing checks expected [${p.expected.join(', ')}] got [${p.actual.join(', ')}]`;
      case 'set':
        return `claim plan expected ${JSON.stringify(p.expected)} got ${JSON.stringify(p.actual)}`;
    }
  });
  if (c.errors.length > 0) parts.push(`could not be evaluated: ${c.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
  return parts.join('; ').replace(/\s*\n\s*/g, ' ');
}

export interface TestReport {
  apiVersion: 'mdev-policy/v1';
  kind: 'TestReport';
  tool: { name: string; version: string };
  passed: number;
  failed: number;
  suites: {
    file: string;
    name?: string;
    cases: { name: string; passed: boolean; mode?: string; expected: Expectation; actual?: Outcome; problems: Problem[]; errors: Diagnostic[] }[];
    errors: Diagnostic[];
  }[];
  /** Every error of the run (each suite's too): non-empty exactly when the exit status is 2. */
  errors: Diagnostic[];
  coverage?: unknown;
}

/** The `--format json` document of a run. */
export function testReport(run: TestRun, tool: { name: string; version: string }, extra: { coverage?: unknown } = {}): TestReport {
  return {
    apiVersion: 'mdev-policy/v1',
    kind: 'TestReport',
    tool,
    ...countCases(run),
    suites: reportedSuites(run).map((s) => ({
      file: s.file,
      ...(s.name !== undefined ? { name: s.name } : {}),
      cases: s.cases.map((c) => ({
        name: c.name,
        passed: c.passed,
        ...(c.mode !== undefined ? { mode: c.mode } : {}),
        expected: c.expected,
        ...(c.actual ? { actual: c.actual } : {}),
        problems: c.problems,
        errors: c.errors,
      })),
      errors: s.errors,
    })),
    errors: runErrors(run),
    ...(extra.coverage !== undefined ? { coverage: extra.coverage } : {}),
  };
}

/** The one line the CLI prints for a problem (it lives with the other text renderers). */
export { describeProblem } from './report.js';
