// Errors as data: one shape for every problem any stage finds, with a closed
// set of kebab-case codes, a 1-based position where there is a file, and an
// optional hint. Stages collect these and return them; only a bug throws.
// This module also owns their one-line rendering and their sort order.

import { escapeForTerminal } from './terminal.js';

export const ERROR_CODES = [
  'file-unreadable',
  'yaml-syntax',
  'duplicate-key',
  'unsupported-api-version',
  'unknown-kind',
  'schema-violation',
  'duplicate-check',
  'duplicate-case',
  'unknown-check',
  'locked-check',
  'extends-mismatch',
  'overlay-conflict',
  'duplicate-overlay',
  'unknown-mode',
  'unknown-device',
  'unknown-type',
  'input-too-large',
  'model-mismatch',
  'missing-metadata',
  'timeout',
  'usage',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface Diagnostic {
  code: ErrorCode;
  /** One line, lowercase, no final period; user values in backticks. */
  message: string;
  severity: 'error' | 'warning';
  file?: string;
  line?: number;
  col?: number;
  hint?: string;
}

export interface Position {
  file?: string;
  line?: number;
  col?: number;
}

export function diagnostic(
  code: ErrorCode,
  message: string,
  where: Position = {},
  extra: { hint?: string; severity?: 'error' | 'warning' } = {},
): Diagnostic {
  const d: Diagnostic = { code, message, severity: extra.severity ?? 'error' };
  if (where.file !== undefined) d.file = where.file;
  if (where.line !== undefined) d.line = where.line;
  if (where.col !== undefined) d.col = where.col;
  if (extra.hint !== undefined) d.hint = extra.hint;
  return d;
}

export function warning(code: ErrorCode, message: string, where: Position = {}, hint?: string): Diagnostic {
  return diagnostic(code, message, where, hint === undefined ? { severity: 'warning' } : { severity: 'warning', hint });
}

/** Thrown only across the library boundary (e.g. by convenience wrappers); stages return Diagnostics. */
export class MdevPolicyError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'MdevPolicyError';
    this.diagnostics = diagnostics;
  }
}

export function isError(d: Diagnostic): boolean {
  return d.severity === 'error';
}

/**
 * `file:line:col code: message`, then `  hint: …` on its own line when there is
 * one. File names, messages and hints carry input (values, names, paths): they
 * are escaped for the terminal, so a diagnostic is always exactly these lines.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file === undefined ? '' : `${escapeForTerminal(d.file)}${d.line === undefined ? '' : `:${d.line}:${d.col ?? 1}`}: `;
  const level = d.severity === 'warning' ? 'warning ' : '';
  const head = `${where}${level}${d.code}: ${oneLine(d.message)}`;
  return d.hint === undefined ? head : `${head}\n  hint: ${oneLine(d.hint)}`;
}

function oneLine(s: string): string {
  return escapeForTerminal(s.replace(/\s*\n\s*/g, ' ').trim());
}

/** Sorted by file, then line, then col; diagnostics without a file come first. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0) ||
      a.code.localeCompare(b.code),
  );
}

/** Quote a user value for a message: backticks, cut short when long. */
export function quote(value: unknown): string {
  let s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  s = s.replace(/\s*\n\s*/g, '\\n');
  if (s.length > 60) s = `${s.slice(0, 57)}…`;
  return `\`${s}\``;
}

/** "did you mean `x`?" for the closest candidate within a small edit distance, else undefined. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(name.length, best.length) / 3));
  return bestDistance <= limit ? `did you mean \`${best}\`?` : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * What every stage returns: a value with the warnings met on the way, or the
 * errors that stand in its place. Both branches carry `errors` and `value`
 * (one of them empty) so a caller may test `ok` or read either field.
 */
export type Result<T> =
  | { ok: true; value: T; errors: []; warnings: Diagnostic[] }
  | { ok: false; value?: undefined; errors: Diagnostic[]; warnings: Diagnostic[] };

export function ok<T>(value: T, warnings: Diagnostic[] = []): Result<T> {
  return { ok: true, value, errors: [], warnings };
}

export function failed<T = never>(errors: Diagnostic[], warnings: Diagnostic[] = []): Result<T> {
  return { ok: false, errors, warnings };
}

/** Errors, if any, else the value: for stages that found problems after building something. */
export function resultOf<T>(value: T, errors: Diagnostic[], warnings: Diagnostic[] = []): Result<T> {
  return errors.length > 0 ? failed(errors, warnings) : ok(value, warnings);
}
