// Check coverage of policy test suites (`mdev-policy test --coverage`): which
// checks of each policy and overlay the cases exercised, in which modes, with
// which results, and which they never did. Pure data and text: the suite
// runner (src/suite.ts) records what each case evaluated and the checks of
// the documents a suite uses; this module adds them up and renders them. It
// evaluates nothing itself.
//
// What counts, in one place:
//   - A check belongs to the document its results name as their `origin`
//     (`name@version`, DESIGN §2.2): a base policy's checks to the base; a
//     check an overlay adds, or patches, to that overlay (a patch changes what
//     the check does, so the patched check is the overlay's to test). A base
//     check some overlay patches is then two checks to cover: the base's (on
//     the types the overlay does not select) and the overlay's. Where several
//     applicable overlays patch one check, the last one is its origin.
//   - A document's checks are those of the effective policies resolved
//     (src/resolve.ts) for every mode a case ran in: for the base, the base
//     alone; for an overlay, the base with that overlay alone, and with every
//     overlay up to it, each applied whatever its selector — the checks whose
//     origin is then that overlay. A check an overlay disables is nobody's
//     there; an overlay that only disables checks or sets parentCapacity has
//     no checks (0 of 0: 100 %).
//   - A check is covered when some case evaluated it on some candidate, with
//     any result (pass, fail or skip). Counts are cases: `strict: pass 3`
//     means three cases had the check pass in strict mode on some candidate.
//   - Percentages are rounded down to one decimal (99.95 % shows as 99.9 %,
//     never as 100 %); thresholds compare the exact ratio.

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_POLICY_FILE, loadPolicySource, overlayFromDocument, policyFromDocument } from './inputs.js';
import { DEFAULT_LIMITS, loadFile, type LoadLimits } from './load.js';
import { escapeForTerminal } from './terminal.js';
import { resolvePolicy, resolvePolicySet, typeForSelection, type OverlaySource, type PolicySource } from './resolve.js';
import type { CheckOutcome, Decision } from './types.js';
import type { SuiteReport } from './suite.js';

/** One check a case evaluated: by the document it belongs to (its origin), its id, the mode and one result it had. */
export interface ExercisedCheck {
  origin: string;
  id: string;
  mode: string;
  result: CheckOutcome;
}

export type DocumentKind = 'policy' | 'overlay';

/** The checks of one policy or overlay document, in the order the effective policy lists them. */
export interface DocumentChecks {
  name: string;
  version: string;
  kind: DocumentKind;
  checks: string[];
}

/** What a suite contributes besides its cases: the checks of the documents it uses. */
export interface SuiteCoverage {
  documents: DocumentChecks[];
}

export type ResultCounts = Record<CheckOutcome, number>;

export interface CheckCoverage {
  id: string;
  covered: boolean;
  /** Per mode (in the order first seen), how many cases had the check pass, fail or skip on some candidate. */
  modes: Record<string, ResultCounts>;
}

export interface DocumentCoverage {
  name: string;
  version: string;
  kind: DocumentKind;
  covered: number;
  total: number;
  percent: number;
  checks: CheckCoverage[];
  /** The ids of the checks no case exercised. */
  uncovered: string[];
}

export interface CoverageReport {
  covered: number;
  total: number;
  percent: number;
  /** Policies first, then overlays, each by name and version. */
  documents: DocumentCoverage[];
}

const refOf = (d: { name: string; version: string }): string => `${d.name}@${d.version}`;

/** The checks of a base policy and of each of its overlays (module header: what counts), for these modes. */
export function checksOfDocuments(base: PolicySource, overlays: readonly OverlaySource[], modes: readonly string[]): DocumentChecks[] {
  const documents: DocumentChecks[] = [
    { name: base.written.metadata.name, version: base.written.metadata.version, kind: 'policy', checks: [] },
    ...overlays.map((o) => ({ name: o.written.metadata.name, version: o.written.metadata.version, kind: 'overlay' as const, checks: [] as string[] })),
  ];
  const add = (d: DocumentChecks, ids: readonly string[]) => {
    for (const id of ids) if (!d.checks.includes(id)) d.checks.push(id);
  };
  const anyType = typeForSelection();
  for (const mode of modes) {
    const alone = resolvePolicy(base, mode);
    if (alone.value) add(documents[0]!, alone.value.checks.map((c) => c.id));
    overlays.forEach((o, k) => {
      const own = refOf(o.written.metadata);
      const sets = k === 0 ? [[o]] : [[o], overlays.slice(0, k + 1)];
      for (const applied of sets) {
        const set = resolvePolicySet(base, applied.map(everywhere), mode);
        if (!set.value) continue;
        add(documents[k + 1]!, set.value.forType(anyType).checks.filter((c) => c.origin === own).map((c) => c.id));
      }
    });
  }
  return documents;
}

