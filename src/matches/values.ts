// How the matches see values: presence (fail closed: missing, empty and
// whitespace-only values are absent), lists in their sysfs form or as
// arrays, and a value quoted for a one-line reason. Every match module reads
// values through these, so "absent" and "the same" mean one thing everywhere.

export interface Verdict {
  ok: boolean;
  reason: string;
  /** A remark a pass carries (an extra destination value, noted): a family's verdict repeats its members' remarks. */
  remark?: string;
}

export const pass = (reason: string, remark?: string): Verdict => (remark === undefined ? { ok: true, reason } : { ok: true, reason, remark });
export const fail = (reason: string): Verdict => ({ ok: false, reason });

/** A value counts as present when defined, not null and not an empty list or string. */
export function isPresent(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'string') return v.trim() !== '';
  return true;
}

export const bothPresent = (a: unknown, b: unknown): boolean => isPresent(a) && isPresent(b);

/** A value quoted for a one-line reason: lists joined, newlines shown as \\n. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const shown = Array.isArray(v) ? v.map(text).join(', ') : text(v);
  return `\`${shown.replace(/\r?\n/g, '\\n')}\``;
}

/** Any value as text, never throwing (a map without prototype has no toString). */
export function text(v: unknown): string {
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The values of a list: an array as it is, a string split the sysfs way (commas, newlines), trimmed, empties dropped. */
export function values(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(text);
  if (v === undefined || v === null) return [];
  return text(v)
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function firstValue(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length > 0 ? text(v[0]) : undefined;
  return values(v)[0];
}

export function listIncludes(list: unknown, value: string): boolean {
  if (Array.isArray(list)) {
    for (const x of list) if (text(x) === value) return true;
    return false;
  }
  return values(list).includes(value);
}

/** The fail-closed reason when either side is absent; undefined when both are present. */
export function missing(src: unknown, dst: unknown): Verdict | undefined {
  const s = isPresent(src);
  const d = isPresent(dst);
  if (s && d) return undefined;
  if (!s && !d) return fail('missing on both source and destination');
  return fail(s ? 'missing on the destination' : 'missing on the source');
}

/**
 * Identical values: strings by content, lists element by element, numbers by
 * their text. A multi-line string compares line by line whichever separator
 * each side used (DESIGN §2.3): sysfs writes a GVT-g description as lines,
 * `mdevctl types --dumpjson` trims it and joins its lines with ", ". So two
 * strings are the same when identical, or when at least one holds a newline
 * and both give the same sequence of trimmed, non-empty lines — a side
 * without a newline split on ", "; and when only one side has newlines, its
 * lines are split on ", " too, since mdevctl's join cannot be told from a
 * ", " already inside a line. One-line values stay strictly identical: no
 * ", " splitting when neither side holds a newline.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    const x = values(a);
    const y = values(b);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (typeof a === 'number' || typeof b === 'number') return text(a) === text(b);
  if (a === b) return true;
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const aLines = a.includes('\n');
  const bLines = b.includes('\n');
  if (!aLines && !bLines) return false;
  const split = aLines && bLines ? /\n/ : /\n|, /;
  const x = pieces(a, split);
  const y = pieces(b, split);
  return x.length > 0 && x.length === y.length && x.every((v, i) => v === y[i]);
}

function pieces(s: string, separator: RegExp): string[] {
  return s
    .split(separator)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** Both sides absent (for a family: every member): the condition that turns a check into `skip` under `onMissing: skip`. */
export function absentBoth(src: unknown, dst: unknown): boolean {
  return emptyValue(src) && emptyValue(dst);
}

function emptyValue(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return !isPresent(v);
  for (const k in v) if (Object.hasOwn(v, k) && isPresent((v as Record<string, unknown>)[k])) return false;
  return true;
}
