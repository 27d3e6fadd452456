// Stage 1 — load: bytes to plain JavaScript documents that remember where each
// value came from. YAML and JSON go through the `yaml` parser (JSON is YAML's
// flow subset), so every document can map a value path back to line:col.
// Safety lives here: size and depth caps, alias caps, no custom tags, strict
// UTF-8, duplicate keys as errors, and the one bounded file reader that load,
// import and collect all read through. Each function returns a Result. This
// module knows nothing of kinds or schemas.

import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { isAscii } from 'node:buffer';
import { constants, type Stats } from 'node:fs';
import path from 'node:path';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
// yaml itself is loaded on first use (src/yaml.ts): a run that parses no YAML never loads it.
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from './yaml.js';
import { diagnostic, failed, ok, quote, type Diagnostic, type Position, type Result } from './errors.js';
import { findInIndex, indexJson, jsonValuesOver, lineColAt, lineLocator, scanJson, type JsonIndexNode } from './json-text.js';

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
  /**
   * Most values (maps, lists and scalars; a key and its value count once) in
   * one document, YAML aliases counted as the copies they stand for. Bytes
   * alone do not bound memory: a 64 MiB line of `{},` is 21 million objects,
   * and each value may cost several schema errors (~200 bytes each). Counted
   * in the text (JSON) or the node tree (YAML) before any value is built.
   */
  maxValues: number;
  /**
   * Most items in one YAML document, counted in the text before it is parsed
   * (each `-`, `,`, `:`, `?`, `[` and `{`, wherever it is: an overestimate).
   * The parser costs ~1.5 KB per item, so this, with maxYamlBytes, bounds it.
   */
  maxYamlItems: number;
}

export const DEFAULT_LIMITS: LoadLimits = { maxBytes: 64 * 1024 * 1024, maxDepth: 64, maxAliases: 100, maxYamlBytes: 1024 * 1024, maxValues: 250_000, maxYamlItems: 100_000 };

/** At most this many errors are reported per document; one more line counts the rest. */
export const MAX_ERRORS_PER_DOCUMENT = 100;

/**
 * `kept` (at most MAX_ERRORS_PER_DOCUMENT diagnostics) and, when `more` were
 * left out, one line counting them, coded and placed like the last kept one
 * so that it sorts after them: a document with thousands of mistakes gives a
 * short report, in time linear in its size.
 */
export function withMore(kept: Diagnostic[], more: number): Diagnostic[] {
  if (more <= 0 || kept.length === 0) return kept;
  const last = kept.reduce((a, b) => ((b.line ?? 0) > (a.line ?? 0) || ((b.line ?? 0) === (a.line ?? 0) && (b.col ?? 0) >= (a.col ?? 0)) ? b : a));
  const where: Position = {};
  if (last.file !== undefined) where.file = last.file;
  if (last.line !== undefined) where.line = last.line;
  if (last.col !== undefined) where.col = last.col;
  const noun = last.severity === 'warning' ? 'warning' : 'error';
  return [
    ...kept,
    diagnostic(last.code, `… and ${more} more ${noun}${more === 1 ? '' : 's'} in this document`, where, {
      hint: `only the first ${kept.length} are reported${noun === 'error' ? ': fix those and run again' : ''}`,
      severity: last.severity,
    }),
  ];
}

