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
  /**
   * Offsets of the value (and its key) at the path asked for or, when the
   * path does not exist, of its deepest ancestor that does; `depth` says how
   * many segments of the path were found.
   */
  found?: { offset: number; keyOffset?: number; depth: number };
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

/**
 * Walk a JSON text that JSON.parse accepted. Reports the first duplicate key
 * and the first value deeper than `maxDepth`; or, with `target`, only the
 * offsets of the value at that path (or its deepest existing ancestor),
 * stopping as soon as they are known.
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
        if (target && out.found && stack.length <= out.found.depth) return out;
        if (afterValue()) return out;
        continue;
      }
      const end = skipString(text, i);
      const key = keyOf(text, i, end);
      if (!target) {
        top.keys ??= new Set();
        if (top.keys.has(key)) {
          out.duplicate = { key, offset: i };
          return out;
        }
        top.keys.add(key);
      }
      top.key = key;
      top.keyOffset = i;
      i = text.indexOf(':', end) + 1;
      while (i < n && isSpace(text.charCodeAt(i))) i++;
    }
    // A value starts at i. With a target, it is the next segment found when its container is the deepest found so far.
    if (target) {
      const depth = stack.length;
      if (depth === 0) {
        out.found = { offset: i, depth: 0 };
      } else if (out.found?.depth === depth - 1) {
        const owner = stack[depth - 1]!;
        if (String(owner.object ? owner.key : owner.index) === String(target[depth - 1])) {
          out.found = owner.object ? { offset: i, keyOffset: owner.keyOffset!, depth } : { offset: i, depth };
        }
      }
      if (out.found?.depth === target.length) return out;
    }
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= maxDepth) {
        out.tooDeep = i;
        return out;
      }
      stack.push({ object: c === 0x7b, index: 0 });
      i++;
      if (c === 0x5b) {
        while (i < n && isSpace(text.charCodeAt(i))) i++;
        if (text.charCodeAt(i) === 0x5d) {
          i++;
          stack.pop();
          if (target && out.found && stack.length <= out.found.depth) return out;
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
        // Leaving the deepest container found: the rest of the path is not in it.
        if (target && out.found && stack.length <= out.found.depth) return true;
        continue;
      }
      return true; // not JSON JSON.parse would accept; stop quietly
    }
  }
}

/**
 * Where a JSON text holds more than `max` values (maps, lists, scalars; a key
 * and its value count once), or undefined: one pass, no value built. Exact
 * for valid JSON: one for the whole, one for the first member of each
 * non-empty map or list, one for each comma outside strings.
 */
export function jsonValuesOver(text: string, max: number): number | undefined {
  if (max < 1) return 0;
  let count = 1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = skipString(text, i) - 1;
      continue;
    }
    if (c === 0x2c) {
      count++;
    } else if (c === 0x5b || c === 0x7b) {
      let j = i + 1;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      const d = text.charCodeAt(j);
      if (d === 0x5d || d === 0x7d) continue;
      count++;
    } else {
      continue;
    }
    if (count > max) return i;
  }
  return undefined;
}

/** Where one value of a JSON text is written, and where its children are. */
export interface JsonIndexNode {
  offset: number;
  keyOffset?: number;
  children?: Map<string, JsonIndexNode> | JsonIndexNode[];
}

/**
 * Every value's offsets in a JSON text that JSON.parse accepted, as a tree:
 * one pass, one small object per value. For a document asked for many
 * positions (each `scanJson` with a target is a pass of its own).
 */
export function indexJson(text: string): JsonIndexNode | undefined {
  let root: JsonIndexNode | undefined;
  const stack: { node: JsonIndexNode; object: boolean; key?: string; keyOffset?: number }[] = [];
  const n = text.length;
  let i = 0;
  const skipSpace = () => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= n) return root;
    const top = stack[stack.length - 1];
    const c = text.charCodeAt(i);
    if (c === 0x2c) {
      i++;
      continue;
    }
    if (c === 0x5d || c === 0x7d) {
      i++;
      stack.pop();
      if (stack.length === 0) return root;
      continue;
    }
    if (top?.object && top.key === undefined) {
      // A key, then its colon.
      const end = skipString(text, i);
      top.key = keyOf(text, i, end);
      top.keyOffset = i;
      i = text.indexOf(':', end) + 1;
      continue;
    }
    // A value starts at i.
    const node: JsonIndexNode = { offset: i };
    if (!top) {
      root = node;
    } else if (top.object) {
      node.keyOffset = top.keyOffset!;
      (top.node.children as Map<string, JsonIndexNode>).set(top.key!, node);
      top.key = undefined;
    } else {
      (top.node.children as JsonIndexNode[]).push(node);
    }
    if (c === 0x7b || c === 0x5b) {
      node.children = c === 0x7b ? new Map() : [];
      stack.push({ node, object: c === 0x7b });
      i++;
      continue;
    }
    if (c === 0x22) i = skipString(text, i);
    else while (i < n && !isSpace(text.charCodeAt(i)) && text[i] !== ',' && text[i] !== ']' && text[i] !== '}') i++;
    if (stack.length === 0) return root;
  }
}

/** The node at a path in an index, or its deepest ancestor there, with how many segments were found. */
export function findInIndex(root: JsonIndexNode | undefined, target: JsonPath): { offset: number; keyOffset?: number; depth: number } | undefined {
  if (!root) return undefined;
  let node = root;
  let depth = 0;
  for (const segment of target) {
    const children = node.children;
    const next = children instanceof Map ? children.get(String(segment)) : String(Number(segment)) === String(segment) ? children?.[Number(segment)] : undefined;
    if (!next) break;
    node = next;
    depth++;
  }
  return node.keyOffset === undefined ? { offset: node.offset, depth } : { offset: node.offset, keyOffset: node.keyOffset, depth };
}

/**
 * 1-based line and column of offsets in one text: the line starts are found
 * once, on the first call, then each position is a binary search.
 */
export function lineLocator(text: string): (offset: number) => { line: number; col: number } {
  let starts: number[] | undefined;
  return (offset) => {
    if (!starts) {
      starts = [0];
      for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) starts.push(k + 1);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  };
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
