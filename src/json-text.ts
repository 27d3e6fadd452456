// Part of the load stage: what JSON.parse does not tell about a JSON text that
// it accepted — duplicate keys (it keeps the last silently), nesting depth,
// and where a value at a path is written (for error positions). One linear,
// iterative walk over the text; no recursion, so no depth can overflow it.

export type JsonPath = readonly (string | number)[];

interface Frame {
  object: boolean;
  keys?: Set<string>;
  index: number;
  key?: string;
  keyOffset?: number;
}

export interface JsonScan {
  duplicate?: { key: string; offset: number };
  /** Offset of the first value nested deeper than the limit. */
  tooDeep?: number;
  /** Offsets of the value (and its key) at the path asked for. */
  found?: { offset: number; keyOffset?: number };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index just past the string starting at `i` (a `"`). */
function skipString(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length;
    let backslashes = 0;
    for (let k = q - 1; k > i && text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

function keyOf(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

function samePath(stack: Frame[], target: JsonPath): boolean {
  if (stack.length !== target.length) return false;
  for (let d = 0; d < stack.length; d++) {
    const f = stack[d]!;
    const seg = f.object ? f.key : f.index;
    if (String(seg) !== String(target[d])) return false;
  }
  return true;
}

/**
 * Walk a JSON text that JSON.parse accepted. Reports the first duplicate key,
 * the first value deeper than `maxDepth`, and (with `target`) the offsets of
 * the value at that path.
 */
export function scanJson(text: string, maxDepth: number, target?: JsonPath): JsonScan {
  const stack: Frame[] = [];
  const out: JsonScan = {};
  let i = 0;
  const n = text.length;
  // Each iteration reads one value (after any key), then the separators after it.
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    const top = stack[stack.length - 1];
    if (top?.object) {
      // Expecting a key or the end of the object.
      if (text.charCodeAt(i) === 0x7d) {
        i++;
        stack.pop();
        if (afterValue()) return out;
        continue;
      }
      const end = skipString(text, i);
      const key = keyOf(text, i, end);
      top.keys ??= new Set();
      if (top.keys.has(key)) {
        out.duplicate ??= { key, offset: i };
        if (!target) return out;
      }
      top.keys.add(key);
      top.key = key;
      top.keyOffset = i;
      i = text.indexOf(':', end) + 1;
      while (i < n && isSpace(text.charCodeAt(i))) i++;
    }
    // A value starts at i.
    if (target && !out.found && samePath(stack, target)) {
      const owner = stack[stack.length - 1];
      out.found = owner?.object ? { offset: i, keyOffset: owner.keyOffset! } : { offset: i };
      if (out.duplicate) return out;
    }
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= maxDepth) {
        out.tooDeep ??= i;
        if (!target) return out;
      }
      stack.push({ object: c === 0x7b, index: 0 });
      i++;
      if (c === 0x5b) {
        while (i < n && isSpace(text.charCodeAt(i))) i++;
        if (text.charCodeAt(i) === 0x5d) {
          i++;
          stack.pop();
          if (afterValue()) return out;
        }
      }
      continue;
    }
    if (c === 0x22) i = skipString(text, i);
    else while (i < n && !isSpace(text.charCodeAt(i)) && text[i] !== ',' && text[i] !== ']' && text[i] !== '}') i++;
    if (afterValue()) return out;
  }

  /** Consume separators and closers after a value; true when the text is done. */
  function afterValue(): boolean {
    for (;;) {
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      const top = stack[stack.length - 1];
      if (!top || i >= n) return true;
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i++;
        if (!top.object) top.index++;
        return false;
      }
      if (c === 0x5d || c === 0x7d) {
        i++;
        stack.pop();
        continue;
      }
      return true; // not JSON JSON.parse would accept; stop quietly
    }
  }
}

/** 1-based line and column of an offset. */
export function lineColAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    start = k + 1;
  }
  return { line, col: offset - start + 1 };
}