/** The first MAX_ERRORS_PER_DOCUMENT of `ds`, and a line counting the rest. */
export function capDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.length <= MAX_ERRORS_PER_DOCUMENT ? ds : withMore(ds.slice(0, MAX_ERRORS_PER_DOCUMENT), ds.length - MAX_ERRORS_PER_DOCUMENT);
}

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
  if (looksLikeJson(text, file)) {
    const lineCol = lineLocator(text);
    return parseJsonText(text, file, limits, (offset) => ({ file, ...lineCol(offset) }));
  }
  if (bytes > Math.min(limits.maxYamlBytes, limits.maxBytes)) {
    return failed([tooLarge(file, Math.min(limits.maxYamlBytes, limits.maxBytes), 'larger inputs must be JSON or NDJSON (YAML is for people)')]);
  }
  const items = yamlItemsOver(text, limits.maxYamlItems);
  if (items !== undefined) {
    return failed([
      diagnostic('input-too-large', `more than ${limits.maxYamlItems} items in one YAML document`, { file, ...lineColAt(text, items) }, { hint: 'larger inputs must be JSON or NDJSON (YAML is for people)' }),
    ]);
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
      // The parser's own check compares each key with every earlier one (quadratic in a map's size): keys are checked below, with a set per map.
      uniqueKeys: false,
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
    if (e.code === 'MULTIPLE_DOCS') {
      errors.push(diagnostic('yaml-syntax', 'a file holds one document; this one has more after `---`', where, { hint: 'put each document in its own file, or hosts one per line in an .ndjson file' }));
    } else {
      errors.push(diagnostic('yaml-syntax', yamlMessage(e.message), where));
    }
    if (errors.length > MAX_ERRORS_PER_DOCUMENT) return failed(withMore(errors.slice(0, MAX_ERRORS_PER_DOCUMENT), doc.errors.length - MAX_ERRORS_PER_DOCUMENT));
  }
  let more = 0;
  const report = (d: () => Diagnostic) => {
    if (errors.length < MAX_ERRORS_PER_DOCUMENT) errors.push(d());
    else more++;
  };
  visit(doc, {
    Map: (_key, map) => {
      // Duplicate keys, one set per map (keys are compared as the parser would: scalars by value).
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        if (!isScalar(key)) continue;
        if (seen.has(key.value)) {
          const offset = key.range?.[0] ?? 0;
          report(() => diagnostic('duplicate-key', `duplicate key ${keyAt(text, offset)}`, at(offset), { hint: 'each key may appear once in a map' }));
        }
        seen.add(key.value);
      }
    },
    Pair: (_key, pair) => {
      // Keys are names (parents, types, uuids, attributes): a key YAML reads as a number, boolean, null or collection is refused.
      const key = pair.key as Node | null;
      if (key === null || (isScalar(key) && typeof key.value === 'string')) return;
      const offset = key.range?.[0] ?? (pair.value as Node | null)?.range?.[0] ?? 0;
      const written = isScalar(key) && key.range ? text.slice(key.range[0], key.range[1]) : undefined;
      report(() =>
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
      report(() =>
        diagnostic('yaml-syntax', `custom tag \`${shortTag(tag)}\` is not allowed`, at(written ? lineStart + written.index : start), {
          hint: 'write plain strings, numbers, lists and maps',
        }),
      );
    }
  });
  if (errors.length > 0) return failed(withMore(errors, more));
  // Before any value is built: how many values the document stands for (aliases expanded) and how deep it nests.
  const size = measureYaml(doc, limits);
  if (size.tooMany !== undefined) {
    return failed([
      diagnostic('input-too-large', `more than ${limits.maxValues} values in one document${size.viaAlias ? ' once its aliases are expanded' : ''}`, at(size.tooMany), {
        hint: size.viaAlias ? 'write the values out instead of repeating them through aliases' : 'a host or policy needs far fewer; split the input',
      }),
    ]);
  }
  if (size.cycle !== undefined) return failed([diagnostic('input-too-large', 'an alias refers to a collection that contains it (endless)', at(size.cycle))]);
  if (size.tooDeep !== undefined) return failed([diagnostic('input-too-large', `nesting deeper than ${limits.maxDepth} levels`, at(size.tooDeep))]);
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
  const lineCol = lineLocator(text);
  return parseJsonText(text, file, limits, (offset) => ({ file, ...lineCol(offset) }));
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
  // Memory follows the number of values, not the bytes (an empty object costs V8 some 50 bytes for its 3 of text):
  // count them before JSON.parse builds any. A text shorter than the limit cannot hold more values than characters.
  if (text.length > limits.maxValues) {
    const over = jsonValuesOver(text, limits.maxValues);
    if (over !== undefined) {
      return failed([diagnostic('input-too-large', `more than ${limits.maxValues} values in one document`, at(over), { hint: 'a host or policy needs far fewer; split the input' })]);
    }
  }
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
export function countKeysInText(text: string): number {
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

/**
 * countKeysInText on the UTF-8 bytes of a JSON text JSON.parse accepted
 * (`bytes[start, end)`): each `:` after a `"` (JSON whitespace between) that
 * an even run of backslashes precedes. No multi-byte UTF-8 sequence holds a
 * `"`, `:` or `\\` byte, so bytes count what characters count; a native
 * search per colon.
 */
export function countKeysInBytes(bytes: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x3a, start); i >= 0 && i < end; i = bytes.indexOf(0x3a, i + 1)) {
    let j = i - 1;
    for (let c = bytes[j]; j >= start && (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d); c = bytes[--j]);
    if (j < start || bytes[j] !== 0x22) continue;
    let k = j - 1;
    while (k >= start && bytes[k] === 0x5c) k--;
    if ((j - 1 - k) % 2 === 0) n++;
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

/** Positions asked for before the whole text is indexed: each is a scan that stops where it finds its value. */
const SCANS_BEFORE_INDEX = 16;

function jsonDocument(text: string, file: string, data: unknown, at: (offset: number) => Position): SourceDocument {
  // A few positions (the usual error or two) are found by scanning; many (thousands of
  // warnings or errors found by later stages) through an index of the text built once.
  let scans = 0;
  let index: JsonIndexNode | undefined;
  const find = (p: ValuePath) => {
    if (index === undefined && ++scans > SCANS_BEFORE_INDEX) index = indexJson(text);
    return index === undefined ? scanJson(text, Infinity, p).found : findInIndex(index, p);
  };
  return {
    file,
    data,
    locate: (p, key = false) => {
      // The value at the path, else its nearest ancestor that exists.
      const found = find(p);
      if (!found) return at(0);
      return at(key && found.depth === p.length && found.keyOffset !== undefined ? found.keyOffset : found.offset);
    },
    sourceText: (p) => {
      const found = find(p);
      if (!found || found.depth !== p.length) return undefined;
      const m = /^(-?[0-9][0-9.eE+-]*|true|false|null)/.exec(text.slice(found.offset, found.offset + 64));
      return m?.[0];
    },
  };
}

/**
 * How a path came to be read. `named`: the user gave it (a flag, an argument,
 * a suite's reference), so whatever it is — a FIFO, `/dev/stdin`, `<(…)` — is
 * read to its end, bounded by the byte limit. Otherwise it was found by
 * listing a directory, and only a regular file is read: a link there to a
 * FIFO would block forever, one to /dev/zero would never end.
 */
export interface ReadOptions {
  named?: boolean;
}

/** Read and parse one YAML or JSON file. */
export async function loadFile(file: string, limits: LoadLimits = DEFAULT_LIMITS, { named = true }: ReadOptions = {}): Promise<Result<SourceDocument>> {
  const read = await readText(file, limits, { named });
  if (!read.ok) return failed(read.errors);
  return parseText(read.value, file, limits);
}

/** Read a file as strict UTF-8 text, refusing it when larger than the limit. */
export async function readText(file: string, limits: LoadLimits = DEFAULT_LIMITS, { named = true }: ReadOptions = {}): Promise<Result<string>> {
  const read = await readBounded(file, limits.maxBytes, { named });
  return read.ok ? decodeUtf8(read.value, file) : read;
}

/**
 * A text argument that may be `-`: standard input, read to its end (named
 * `<stdin>` in messages), within the same limit. A leading byte-order mark is
 * kept (a caller that writes the text back keeps it too).
 */
export async function readTextArgument(arg: string, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<string>> {
  const name = arg === '-' ? STDIN_NAME : arg;
  const read = arg === '-' ? await readStreamBounded(process.stdin, STDIN_NAME, limits.maxBytes) : await readBounded(arg, limits.maxBytes, { named: true });
  return read.ok ? decodeUtf8(read.value, name, undefined, { keepBom: true }) : read;
}

/** How standard input is named in messages. */
export const STDIN_NAME = '<stdin>';

function fileKind(info: Stats): string {
  if (info.isFIFO()) return 'a fifo';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Open a file to read. A named path is opened as it is (a FIFO waits for its
 * writer, as the user asked). Any other must be a regular file: one that
 * stat says is not is never opened (opening a device node can act: a
 * watchdog starts counting); the rest are opened without blocking
 * (O_NONBLOCK, so a FIFO swapped in meanwhile opens at once; O_NOCTTY) and
 * refused unless the opened handle itself is a regular file.
 */
async function openInput(file: string, named: boolean): Promise<Result<FileHandle | 'stdin'>> {
  const refuse = (info: Stats): Result<FileHandle> | undefined => {
    if (info.isDirectory()) return failed([diagnostic('file-unreadable', 'is a directory, not a file', { file })]);
    if (named || info.isFile()) return undefined;
    const kind = fileKind(info);
    return failed([
      diagnostic('file-unreadable', kind === 'not a regular file' ? 'is not a regular file: not read' : `is ${kind}, not a regular file: not read`, { file }, {
        hint: 'in a directory only regular files are read; name it on the command line to read it',
      }),
    ]);
  };
  let handle: FileHandle | undefined;
  try {
    if (!named) {
      const refused = refuse(await stat(file));
      if (refused) return refused;
    }
    handle = await open(file, named ? constants.O_RDONLY : constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const refused = refuse(await handle.stat());
    if (refused) {
      await handle.close();
      return refused;
    }
    return ok(handle);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    // Standard input that is a socket (what a Node or libuv parent gives) cannot be opened again by path: read the stream.
    if (named && (e as NodeJS.ErrnoException).code === 'ENXIO' && STDIN_PATHS.has(file)) return ok('stdin');
    return failed([diagnostic('file-unreadable', `cannot read: ${systemMessage(e)}`, { file })]);
  }
}

const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/** A stream's bytes, up to one byte past `maxBytes`. */
async function readStreamBounded(stream: AsyncIterable<Buffer>, file: string, maxBytes: number): Promise<Result<Buffer>> {
  const parts: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk);
      length += chunk.length;
      if (length > maxBytes) return failed([tooLarge(file, maxBytes)]);
    }
  } catch (e) {
    return failed([diagnostic('file-unreadable', `cannot read: ${systemMessage(e)}`, { file })]);
  }
  return ok(Buffer.concat(parts, length));
}

/**
 * An open file's bytes to its end, holding at most `maxBytes + 1` of them:
 * undefined when it is longer than `maxBytes`. The buffer starts at
 * `initial` bytes and grows by doubling. The read loop of every file read.
 */
export async function readHandleAtMost(handle: FileHandle, maxBytes: number, initial: number): Promise<Buffer | undefined> {
  let buffer = Buffer.alloc(Math.min(maxBytes + 1, initial));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > maxBytes) return undefined;
      const grown = Buffer.alloc(Math.min(maxBytes + 1, buffer.length * 2));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    // `null`: read on from the current position, so pipes and character devices read as they flow.
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return length > maxBytes ? undefined : buffer.subarray(0, length);
}

