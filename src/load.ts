// Stage 1 — load: bytes to plain JavaScript documents that remember where each
// value came from. YAML and JSON go through the `yaml` parser (JSON is YAML's
// flow subset), so every document can map a value path back to line:col.
// Safety lives here: size and depth caps, alias caps, no custom tags, strict
// UTF-8, duplicate keys as errors, and the one bounded file reader that load,
// import and collect all read through. Each function returns a Result. This
// module knows nothing of kinds or schemas.

import { open, readdir, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { diagnostic, failed, ok, quote, type Diagnostic, type Position, type Result } from './errors.js';
import { lineColAt, scanJson } from './json-text.js';

export type ValuePath = readonly (string | number)[];

export interface SourceDocument {
  /** The file as the user named it, for messages. */
  file: string;
  data: unknown;
  /** Where the value at `path` is written; with `key`, where its key is. Falls back to the nearest ancestor. */
  locate(path: ValuePath, key?: boolean): Position;
  /** The source text of the value at `path`, when it is a scalar written in the file. */
  sourceText(path: ValuePath): string | undefined;
}

export interface LoadLimits {
  /** Largest document (a file, or one NDJSON line) in bytes. */
  maxBytes: number;
  /** Deepest nesting of maps and lists. */
  maxDepth: number;
  /** Most alias expansions in one YAML document. */
  maxAliases: number;
  /**
   * Largest YAML document in bytes. YAML is for people: parsing it costs far
   * more memory than JSON (a 1 MiB list of scalars takes ~700 MB), so larger
   * inputs must be JSON or NDJSON.
   */
  maxYamlBytes: number;
}

export const DEFAULT_LIMITS: LoadLimits = { maxBytes: 64 * 1024 * 1024, maxDepth: 64, maxAliases: 100, maxYamlBytes: 1024 * 1024 };

/** JSON when the file says so, or when the text starts like JSON (an object or a list). */
function looksLikeJson(text: string, file: string): boolean {
  if (/\.json$/i.test(file)) return true;
  if (/\.ya?ml$/i.test(file)) return false;
  return /^\s*[[{]/.test(text);
}

const ALLOWED_TAGS = new Set([
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
]);

/** Parse one YAML or JSON document held in memory (JSON by extension, or by its first character). */
export function parseText(text: string, file: string, limits: LoadLimits = DEFAULT_LIMITS): Result<SourceDocument> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) return failed([tooLarge(file, limits.maxBytes)]);
  if (looksLikeJson(text, file)) return parseJsonText(text, file, limits, (offset) => ({ file, ...lineColAt(text, offset) }));
  if (bytes > Math.min(limits.maxYamlBytes, limits.maxBytes)) {
    return failed([tooLarge(file, Math.min(limits.maxYamlBytes, limits.maxBytes), 'larger inputs must be JSON or NDJSON (YAML is for people)')]);
  }
  const lineCounter = new LineCounter();
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  let doc: Document;
  try {
    doc = parseDocument(text, {
      lineCounter,
      uniqueKeys: true,
      prettyErrors: false,
      resolveKnownTags: false,
      schema: 'core',
      strict: true,
    });
  } catch (e) {
    return failed([nestingError(e, file, limits)]);
  }
  const errors: Diagnostic[] = [];
  // The parser survives deep nesting by recording a stack overflow as an error: one error for it, coded as a limit.
  const overflow = doc.errors.find((e) => /call stack/i.test(e.message));
  if (overflow) return failed([diagnostic('input-too-large', `nesting deeper than ${limits.maxDepth} levels`, at(overflow.pos[0]))]);
  for (const e of doc.errors) {
    const where = at(e.pos[0]);
    if (e.code === 'DUPLICATE_KEY') {
      errors.push(diagnostic('duplicate-key', `duplicate key ${keyAt(text, e.pos[0])}`, where, { hint: 'each key may appear once in a map' }));
    } else if (e.code === 'MULTIPLE_DOCS') {
      errors.push(diagnostic('yaml-syntax', 'a file holds one document; this one has more after `---`', where, { hint: 'put each document in its own file, or hosts one per line in an .ndjson file' }));
    } else {
      errors.push(diagnostic('yaml-syntax', yamlMessage(e.message), where));
    }
  }
  visit(doc, {
    Pair: (_key, pair) => {
      // Keys are names (parents, types, uuids, attributes): a key YAML reads as a number, boolean, null or collection is refused.
      const key = pair.key as Node | null;
      if (key === null || (isScalar(key) && typeof key.value === 'string')) return;
      const offset = key.range?.[0] ?? (pair.value as Node | null)?.range?.[0] ?? 0;
      const written = isScalar(key) && key.range ? text.slice(key.range[0], key.range[1]) : undefined;
      errors.push(
        diagnostic('schema-violation', isCollection(key) ? 'a key must be a plain name, not a list or map' : `key ${quote(written ?? String(key))} is not read as a string`, at(offset), {
          hint: written === undefined ? 'write the key as a plain name' : `quote it: \`"${written}":\``,
        }),
      );
    },
  });
  visit(doc, (_key, node) => {
    const tag = (node as { tag?: string } | null)?.tag;
    if (tag !== undefined && !ALLOWED_TAGS.has(tag) && typeof (node as Node).range?.[0] === 'number') {
      // The node's range starts at its value; point at the tag written before it, on the same line.
      const start = (node as Node).range![0];
      const lineStart = text.lastIndexOf('\n', start - 1) + 1;
      const written = /!\S*\s+$/.exec(text.slice(lineStart, start));
      errors.push(
        diagnostic('yaml-syntax', `custom tag \`${shortTag(tag)}\` is not allowed`, at(written ? lineStart + written.index : start), {
          hint: 'write plain strings, numbers, lists and maps',
        }),
      );
    }
  });
  if (errors.length > 0) return failed(errors);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: limits.maxAliases });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      const excessive = /excessive/i.test(e.message);
      return failed([
        diagnostic(
          excessive ? 'input-too-large' : 'yaml-syntax',
          excessive ? `aliases expand to more than ${limits.maxAliases} copies` : yamlMessage(e.message),
          { file, line: 1, col: 1 },
        ),
      ]);
    }
    return failed([nestingError(e, file, limits)]);
  }
  const deep = tooDeep(data, limits.maxDepth);
  if (deep !== undefined) {
    return failed([diagnostic('input-too-large', `nesting deeper than ${limits.maxDepth} levels`, locate(doc, at, deep, false))]);
  }
  return ok({
    file,
    data,
    locate: (p, key = false) => locate(doc, at, p, key),
    sourceText: (p) => {
      const node = walk(doc, p).node;
      if (!node || !isScalar(node) || !node.range) return undefined;
      return text.slice(node.range[0], node.range[1]);
    },
  });
}

