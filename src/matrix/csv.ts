// The matrix as CSV (`matrix --format csv`): one table, a header then one row
// per class pair — type, from, to, compatible, reason_code, failing_checks,
// fixes — quoted per RFC 4180 (a field holding a comma, a quote, CR or LF is
// quoted, quotes doubled; lines end in CRLF). A cell that a spreadsheet would
// read as a formula (starting with =, +, -, @, a tab or CR) is prefixed with
// a single quote: type ids and messages come from host inventories.

import type { ClassPair, CompatibilityMatrix, Fix } from './types.js';

export const CSV_HEADER = ['type', 'from', 'to', 'compatible', 'reason_code', 'failing_checks', 'fixes'] as const;

/** One cell: guarded against formula injection, then quoted when RFC 4180 requires it. */
export function csvCell(value: string): string {
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

const shown = (v: unknown): string => (v === undefined ? 'absent' : typeof v === 'string' ? v : JSON.stringify(v));

/** A fix in one line: `destination host nvidia_version: 550.90.05 → 570.86.10`. */
export function fixText(f: Fix): string {
  return `${f.side} ${f.scope} ${f.attribute}: ${shown(f.from)} → ${f.to}`;
}

function row(p: ClassPair): string[] {
  return [p.type, p.from, p.to, String(p.compatible), p.reasonCode ?? '', (p.failing ?? []).map((f) => f.check).join('; '), (p.fixes ?? []).map(fixText).join('; ')];
}

export function renderMatrixCsv(matrix: CompatibilityMatrix): string {
  const lines = [CSV_HEADER.join(','), ...matrix.relation.map((p) => row(p).map(csvCell).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