/**
 * A file's bytes, read to its end but never past one byte more than
 * `maxBytes`, whatever its stat size says: pipes (which say 0), files that
 * grow, or lie about their size (/proc, sysfs) are capped all the same. The
 * one way every file is read (load, import, collect). Failures are
 * `input-too-large` (the file is longer than the limit) or `file-unreadable`,
 * with the system's reason. With `trustSize`, a stat size over the limit
 * refuses the file before reading it (right for regular files; wrong for
 * sysfs, whose attribute files all claim a page). Without `named` (the
 * default here: collect reads what it lists) only a regular file is read.
 */
export async function readBounded(file: string, maxBytes: number, { trustSize = true, named = false }: { trustSize?: boolean } & ReadOptions = {}): Promise<Result<Buffer>> {
  const opened = await openInput(file, named);
  if (!opened.ok) return failed(opened.errors);
  if (opened.value === 'stdin') return readStreamBounded(process.stdin, file, maxBytes);
  const handle = opened.value;
  try {
    const info = await handle.stat();
    if (trustSize && info.isFile() && info.size > maxBytes) return failed([tooLarge(file, maxBytes)]);
    const bytes = await readHandleAtMost(handle, maxBytes, Math.max(info.size + 1, 64 * 1024));
    return bytes ? ok(bytes) : failed([tooLarge(file, maxBytes)]);
  } catch (e) {
    return failed([diagnostic('file-unreadable', `cannot read: ${systemMessage(e)}`, { file })]);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Strict UTF-8: a byte sequence that is not valid text is an error, never replacement characters. */
export function decodeUtf8(bytes: Uint8Array, file: string, line?: number, { keepBom = false }: { keepBom?: boolean } = {}): Result<string> {
  try {
    return ok(new TextDecoder('utf-8', { fatal: true, ignoreBOM: keepBom }).decode(bytes));
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
  yield* documentsOf(arg, limits, true);
}

async function* documentsOf(arg: string, limits: LoadLimits, named: boolean): AsyncGenerator<DocumentEntry> {
  let info;
  try {
    info = await stat(arg);
  } catch (e) {
    yield failed([diagnostic('file-unreadable', `cannot read: ${systemMessage(e)}`, { file: arg })]);
    return;
  }
  if (info.isDirectory() && named) {
    let names: string[];
    try {
      // Entries directly inside, never subdirectories (nor links to them: a link to `.` would loop).
      // Anything else is listed; what is not a regular file is refused, with an error, when opened.
      const entries = await readdir(arg, { withFileTypes: true });
      const files: string[] = [];
      for (const e of entries) {
        if (!/\.(ya?ml|json|ndjson)$/i.test(e.name) || e.isDirectory()) continue;
        // A link is read unless it leads to a directory; a dangling one is reported as unreadable.
        if (!e.isSymbolicLink() || (await stat(path.join(arg, e.name)).then((x) => !x.isDirectory(), () => true))) files.push(e.name);
      }
      names = files.sort();
    } catch (e) {
      yield failed([diagnostic('file-unreadable', `cannot read directory: ${systemMessage(e)}`, { file: arg })]);
      return;
    }
    if (names.length === 0) yield failed([diagnostic('file-unreadable', 'holds no .yaml, .yml, .json or .ndjson file', { file: arg })]);
    for (const name of names) yield* documentsOf(path.join(arg, name), limits, false);
    return;
  }
  if (/\.ndjson$/i.test(arg)) {
    yield* loadNdjson(arg, limits, undefined, named);
    return;
  }
  yield await loadFile(arg, limits, { named });
}

/**
 * NDJSON, streamed: the input is cut into pieces of whole lines (about
 * 1 MiB each, NdjsonSplitter) and each line parsed, so memory holds one piece
 * and one line at most; a line longer than the limit is skipped (with an
 * error) without ever being held whole.
 */
async function* loadNdjson(file: string, limits: LoadLimits, input?: NodeJS.ReadableStream, named = true): AsyncGenerator<DocumentEntry> {
  for await (const piece of ndjsonPieces(file, limits, input, named)) {
    if ('errors' in piece) {
      yield failed(piece.errors);
      continue;
    }
    const entries: DocumentEntry[] = [];
    forEachLine(piece, file, (line) => entries.push('errors' in line ? failed(line.errors) : parseJsonLine(line.text, file, line.line, limits)));
    yield* entries;
  }
}

/** Whole lines of an NDJSON input and the number of the first; the last piece may end without a newline. */
export interface LinesPiece {
  bytes: Buffer;
  firstLine: number;
}

/** What an NDJSON input yields: pieces of lines, or errors standing for a line (too long) or for the rest of the input. */
export type NdjsonPiece = LinesPiece | { errors: Diagnostic[]; entry: boolean };

/** The size a piece of NDJSON lines reaches before it is handed on (cut after the last newline). */
export const NDJSON_PIECE_BYTES = 1 << 20;

/**
 * Cuts a byte stream into pieces of whole lines, each at least `pieceBytes`
 * (but the last), cut after the last newline of the chunk that filled it.
 * A line whose unfinished part grows past `maxBytes` is dropped as it comes
 * and reported as too large (by line number) once its newline or the end
 * arrives: never held whole. Synchronous: the fleet path and the document
 * reader share it, so both number lines the same.
 */
export class NdjsonSplitter {
  private parts: Buffer[] = [];
  /** Bytes held, and of those the unfinished line's (after the last newline). */
  private size = 0;
  private tail = 0;
  private skipping = false;
  /** The number of the first line not yet handed on. */
  line = 1;

  constructor(
    private readonly maxBytes: number,
    private readonly pieceBytes: number = NDJSON_PIECE_BYTES,
  ) {}

  push(chunk: Buffer, out: (LinesPiece | { tooLarge: number })[]): void {
    if (this.skipping) {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) return;
      out.push({ tooLarge: this.line++ });
      this.skipping = false;
      chunk = chunk.subarray(nl + 1);
      if (chunk.length === 0) return;
    }
    const nl = chunk.lastIndexOf(0x0a);
    this.parts.push(chunk);
    this.size += chunk.length;
    if (nl < 0) {
      this.tail += chunk.length;
      // Past the limit by more than a CR and a BOM, which the loader strips before its own check: too large for certain.
      if (this.tail > this.maxBytes + 4) {
        // The finished lines held before it go on; the unfinished one is dropped from here to its newline.
        this.flushFinished(out);
        this.parts = [];
        this.size = 0;
        this.tail = 0;
        this.skipping = true;
      }
      return;
    }
    this.tail = chunk.length - nl - 1;
    if (this.size >= this.pieceBytes) this.flushFinished(out);
  }

  /** Hand on the finished lines held (the unfinished one stays): at a piece's size, and before an error ends the input. */
  flushFinished(out: (LinesPiece | { tooLarge: number })[]): void {
    const whole = this.size - this.tail;
    if (whole === 0) return;
    const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    // The unfinished line is copied out, so the piece's memory is not kept alive by it.
    this.parts = this.tail > 0 ? [Buffer.from(all.subarray(whole))] : [];
    this.size = this.tail;
    this.piece(all.subarray(0, whole), out);
  }

  /** The end of the input: what is held, as the last piece (its last line may lack a newline). */
  end(out: (LinesPiece | { tooLarge: number })[]): void {
    if (this.skipping) {
      out.push({ tooLarge: this.line++ });
      this.skipping = false;
      return;
    }
    if (this.size === 0) return;
    const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    this.tail = 0;
    this.piece(all, out);
  }

  private piece(bytes: Buffer, out: (LinesPiece | { tooLarge: number })[]): void {
    out.push({ bytes, firstLine: this.line });
    let lines = 0;
    for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) lines++;
    if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) lines++;
    this.line += lines;
  }
}