/** An overlay that applies to every source type (its selector dropped). */
function everywhere(o: OverlaySource): OverlaySource {
  const { selector: _selector, ...spec } = o.written.spec;
  return { ...o, written: { ...o.written, spec } };
}

/** Each check a decision evaluated, by origin, id and result, once each, in the order first met. */
export function checksExercised(decision: Decision, mode: string): ExercisedCheck[] {
  const seen = new Map<string, ExercisedCheck>();
  for (const d of decision.destinations) {
    for (const c of d.candidates) {
      for (const k of c.checks) {
        const key = `${k.origin}\u0000${k.id}\u0000${k.result}`;
        if (!seen.has(key)) seen.set(key, { origin: k.origin, id: k.id, mode, result: k.result });
      }
    }
  }
  return [...seen.values()];
}

/** Rounded down to one decimal; 100 when there is nothing to cover. */
export function percentOf(covered: number, total: number): number {
  return total === 0 ? 100 : Math.floor((covered * 1000) / total) / 10;
}

/** The coverage of the suites run: every document any of them uses, with what their cases exercised. */
export function coverageOf(suites: readonly SuiteReport[], others: readonly DocumentChecks[] = []): CoverageReport {
  const documents = new Map<string, { name: string; version: string; kind: DocumentKind; checks: Map<string, CheckCoverage> }>();
  const entry = (name: string, version: string, kind: DocumentKind) => {
    const ref = refOf({ name, version });
    let d = documents.get(ref);
    if (!d) documents.set(ref, (d = { name, version, kind, checks: new Map() }));
    return d;
  };
  const check = (d: { checks: Map<string, CheckCoverage> }, id: string) => {
    let c = d.checks.get(id);
    if (!c) d.checks.set(id, (c = { id, covered: false, modes: {} }));
    return c;
  };
  for (const d of [...suites.flatMap((s) => s.coverage?.documents ?? []), ...others]) {
    const e = entry(d.name, d.version, d.kind);
    for (const id of d.checks) check(e, id);
  }
  for (const s of suites) {
    for (const c of s.cases) {
      for (const k of c.checks ?? []) {
        // Every origin is one of the suite's documents; a check missing from its list is still one of its checks.
        const at = k.origin.lastIndexOf('@');
        const e = documents.get(k.origin) ?? entry(at > 0 ? k.origin.slice(0, at) : k.origin, at > 0 ? k.origin.slice(at + 1) : '', 'overlay');
        const cc = check(e, k.id);
        cc.covered = true;
        (cc.modes[k.mode] ??= { pass: 0, fail: 0, skip: 0 })[k.result]++;
      }
    }
  }
  const list: DocumentCoverage[] = [...documents.values()]
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'policy' ? -1 : 1) || a.name.localeCompare(b.name) || a.version.localeCompare(b.version))
    .map((d) => {
      const checks = [...d.checks.values()];
      const covered = checks.filter((c) => c.covered).length;
      return { name: d.name, version: d.version, kind: d.kind, covered, total: checks.length, percent: percentOf(covered, checks.length), checks, uncovered: checks.filter((c) => !c.covered).map((c) => c.id) };
    });
  const covered = list.reduce((n, d) => n + d.covered, 0);
  const total = list.reduce((n, d) => n + d.total, 0);
  return { covered, total, percent: percentOf(covered, total), documents: list };
}

/** The documents whose coverage is below a threshold in percent (the exact ratio, not the rounded figure). */
export function belowThreshold(report: CoverageReport, threshold: number): DocumentCoverage[] {
  return report.documents.filter((d) => d.covered * 100 < threshold * d.total);
}

const checksWord = (n: number) => `${n} check${n === 1 ? '' : 's'}`;