/** Parse a whole text as JSON, whatever the file is named (e.g. mdevctl's output). */
export function parseJsonDocument(text: string, file: string, limits: LoadLimits = DEFAULT_LIMITS): Result<SourceDocument> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (Buffer.byteLength(text, 'utf8') > limits.maxBytes) return failed([tooLarge(file, limits.maxBytes)]);
  return parseJsonText(text, file, limits, (offset) => ({ file, ...lineColAt(text, offset) }));
}

/** Parse one NDJSON line (1-based `line`). Positions are that line and the column within it. */
export function parseJsonLine(text: string, file: string, line: number, limits: LoadLimits = DEFAULT_LIMITS): Result<SourceDocument> {
  if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length > limits.maxBytes || Buffer.byteLength(text, 'utf8') > limits.maxBytes) return failed([tooLarge(file, limits.maxBytes, undefined, line)]);
  return parseJsonText(text, file, limits, (offset) => ({ file, line, col: offset + 1 }));
}

/**
 * JSON through JSON.parse (fast, native), then one linear scan for what it
 * does not report: duplicate keys and nesting depth. Positions of values are
 * found by scanning again, only when an error needs one.
 */
function parseJsonText(text: string, file: string, limits: LoadLimits, at: (offset: number) => Position): Result<SourceDocument> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String((e as Error).message));
    const offset = m ? Number(m[1]) : text.trim() === '' ? 0 : Math.max(0, text.length - 1);
    return failed([diagnostic('yaml-syntax', text.trim() === '' ? 'empty document' : `invalid json: ${jsonMessage(e)}`, at(offset))]);
  }
  // Fast path: when the text holds as many keys as the parsed value and the value is shallow
  // enough, there is no duplicate key; only otherwise is the text scanned to say where.
  const shape = shapeOf(data, limits.maxDepth);
  if (!shape.tooDeep && shape.keys === countKeysInText(text)) return ok(jsonDocument(text, file, data, at));
  const scan = scanJson(text, limits.maxDepth);
  if (scan.duplicate) {
    return failed([diagnostic('duplicate-key', `duplicate key ${quote(scan.duplicate.key)}`, at(scan.duplicate.offset), { hint: 'each key may appear once in a map' })]);
  }
  if (scan.tooDeep !== undefined) return failed([diagnostic('input-too-large', `nesting deeper than ${limits.maxDepth} levels`, at(scan.tooDeep))]);
  return ok(jsonDocument(text, file, data, at));
}