/**
 * An NDJSON input (a file, a FIFO, or `input`: standard input) as pieces of
 * whole lines; a line too long to hold, a read error, or an input without
 * any line stand as errors in order.
 */
export async function* ndjsonPieces(file: string, limits: LoadLimits, input?: NodeJS.ReadableStream, named = true): AsyncGenerator<NdjsonPiece> {
  let stream = input;
  if (!stream) {
    // Opened here, as any file is (a FIFO named on the command line is read as it flows; one found in a directory is refused).
    const opened = await openInput(file, named);
    if (!opened.ok) {
      yield { errors: opened.errors, entry: false };
      return;
    }
    stream = opened.value === 'stdin' ? process.stdin : opened.value.createReadStream({ highWaterMark: NDJSON_PIECE_BYTES });
  }
  const splitter = new NdjsonSplitter(limits.maxBytes);
  const out: (LinesPiece | { tooLarge: number })[] = [];
  let documents = false;
  const handOn = function* (): Generator<NdjsonPiece> {
    for (const p of out) {
      if ('tooLarge' in p) {
        documents = true;
        yield { errors: [tooLarge(file, limits.maxBytes, undefined, p.tooLarge)], entry: true };
      } else {
        if (!documents && hasDocument(p, file)) documents = true;
        yield p;
      }
    }
    out.length = 0;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      splitter.push(chunk, out);
      if (out.length > 0) yield* handOn();
    }
  } catch (e) {
    splitter.flushFinished(out);
    yield* handOn();
    yield { errors: [diagnostic('file-unreadable', `cannot read: ${systemMessage(e)}`, { file, line: splitter.line, col: 1 })], entry: false };
    return;
  }
  splitter.end(out);
  yield* handOn();
  if (!documents) yield { errors: [diagnostic('file-unreadable', 'holds no document (an empty inventory)', { file })], entry: false };
}