/** The coverage table the text format prints after the cases. */
export function renderCoverageText(report: CoverageReport): string {
  const lines = ['coverage: checks exercised by the cases run, with any result (counts are cases)'];
  for (const d of report.documents) {
    lines.push(`  ${d.kind} ${escapeForTerminal(refOf(d))}: ${d.covered} of ${checksWord(d.total)} (${d.percent}%)`);
    const ids = d.checks.map((c) => escapeForTerminal(c.id));
    const width = Math.max(0, ...ids.map((id) => id.length));
    d.checks.forEach((c, i) => {
      const modes = Object.entries(c.modes).map(
        ([mode, counts]) =>
          `${escapeForTerminal(mode)}: ${(['pass', 'fail', 'skip'] as const)
            .filter((r) => counts[r] > 0)
            .map((r) => `${r} ${counts[r]}`)
            .join(', ')}`,
      );
      lines.push(`    ${c.covered ? '✓' : '✗'} ${ids[i]!.padEnd(width)}  ${c.covered ? modes.join('; ') : 'never exercised'}`);
    });
  }
  lines.push(`  overall: ${report.covered} of ${checksWord(report.total)} (${report.percent}%)`);
  return `${lines.join('\n')}\n`;
}

/** One line per document below the threshold, naming it and its checks never exercised. */
export function renderThresholdFailures(below: readonly DocumentCoverage[], threshold: number): string {
  return below
    .map(
      (d) =>
        `coverage-threshold: ${d.kind} \`${escapeForTerminal(refOf(d))}\` covers ${d.percent}% of its checks (${d.covered} of ${d.total}), below ${threshold}%\n` +
        (d.uncovered.length > 0 ? `  hint: never exercised: ${d.uncovered.map((id) => `\`${escapeForTerminal(id)}\``).join(', ')}\n` : ''),
    )
    .join('');
}

/**
 * The policies and overlays written under the directories given to `test`
 * (every `*.yaml`, `*.yml` or `*.json` that is not a suite and whose kind is
 * Policy or Overlay), with their checks for every mode of their base: the
 * documents a `--coverage-threshold` must hold for even when no suite loads
 * them (an overlay shipped without a suite is then 0 %, not absent). Files
 * that do not load are left to `validate`.
 */
export async function documentsUnder(paths: readonly string[], limits: LoadLimits = DEFAULT_LIMITS): Promise<DocumentChecks[]> {
  const files: string[] = [];
  const walk = async (p: string, depth: number): Promise<void> => {
    const info = await stat(p).catch(() => undefined);
    if (!info?.isDirectory() || depth > 8) return;
    for (const entry of (await readdir(p).catch(() => [] as string[])).sort()) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      const full = path.join(p, entry);
      if (/\.(ya?ml|json)$/i.test(entry) && !/\.test\.(ya?ml|json)$/i.test(entry)) files.push(full);
      else await walk(full, depth + 1);
    }
  };
  for (const p of paths) await walk(p, 0);
  const policies: PolicySource[] = [];
  const overlays: OverlaySource[] = [];
  for (const file of files) {
    const loaded = await loadFile(file, limits);
    if (!loaded.ok) continue;
    const kind = (loaded.value.data as { kind?: unknown } | null)?.kind;
    if (kind === 'Policy') {
      const p = policyFromDocument(loaded.value);
      if (p.ok) policies.push(p.value);
    } else if (kind === 'Overlay') {
      const o = overlayFromDocument(loaded.value);
      if (o.ok) overlays.push(o.value);
    }
  }
  const documents: DocumentChecks[] = [];
  const bases = [...policies];
  const orphans = overlays.filter((o) => !policies.some((p) => p.written.metadata.name === o.written.spec.extends.policy));
  if (orphans.length > 0) {
    const shipped = await loadPolicySource(DEFAULT_POLICY_FILE, limits);
    if (shipped.ok && !bases.some((p) => p.written.metadata.name === shipped.value.written.metadata.name)) bases.push(shipped.value);
  }
  for (const base of bases) {
    const own = overlays.filter((o) => o.written.spec.extends.policy === base.written.metadata.name);
    const found = checksOfDocuments(base, own, Object.keys(base.written.spec.modes));
    documents.push(...(policies.includes(base) ? found : found.slice(1)));
  }
  return documents;
}
