// The matrix as CSV (`matrix --format csv`): one table, a header then one row
// per class pair — type, from, to, compatible, reason_code, failing_checks,
// fixes — quoted per RFC 4180 (a field holding a comma, a quote, CR or LF is
// quoted, quotes doubled; lines end in CRLF). A cell that a spreadsheet would
// read as a formula (starting with =, +, -, @, a tab or CR) is prefixed with
// a single quote: type ids and messages come from host inventories. A fix
// is worded as the text report words it (fixText).

import { fixText } from '../report.js';
import { bodiesOf } from './decide.js';
import type { ClassPair, CompatibilityMatrix } from './types.js';

export const CSV_HEADER = ['type', 'from', 'to', 'compatible', 'reason_code', 'failing_checks', 'fixes'] as const;

/** One cell: guarded against formula injection, then quoted when RFC 4180 requires it. */
export function csvCell(value: string): string {
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** The cells after type, from and to: the same for every pair of one body. */
function tail(p: ClassPair): string {
  return [String(p.compatible), p.reasonCode ?? '', (p.failing ?? []).map((f) => f.check).join('; '), (p.fixes ?? []).map(fixText).join('; ')].map(csvCell).join(',');
}

/** The CSV in pieces: the header, then rows as they come (a large fleet's matrix is never one text). */
export function* matrixCsvPieces(matrix: CompatibilityMatrix): Generator<string> {
  let piece = `${CSV_HEADER.join(',')}\r\n`;
  const cells = new Map<string, string>();
  const cell = (s: string) => {
    let c = cells.get(s);
    if (c === undefined) cells.set(s, (c = csvCell(s)));
    return c;
  };
  const tails = new WeakMap<object, string>();
  const made = bodiesOf(matrix.relation);
  for (let i = 0; i < matrix.relation.length; i++) {
    const p = matrix.relation[i]!;
    const body = made?.[i];
    let t = body && tails.get(body);
    if (t === undefined) {
      t = tail(p);
      if (body) tails.set(body, t);
    }
    piece += `${cell(p.type)},${cell(p.from)},${cell(p.to)},${t}\r\n`;
    if (piece.length > 1 << 16) {
      yield piece;
      piece = '';
    }
  }
  yield piece;
}

export function renderMatrixCsv(matrix: CompatibilityMatrix): string {
  return [...matrixCsvPieces(matrix)].join('');
}
