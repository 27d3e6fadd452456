// Text from input made safe to print on a terminal. Host names, parent and type
// ids, attribute values, case names and file names are written by whoever
// produced the inventory; printed raw, an ESC sequence, a carriage return or a
// bidi override could erase or reorder the report's own lines and forge a
// verdict. Every text renderer passes its input through here (JSON and NDJSON
// need not: JSON escapes control characters itself). Pure functions, no I/O.

/**
 * What never reaches a terminal raw: control characters (C0 including tab and
 * newline, DEL, C1), format characters that reorder or hide text (bidi
 * embeddings, overrides and isolates, zero-width characters, BOM, tags) and
 * the line and paragraph separators.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const n = c.codePointAt(0)!;
  if (n <= 0xff) return `\\x${n.toString(16).padStart(2, '0')}`;
  if (n <= 0xffff) return `\\u${n.toString(16).padStart(4, '0')}`;
  return `\\u{${n.toString(16)}}`;
}

/** A string with every unsafe character written as a visible escape (`\x1b`, `\r`, `\u202e`). */
export function escapeForTerminal(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, visible) : s;
}

/**
 * A copy of plain data (objects, arrays, strings, numbers) with every string —
 * keys too — escaped for a terminal: what a text renderer works from, so no
 * field it prints, now or later, can be forgotten.
 */
export function forTerminal<T>(value: T): T {
  return escapeDeep(value) as T;
}

function escapeDeep(v: unknown): unknown {
  if (typeof v === 'string') return escapeForTerminal(v);
  if (Array.isArray(v)) return v.map(escapeDeep);
  if (v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    // Own properties defined (a `__proto__` key stays a key). A getter stays a getter (a Decision's id and policy digest are
    // made when first read): escaping what is shown must not make what is not.
    const out: Record<string, unknown> = {};
    const descriptors = Object.getOwnPropertyDescriptors(v);
    for (const k of Object.keys(descriptors)) {
      const d = descriptors[k]!;
      if (!d.enumerable) continue;
      Object.defineProperty(out, escapeForTerminal(k), d.get ? { enumerable: true, configurable: true, get: () => escapeDeep(Reflect.get(v, k)) } : { enumerable: true, configurable: true, writable: true, value: escapeDeep(d.value) });
    }
    return out;
  }
  return v;
}

/**
 * Whether to colour what goes to a stream: `--color` / `--no-color` when
 * given; else FORCE_COLOR when set (`0` or `false` turn colour off, any other
 * value on); else NO_COLOR when set and not empty (no-color.org: an empty
 * NO_COLOR does not count); else only on a terminal that is not `dumb`.
 */
export function colorWanted(stream: { isTTY?: boolean }, flag?: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase());
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}