/** Keys in a JSON text JSON.parse accepted: a `"` that ends a string and is followed by `:` ends a key (inside strings every `"` is escaped). */
function countKeysInText(text: string): number {
  let n = 0;
  if (/"[ \t\r\n]+:/.test(text)) {
    // Whitespace between keys and colons: the general pattern.
    const re = /(\\*)"\s*:/g;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) if (m[1]!.length % 2 === 0) n++;
    return n;
  }
  // Compact JSON (what JSON.stringify and most tools write): find each `":` directly.
  for (let i = text.indexOf('":'); i >= 0; i = text.indexOf('":', i + 2)) {
    let backslashes = 0;
    for (let k = i - 1; k >= 0 && text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) n++;
  }
  return n;
}

/** Own keys in a parsed value, and whether it nests deeper than the limit. */
function shapeOf(data: unknown, maxDepth: number): { keys: number; tooDeep: boolean } {
  let keys = 0;
  const stack: [unknown, number][] = [[data, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) return { keys, tooDeep: true };
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
    } else {
      for (const k in v) {
        keys++;
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
      }
    }
  }
  return { keys, tooDeep: false };
}

function jsonDocument(text: string, file: string, data: unknown, at: (offset: number) => Position): SourceDocument {
  return {
      file,
      data,
      locate: (p, key = false) => {
        // Walk up to the nearest ancestor that exists.
        for (let k = p.length; k >= 0; k--) {
          const found = scanJson(text, Infinity, p.slice(0, k)).found;
          if (found) return at(key && k === p.length && found.keyOffset !== undefined ? found.keyOffset : found.offset);
        }
        return at(0);
      },
      sourceText: (p) => {
        const found = scanJson(text, Infinity, p).found;
        if (!found) return undefined;
        const m = /^(-?[0-9][0-9.eE+-]*|true|false|null)/.exec(text.slice(found.offset, found.offset + 64));
        return m?.[0];
      },
  };
}