/** Whether some line of a piece is not blank (an inventory of blank lines holds no document). */
function hasDocument(piece: LinesPiece, file: string): boolean {
  const bytes = piece.bytes;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c >= 0x80) break; // Unicode blanks, or not UTF-8: the lines themselves say
    if (c !== 0x0a && c !== 0x0d && c !== 0x20 && c !== 0x09 && c !== 0x0b && c !== 0x0c) return true;
  }
  let found = false;
  forEachLine(piece, file, () => {
    found = true;
  });
  return found;
}

/** One line of a piece: its text (not blank) and where its bytes are in the piece, or the errors of a line that is not UTF-8. */
export type LineEntry = { text: string; line: number; start: number; end: number } | { errors: Diagnostic[]; line: number };

/**
 * The lines of a piece, synchronously: split with indexOf, a trailing CR
 * dropped, blank lines skipped. An ASCII piece is decoded once, without a
 * UTF-8 decoder; in any other, each line that is not ASCII is decoded
 * strictly (invalid UTF-8 is an error at that line).
 */
export function forEachLine(piece: LinesPiece, file: string, each: (line: LineEntry) => void): void {
  const bytes = piece.bytes;
  let line = piece.firstLine;
  if (isAscii(bytes)) {
    const text = bytes.toString('latin1');
    for (let start = 0; start < text.length; line++) {
      let nl = text.indexOf('\n', start);
      if (nl < 0) nl = text.length;
      const end = nl > start && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      if (end > start && (text.charCodeAt(start) > 0x20 || text.slice(start, end).trim() !== '')) each({ text: text.slice(start, end), line, start, end });
      start = nl + 1;
    }
    return;
  }
  for (let start = 0; start < bytes.length; line++) {
    let nl = bytes.indexOf(0x0a, start);
    if (nl < 0) nl = bytes.length;
    const end = nl > start && bytes[nl - 1] === 0x0d ? nl - 1 : nl;
    const sub = bytes.subarray(start, end);
    const at = start;
    start = nl + 1;
    if (isAscii(sub)) {
      const text = sub.toString('latin1');
      if (text.trim() !== '') each({ text, line, start: at, end });
      continue;
    }
    const decoded = decodeUtf8(sub, file, line);
    if (!decoded.ok) each({ errors: decoded.errors, line });
    else if (decoded.value.trim() !== '') each({ text: decoded.value, line, start: at, end });
  }
}

