// Stage 6 — report: a Decision rendered as human text, JSON (the Decision
// itself) or NDJSON (one destination per line, then a summary); diagnostics;
// and the effective policy for `policy show` / `compile` (with the overlays a
// missing --device-api leaves out). Pure string building: no I/O, no
// evaluation, colour only when the caller asks for it. Every text renderer
// starts from forTerminal(input): no string of any input reaches a terminal
// with a control or bidi character in it (JSON needs no such care).

import { Ansis } from 'ansis';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from './errors.js';
import { text } from './matches/values.js';
import type { PolicySet } from './resolve.js';
import type { CaseReport, Problem } from './suite.js';
import { escapeForTerminal, forTerminal } from './terminal.js';
import { isWhenCheck, type CandidateResult, type CheckResult, type Decision, type DestinationResult, type EffectiveCheck, type EffectivePolicy, type Fix, type MdevType } from './types.js';

export interface TextOptions {
  explain?: boolean;
  color?: boolean;
  /** Counts of every destination decided, when the Decision lists only some (--only-compatible). */
  counts?: { destinations: number; compatible: number };
}

type Style = 'green' | 'red' | 'yellow' | 'dim' | 'bold';

// Colour through ansis at a level the caller decided (src/terminal.ts colorWanted): 16 colours, or none.
const COLOURS = new Ansis(1);
function painter(color: boolean) {
  return (style: Style, s: string) => (color ? COLOURS[style](s) : s);
}

export function renderJson(decision: Decision): string {
  return `${JSON.stringify(decision, null, 2)}\n`;
}

/** One destination as an NDJSON line, as evaluated (the stream asks for failing checks only unless --explain). */
export function renderNdjsonDestination(d: DestinationResult): string {
  return `${JSON.stringify({ kind: 'DestinationResult', ...d })}\n`;
}

/** The last NDJSON line: the verdict and the counts (given for streams, which keep no destination). */
export function renderNdjsonSummary(decision: Decision, counts?: { destinations: number; compatible: number }): string {
  return `${JSON.stringify({
    kind: 'Summary',
    id: decision.id,
    time: decision.time,
    tool: decision.tool,
    compatible: decision.compatible,
    mode: decision.mode,
    policy: decision.policy,
    source: decision.source,
    destinations: counts?.destinations ?? candidates(decision).length,
    compatibleDestinations: counts?.compatible ?? candidates(decision).filter((d) => d.compatible).length,
    errors: decision.errors,
  })}\n`;
}

/** The destinations that were candidates: all but the source host itself. */
function candidates(decision: Decision): DestinationResult[] {
  return decision.destinations.filter((d) => d.isSource !== true);
}

/** A whole Decision as NDJSON lines (for a Decision already in memory). */
export function renderNdjson(decision: Decision): string {
  return decision.destinations.map((d) => renderNdjsonDestination(d)).join('') + renderNdjsonSummary(decision);
}