/** Read and parse one YAML or JSON file. */
export async function loadFile(file: string, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<SourceDocument>> {
  const read = await readText(file, limits);
  if (!read.ok) return failed(read.errors);
  return parseText(read.value, file, limits);
}

/** Read a file as strict UTF-8 text, refusing it when larger than the limit. */
export async function readText(file: string, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<string>> {
  const read = await readBounded(file, limits.maxBytes);
  return read.ok ? decodeUtf8(read.value, file) : read;
}

/**
 * A file's bytes, read up to one byte past `maxBytes` whatever its stat size
 * says: files that grow, or lie about their size (/proc, sysfs), are capped
 * all the same. The one way every file is read (load, import, collect).
 * Failures are `input-too-large` (the file is longer than the limit) or
 * `file-unreadable`, with the system's reason. With `trustSize`, a stat size
 * over the limit refuses the file before reading it (right for regular files;
 * wrong for sysfs, whose attribute files all claim a page).
 */
export async function readBounded(file: string, maxBytes: number, { trustSize = true }: { trustSize?: boolean } = {}): Promise<Result<Buffer>> {
  let handle;
  try {
    handle = await open(file, 'r');
    const info = await handle.stat();
    if (info.isDirectory()) return failed([diagnostic('file-unreadable', 'is a directory, not a file', { file })]);
    if (trustSize && info.size > maxBytes) return failed([tooLarge(file, maxBytes)]);
    let buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max(info.size + 1, 64 * 1024)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) break;
        const grown = Buffer.alloc(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return failed([tooLarge(file, maxBytes)]);
    return ok(buffer.subarray(0, length));
  } catch (e) {
    return failed([diagnostic('file-unreadable', `cannot read: ${systemMessage(e)}`, { file })]);
  } finally {
    await handle?.close();
  }
}

/** Strict UTF-8: a byte sequence that is not valid text is an error, never replacement characters. */
export function decodeUtf8(bytes: Uint8Array, file: string, line?: number): Result<string> {
  try {
    return ok(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    const where: Position = line === undefined ? { file, line: 1, col: 1 } : { file, line, col: 1 };
    return failed([diagnostic('yaml-syntax', 'the file is not valid utf-8 text', where)]);
  }
}

/** One entry of a destination listing: a document, or the errors that stand in its place. */
export type DocumentEntry = Result<SourceDocument>;

/**
 * Expand a `--dest`-style argument into documents, lazily: a file (YAML/JSON), a
 * directory (every .yaml/.yml/.json inside, sorted), or an .ndjson inventory (one
 * document per line, streamed). Errors stand in for the documents they spoil, so
 * the caller can report them and go on with the rest.
 */
export async function* loadDocuments(arg: string, limits: LoadLimits = DEFAULT_LIMITS): AsyncGenerator<DocumentEntry> {
  if (arg === '-') {
    yield* loadNdjson('<stdin>', limits, process.stdin);
    return;
  }
  let info;
  try {
    info = await stat(arg);
  } catch (e) {
    yield failed([diagnostic('file-unreadable', `cannot read: ${systemMessage(e)}`, { file: arg })]);
    return;
  }
  if (info.isDirectory()) {
    let names: string[];
    try {
      // Files directly inside, never subdirectories (nor links to them: a link to `.` would loop).
      const entries = await readdir(arg, { withFileTypes: true });
      const files: string[] = [];
      for (const e of entries) {
        if (!/\.(ya?ml|json|ndjson)$/i.test(e.name)) continue;
        // A link is read unless it leads to a directory; a dangling one is reported as unreadable.
        if (e.isFile() || (e.isSymbolicLink() && (await stat(path.join(arg, e.name)).then((x) => !x.isDirectory(), () => true)))) files.push(e.name);
      }
      names = files.sort();
    } catch (e) {
      yield failed([diagnostic('file-unreadable', `cannot read directory: ${systemMessage(e)}`, { file: arg })]);
      return;
    }
    if (names.length === 0) yield failed([diagnostic('file-unreadable', 'holds no .yaml, .yml, .json or .ndjson file', { file: arg })]);
    for (const name of names) yield* loadDocuments(path.join(arg, name), limits);
    return;
  }
  if (/\.ndjson$/i.test(arg)) {
    yield* loadNdjson(arg, limits);
    return;
  }
  yield await loadFile(arg, limits);
}

/**
 * NDJSON, streamed: lines are split over raw chunks so memory holds one line
 * at most, and a line longer than the limit is skipped (with an error) without
 * ever being held whole.
 */
async function* loadNdjson(file: string, limits: LoadLimits, input?: NodeJS.ReadableStream): AsyncGenerator<DocumentEntry> {
  let lineNo = 0;
  let parts: Buffer[] = [];
  let size = 0;
  let oversize = false;
  let entries = 0;
  const finish = (): DocumentEntry | undefined => {
    lineNo++;
    const chunks = parts;
    const wasOversize = oversize;
    parts = [];
    size = 0;
    oversize = false;
    if (wasOversize) return failed([tooLarge(file, limits.maxBytes, undefined, lineNo)]);
    let bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    const decoded = decodeUtf8(bytes, file, lineNo);
    if (!decoded.ok) return failed(decoded.errors);
    if (decoded.value.trim() === '') return undefined;
    return parseJsonLine(decoded.value, file, lineNo, limits);
  };
  try {
    for await (const chunk of (input ?? createReadStream(file, { highWaterMark: 1024 * 1024 })) as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        if (!oversize) parts.push(chunk.subarray(start, nl));
        start = nl + 1;
        const entry = finish();
        if (entry) {
          entries++;
          yield entry;
        }
      }
      if (start < chunk.length && !oversize) {
        size += chunk.length - start;
        if (size > limits.maxBytes) {
          oversize = true;
          parts = [];
        } else {
          parts.push(chunk.subarray(start));
        }
      }
    }
    if (parts.length > 0 || oversize) {
      const entry = finish();
      if (entry) {
        entries++;
        yield entry;
      }
    }
  } catch (e) {
    yield failed([diagnostic('file-unreadable', `cannot read: ${systemMessage(e)}`, { file, line: lineNo + 1, col: 1 })]);
    return;
  }
  if (entries === 0) yield failed([diagnostic('file-unreadable', 'holds no document (an empty inventory)', { file })]);
}

// --- positions -------------------------------------------------------------

function walk(doc: Document, p: ValuePath): { node: unknown; key: unknown; depth: number } {
  let node: unknown = doc.contents;
  let key: unknown;
  let depth = 0;
  for (const segment of p) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === String(segment));
      if (!pair) break;
      key = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      key = undefined;
      node = item;
    } else {
      break;
    }
    depth++;
  }
  return { node, key, depth };
}