// --- positions -------------------------------------------------------------

const keyName = (item: Pair): string => (isScalar(item.key) ? String(item.key.value) : String(item.key));
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

/** A map's pair by key: a search in a small map, an index (built once) in a large one, so many positions stay linear. */
function pairOf(map: YAMLMap, key: string): Pair | undefined {
  if (map.items.length <= 16) return map.items.find((item) => keyName(item) === key);
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    // The first of equal keys, as a search would find it.
    for (const item of map.items) if (!index.has(keyName(item))) index.set(keyName(item), item);
    pairIndex.set(map, index);
  }
  return index.get(key);
}

function walk(doc: Document, p: ValuePath): { node: unknown; key: unknown; depth: number } {
  let node: unknown = doc.contents;
  let key: unknown;
  let depth = 0;
  for (const segment of p) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = pairOf(node, String(segment));
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

/** Where a YAML text has more than `max` item marks (`-` `,` `:` `?` `[` `{`, in scalars too), or undefined. */
function yamlItemsOver(text: string, max: number): number | undefined {
  if (text.length <= max) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2d || c === 0x2c || c === 0x3a || c === 0x3f || c === 0x5b || c === 0x7b) {
      if (++n > max) return i;
    }
  }
  return undefined;
}

interface YamlSize {
  /** Offset of the value (or alias) that takes the document past maxValues. */
  tooMany?: number;
  viaAlias?: boolean;
  /** Offset of the first collection (or alias to one) deeper than maxDepth. */
  tooDeep?: number;
  /** Offset of an alias inside the collection it names. */
  cycle?: number;
}