/** A value as text: lists joined, maps as k=v, nothing as `-`. */
function plain(v: unknown): string {
  if (v === undefined || v === null) return '-';
  if (Array.isArray(v)) return v.map(plain).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}=${plain(x)}`).join('; ');
  return text(v).replace(/\r?\n/g, '\\n');
}

function checkLine(c: CheckResult, paint: ReturnType<typeof painter>): string {
  const mark = c.result === 'pass' ? paint('green', '✓') : c.result === 'skip' ? paint('dim', '-') : c.severity === 'warning' ? paint('yellow', '!') : paint('red', '✗');
  const side = (label: string, v: unknown) => (v === undefined || plain(v) === '' ? '' : `${label} ${plain(v)}`);
  const sides = [side('source', c.source), side('destination', c.destination)].filter(Boolean);
  const values = sides.length > 0 ? ` (${sides.join(', ')})` : '';
  const note = c.note !== undefined && c.result !== 'skip' ? paint('dim', ` note: ${c.note}`) : '';
  const severity = c.severity === 'warning' ? ' [warning]' : '';
  return `      ${mark} ${c.id}${severity}  ${c.message}${values}${note} ${paint('dim', `[${c.origin}]`)}`;
}

/**
 * A fix in a few words: `destination software_version 1.1.0 → ≥ 1.2.0 <2.0.0`
 * (the scope named when it is not the type, and the parent when the fix
 * names it: `destination parent 0000:3b:00.0 ecc_mode disabled → enabled`,
 * `destination type nvidia-557 on 0000:af:00.0 available_instances 0 → ≥ 1`).
 * A type id is no value to change: an `@id` fix on a type reads
 * `destination offers type nvidia-557`.
 */
export function fixText(f: Fix): string {
  if (f.attribute === '@id' && f.scope === 'type') return `${f.side} offers type ${plain(f.to)}`;
  const where = f.parent === undefined ? '' : f.scope === 'type' && f.type !== undefined ? ` type ${plain(f.type)} on ${plain(f.parent)}` : f.scope === 'parent' ? ` parent ${plain(f.parent)}` : '';
  const scope = where !== '' ? where : f.scope === 'type' ? '' : ` ${f.scope}`;
  return `${f.side}${scope} ${f.attribute} ${f.from === undefined ? '(absent)' : plain(f.from)} → ${f.to}`;
}

/** A check's fix as a destination's `fixes` names it: a destination parent fix with its parent, a destination type fix with its parent and type. */
function locatedFix(f: Fix, c: CandidateResult): Fix {
  if (f.side !== 'destination' || f.parent !== undefined) return f;
  return f.scope === 'parent' ? { ...f, parent: c.parent } : f.scope === 'type' && f.attribute !== '@id' ? { ...f, parent: c.parent, type: c.type } : f;
}

/** A check's line, and below a failed one the change that would make it pass. */
function checkLines(c: CheckResult, paint: ReturnType<typeof painter>): string[] {
  const line = checkLine(c, paint);
  return c.result === 'fail' && c.fix ? [line, `        would pass with: ${fixText(c.fix)}`] : [line];
}

function candidateBlock(c: CandidateResult, explain: boolean, paint: ReturnType<typeof painter>): string[] {
  const shown = explain ? c.checks : c.checks.filter((k) => k.result === 'fail');
  const head = `    ${c.compatible ? paint('green', 'fits') : paint('red', 'refused')} ${c.device} on ${c.parent} as ${c.type}`;
  return [head, ...shown.flatMap((k) => checkLines(k, paint))];
}

/** A destination refusing more candidates than this has them summarised in the text report (all of them with --explain). */
export const REFUSED_SHOWN_MAX = 20;
/** How many of them are shown then. */
export const REFUSED_SHOWN_SUMMARY = 10;

/**
 * The refused candidates the report prints for a destination: all of them up
 * to REFUSED_SHOWN_MAX, else the first REFUSED_SHOWN_SUMMARY, taking those of
 * each device's own type first (they say why the device's type is refused
 * there), in the Decision's order.
 */
function refusedShown(all: readonly CandidateResult[], ownType: ReadonlyMap<string, string>): CandidateResult[] {
  const refused = all.filter((c) => !c.compatible);
  if (refused.length <= REFUSED_SHOWN_MAX) return refused;
  const own = refused.filter((c) => ownType.get(c.device) === c.type).slice(0, REFUSED_SHOWN_SUMMARY);
  const picked = new Set([...own, ...refused.filter((c) => ownType.get(c.device) !== c.type).slice(0, REFUSED_SHOWN_SUMMARY - own.length)]);
  return refused.filter((c) => picked.has(c));
}

/** The human report: compatible destinations first with their claim plans, then the refused ones and why. */
export function renderText(input: Decision, options: TextOptions = {}): string {
  const decision = forTerminal(input);
  const paint = painter(options.color ?? false);
  const explain = options.explain ?? false;
  const lines: string[] = [];
  const overlays = decision.policy.overlays.map((o) => `${o.name}@${o.version}`);
  lines.push(
    `policy ${decision.policy.name}@${decision.policy.version}${overlays.length ? ` + ${overlays.join(', ')}` : ''}, mode ${decision.mode}`,
  );
  lines.push(`source ${decision.source.host}: ${decision.source.devices.length} device${decision.source.devices.length === 1 ? '' : 's'}`);
  for (const d of decision.source.devices) lines.push(`  ${d.uuid} on ${d.parent} as ${d.type}`);
  const ownType = new Map(decision.source.devices.map((d) => [d.uuid, d.type]));
  const all = candidates(decision);
  const ordered = [...all.filter((d) => d.compatible), ...all.filter((d) => !d.compatible)];
  for (const dest of ordered) {
    lines.push('');
    if (dest.compatible) {
      lines.push(`${paint('green', '✓')} ${paint('bold', dest.host)} can take every device:`);
      for (const p of dest.placement) {
        const set = Object.entries(p.set);
        lines.push(`    create ${p.type} on ${p.parent} for ${p.device}${set.length ? `, then set ${set.map(([k, v]) => `${k}=${plain(v)}`).join(', ')}` : ''}`);
        // Warnings do not refuse a candidate, but they are part of the answer.
        const placed = dest.candidates.find((c) => c.device === p.device && c.parent === p.parent && c.type === p.type);
        if (!explain) for (const k of placed?.checks ?? []) if (k.severity === 'warning') lines.push(...checkLines(k, paint));
      }
      // A "compatible" that rests on checks nobody could make says so.
      if (dest.skipped?.length) lines.push(paint('yellow', `    not verified (absent on both hosts): ${dest.skipped.join(', ')}`));
      if (explain) for (const c of dest.candidates) lines.push(...candidateBlock(c, true, paint));
    } else {
      lines.push(`${paint('red', '✗')} ${paint('bold', dest.host)} cannot: ${dest.reason ?? 'no placement'}`);
      if (dest.candidates.length === 0) lines.push('    (no mdev types on this host)');
      const shown = explain ? dest.candidates : refusedShown(dest.candidates, ownType);
      for (const c of shown) lines.push(...candidateBlock(c, explain, paint));
      const more = explain ? 0 : dest.candidates.filter((c) => !c.compatible).length - shown.length;
      if (more > 0) lines.push(paint('dim', `    … and ${more} more refused candidate${more === 1 ? '' : 's'} (use --format json for all)`));
      // The changes that together would admit the VM, unless the one check line shown already says it (read where it
      // stands: a destination fix naming a parent or type is the check's fix on the candidate of that parent and type).
      const fixes = (dest.fixes ?? []).map(fixText);
      const said = new Set(shown.flatMap((c) => c.checks.flatMap((k) => (k.result === 'fail' && k.severity !== 'warning' && k.fix ? [fixText(locatedFix(k.fix, c))] : []))));
      if (fixes.length > 1 || (fixes.length === 1 && !(said.size === 1 && said.has(fixes[0]!)))) lines.push(`    would be admitted with: ${fixes.join('; ')}`);
    }
  }
  for (const dest of decision.destinations.filter((d) => d.isSource === true)) {
    lines.push('');
    lines.push(`${paint('dim', '-')} ${paint('bold', dest.host)} is the source host: not a destination, not counted`);
  }
  const compatible = options.counts?.compatible ?? all.filter((d) => d.compatible).length;
  const total = options.counts?.destinations ?? all.length;
  lines.push('');
  lines.push(
    `${decision.compatible ? paint('green', 'compatible') : paint('red', 'not compatible')}: ${compatible} of ${total} destination${total === 1 ? '' : 's'} can take the source devices${decision.errors.length ? `; ${decision.errors.length} input error${decision.errors.length === 1 ? '' : 's'}` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Diagnostics, sorted, one line each (a hint on the line below). */
export function renderDiagnostics(ds: readonly Diagnostic[]): string {
  return ds.length === 0 ? '' : `${sortDiagnostics(ds).map(formatDiagnostic).join('\n')}\n`;
}

// --- the effective policy (`policy show`) ---------------------------------------

export interface PolicyDescription {
  apiVersion: 'mdev-policy/v1';
  kind: 'EffectivePolicy';
  policy: { name: string; version: string };
  mode: string;
  type?: string;
  deviceApi?: string;
  overlays: { name: string; version: string; applies: boolean }[];
  /** Overlays that would apply with a --device-api (none when it is given). */
  overlaysLeftOut: OverlayLeftOut[];
  /** How a destination parent's types share its instances, and the document that said so. */
  parentCapacity: { value: EffectivePolicy['parentCapacity']; origin: string };
  checks: (Omit<EffectiveCheck, 'target'> & { target: string })[];
  disabled: { id: string; by: string }[];
}

/** An overlay left out of an effective policy for want of the source type's device_api, and the flag values that would include it. */
export interface OverlayLeftOut {
  name: string;
  version: string;
  needs: { flag: '--device-api'; values: string[] };
}

/**
 * The overlays that do not apply to a source type only because its device_api
 * is unknown (`compile` and `policy show` without --device-api): each applies
 * with one of `needs.values`, the device_api values its selector names that
 * make it apply.
 */
export function overlaysLeftOut(set: PolicySet, type: MdevType): OverlayLeftOut[] {
  if (type.attributes.device_api !== undefined) return [];
  const applies = set.applicable(type);
  return set.overlays.flatMap((o, i) => {
    if (applies[i]) return [];
    const values = (set.selectors[i]?.deviceApi ?? []).filter((api) => set.applicable({ id: type.id, attributes: { ...type.attributes, device_api: api } })[i]);
    return values.length > 0 ? [{ ...o, needs: { flag: '--device-api' as const, values } }] : [];
  });
}

/** Those overlays as notes for stderr, one each with the flag that would include it; empty when there are none. */
export function renderOverlaysLeftOut(input: readonly OverlayLeftOut[]): string {
  return forTerminal(input)
    .map(
      (o) =>
        `note: overlay \`${o.name}@${o.version}\` left out: its selector needs device_api ${o.needs.values.map((v) => `\`${v}\``).join(' or ')}, and ${o.needs.flag} was not given\n` +
        `  hint: add ${o.needs.values.map((v) => `${o.needs.flag} ${v}`).join(' or ')} to include it\n`,
    )
    .join('');
}

function describeTarget(c: EffectiveCheck): string {
  if (isWhenCheck(c)) return 'when condition';
  const t = c.target;
  const names = t.kind === 'attribute' ? t.name : t.kind === 'list' ? t.names.join(', ') : `${t.prefix}*${t.except.length ? ` except ${t.except.join(', ')}` : ''}`;
  // Facts above the type say whose they are; a check's own value (a minimum version) follows.
  const scope = c.scope === 'type' ? '' : `${c.scope} `;
  return `${scope}${names}${c.value !== undefined ? ` ≥ ${c.value}` : ''}`;
}

/** The effective policy for a source type as data: what `policy show --format json` prints. */
export function describePolicy(set: PolicySet, effective: EffectivePolicy, type: MdevType): PolicyDescription {
  const applies = set.applicable(type);
  const out: PolicyDescription = {
    apiVersion: 'mdev-policy/v1',
    kind: 'EffectivePolicy',
    policy: set.policy,
    mode: set.mode,
    overlays: set.overlays.map((o, i) => ({ ...o, applies: applies[i]! })),
    overlaysLeftOut: overlaysLeftOut(set, type),
    parentCapacity: { value: effective.parentCapacity, origin: effective.parentCapacityOrigin },
    checks: effective.checks.map((c) => ({ ...c, target: describeTarget(c), ...(c.target.kind === 'when' ? { when: c.target.condition } : {}) })),
    disabled: effective.disabled,
  };
  if (type.id) out.type = type.id;
  if (type.attributes.device_api !== undefined) out.deviceApi = String(type.attributes.device_api);
  return out;
}

/** `policy show` as text: one line per check with its match, target, flags and provenance. */
export function renderPolicyText(input: PolicyDescription, options: TextOptions = {}): string {
  const d = forTerminal(input);
  const paint = painter(options.color ?? false);
  const applied = d.overlays.filter((o) => o.applies).map((o) => `${o.name}@${o.version}`);
  const lines = [
    `policy ${d.policy.name}@${d.policy.version}${applied.length ? ` + ${applied.join(', ')}` : ''}, mode ${d.mode}${d.type ? `, source type ${d.type}` : ''}${d.deviceApi ? ` (${d.deviceApi})` : ''}`,
  ];
  const needs = new Map(d.overlaysLeftOut.map((o) => [`${o.name}@${o.version}`, o.needs]));
  for (const o of d.overlays) {
    const need = needs.get(`${o.name}@${o.version}`);
    const status = o.applies ? 'applies' : need ? paint('yellow', `left out: needs ${need.values.map((v) => `${need.flag} ${v}`).join(' or ')}`) : paint('dim', 'selector does not match');
    lines.push(`  overlay ${o.name}@${o.version}: ${status}`);
  }
  lines.push(`  parent capacity: ${d.parentCapacity.value}  ← ${d.parentCapacity.origin}`);
  lines.push('');
  const width = Math.max(...d.checks.map((c) => c.id.length), 2);
  const matchWidth = Math.max(...d.checks.map((c) => (c.match ?? 'when').length), 4);
  for (const c of d.checks) {
    const flags = [c.locked ? 'locked' : '', c.onMissing === 'skip' ? 'skip if absent on both' : '', c.severity === 'warning' ? 'warning' : ''].filter(Boolean);
    const touched = c.overlays.length ? ` ${paint('dim', `(touched by ${c.overlays.join(', ')})`)}` : '';
    lines.push(`  ${c.id.padEnd(width)}  ${(c.match ?? 'when').padEnd(matchWidth)}  ${c.target}${flags.length ? `  [${flags.join(', ')}]` : ''}  ← ${c.origin}${touched}`);
  }
  for (const x of d.disabled) lines.push(`  ${paint('dim', `${x.id.padEnd(width)}  disabled by ${x.by}`)}`);
  return `${lines.join('\n')}\n`;
}

// --- policy test suites (`test`) -------------------------------------------------

/** The one line the CLI prints for a problem (values as JSON, as the suite writes them). */
export function describeProblem(p: Problem): string {
  switch (p.kind) {
    case 'verdict':
      return `expected compatible: ${p.expected}, got ${p.actual}`;
    case 'failing':
      return `expected failing [${p.expected.join(', ')}], got [${p.actual.join(', ')}]`;
    case 'set':
      return `expected set ${JSON.stringify(p.expected)}, got ${JSON.stringify(p.actual)}`;
  }
}

/** A case's report: `✓ suite › case`, or `✗` with a line per problem and its errors indented below. */
export function renderCaseReport(suite: string, c: CaseReport, options: TextOptions = {}): string {
  const paint = painter(options.color ?? false);
  const lines = [`${c.passed ? paint('green', '✓') : paint('red', '✗')} ${escapeForTerminal(suite)} › ${escapeForTerminal(c.name)}`, ...c.problems.map((p) => `    ${escapeForTerminal(describeProblem(p))}`)];
  return `${lines.join('\n')}\n${renderDiagnostics(c.errors).replace(/^(?=.)/gm, '    ')}`;
}

/** The most failing checks a refusal line names per device (the rest are counted). */
const REFUSAL_CHECKS_MAX = 4;

/**
 * Why a destination refused the VM, on one line (what libvirt shows the
 * operator when the hook refuses a migration, what `--format plan` says when
 * there is no plan): the destination's reason, then for each device the
 * checks that failed on the candidates of its own type (else on any).
 */
export function renderRefusal(input: DestinationResult, ownType: ReadonlyMap<string, string>): string {
  const dest = forTerminal(input);
  const parts: string[] = [];
  for (const [device, type] of ownType) {
    const mine = dest.candidates.filter((c) => c.device === device && !c.compatible);
    const own = mine.filter((c) => c.type === type);
    const failed = new Map<string, string>();
    for (const c of own.length > 0 ? own : mine) {
      for (const k of c.checks) if (k.result === 'fail' && k.severity !== 'warning' && !failed.has(k.id)) failed.set(k.id, k.message);
    }
    if (failed.size === 0) continue;
    const shown = [...failed].slice(0, REFUSAL_CHECKS_MAX).map(([id, message]) => `${id} (${message})`);
    const more = failed.size - shown.length;
    parts.push(`${device}: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  const reason = dest.reason ?? 'no placement';
  return `${dest.host} cannot take the VM: ${reason}${parts.length > 0 ? `; failing checks: ${parts.join('; ')}` : ''}`.replace(/\s*\n\s*/g, ' ');
}