function locate(doc: Document, at: (offset: number) => Position, p: ValuePath, wantKey: boolean): Position {
  const { node, key, depth } = walk(doc, p);
  const target = wantKey && depth === p.length && key ? key : node;
  const range = (target as Node | undefined)?.range;
  return range ? at(range[0]) : at(0);
}

// --- helpers ---------------------------------------------------------------

function tooDeep(data: unknown, maxDepth: number): (string | number)[] | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: data, path: [] }];
  while (stack.length > 0) {
    const { value, path: p } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (p.length >= maxDepth) return p;
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, path: [...p, i] }));
    else for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: [...p, k] });
  }
  return undefined;
}

function tooLarge(file: string, max: number, hint = 'raise the limit with --max-bytes if the input is trusted', line?: number): Diagnostic {
  return diagnostic('input-too-large', `document is larger than ${max} bytes`, line === undefined ? { file } : { file, line, col: 1 }, { hint });
}

function nestingError(e: unknown, file: string, limits: LoadLimits): Diagnostic {
  if (e instanceof RangeError) return diagnostic('input-too-large', `nesting deeper than ${limits.maxDepth} levels`, { file, line: 1, col: 1 });
  return diagnostic('yaml-syntax', yamlMessage(String((e as Error)?.message ?? e)), { file, line: 1, col: 1 });
}

function keyAt(text: string, offset: number): string {
  const m = /^[^:\n]*/.exec(text.slice(offset, offset + 80));
  const key = (m?.[0] ?? '').trim().replace(/^["']|["']$/g, '');
  return key ? `\`${key}\`` : '';
}

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  const m = first.replace(/ at line \d+, column \d+:?$/, '').trim();
  return m.charAt(0).toLowerCase() + m.slice(1);
}

function jsonMessage(e: unknown): string {
  const m = String((e as Error)?.message ?? e).replace(/ in JSON at position \d+.*$/, '');
  return m.charAt(0).toLowerCase() + m.slice(1);
}

export function systemMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (code ?? String((e as Error)?.message ?? e)).toLowerCase();
}