interface SizeFrame {
  node: Node;
  /** Values under the node: a map's pair values, a list's items. */
  kids: unknown[];
  next: number;
  depth: number;
  /** The running total when the node was entered. */
  entered: number;
  /** Deepest collection met in the subtree, absolute (-1: none). */
  deepest: number;
}

/**
 * Values in a YAML document as `toJS` would expand them (an alias counts the
 * values of what it names), and the deepest collection, in one iterative
 * walk over the node tree — before anything is materialised. Anchored nodes
 * remember their size, so each alias costs one step: linear in the text.
 */
function measureYaml(doc: Document, limits: LoadLimits): YamlSize {
  const anchors = new Map<string, Node>();
  const sizes = new Map<Node, { values: number; height: number }>();
  let total = 0;
  const stack: SizeFrame[] = [];
  const offsetOf = (n: unknown) => (n as Node | null)?.range?.[0] ?? 0;
  /** Count one node met as a value at `depth`; collections are entered. Returns a verdict to stop with, if any. */
  const enter = (n: unknown, depth: number): YamlSize | undefined => {
    const node = n as Node | null;
    if (node !== null && typeof node === 'object' && 'anchor' in node && typeof node.anchor === 'string' && node.anchor !== '') anchors.set(node.anchor, node);
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) {
        total++; // an unresolved alias: toJS reports it
        return undefined;
      }
      const known = sizes.get(target);
      if (known === undefined) return { cycle: offsetOf(node) };
      total += known.values;
      if (total > limits.maxValues) return { tooMany: offsetOf(node), viaAlias: true };
      if (known.height >= 0) {
        const deepest = depth + known.height;
        if (deepest >= limits.maxDepth) return { tooDeep: offsetOf(node) };
        const top = stack[stack.length - 1];
        if (top && deepest > top.deepest) top.deepest = deepest;
      }
      return undefined;
    }
    total++;
    if (total > limits.maxValues) return { tooMany: offsetOf(node) };
    const kids = isMap(node) ? node.items.map((p) => p.value) : isSeq(node) ? node.items : isPair(node) ? [node.value] : undefined;
    if (kids === undefined) {
      if (node !== null && node.anchor) sizes.set(node, { values: 1, height: -1 });
      return undefined;
    }
    if (depth >= limits.maxDepth) return { tooDeep: offsetOf(node) };
    stack.push({ node: node!, kids, next: 0, depth, entered: total - 1, deepest: depth });
    return undefined;
  };
  const first = enter(doc.contents, 0);
  if (first) return first;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.kids.length) {
      const verdict = enter(top.kids[top.next++], top.depth + 1);
      if (verdict) return verdict;
      continue;
    }
    stack.pop();
    if (top.node.anchor) sizes.set(top.node, { values: total - top.entered, height: top.deepest - top.depth });
    const parent = stack[stack.length - 1];
    if (parent && top.deepest > parent.deepest) parent.deepest = top.deepest;
  }
  return {};
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
