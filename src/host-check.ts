// The fleet path's fast Host check (issue 13): one plain walk over a parsed
// JSON value that says either "certainly a Host the whole slow path accepts
// without a word" (validateDocument with ['Host'], normalizeHost, the depth
// limit) and how many object keys it holds, or "in doubt". Doubt is always
// safe: the caller then runs the slow path, which finds the exact errors. The
// check may doubt valid hosts (rare shapes: non-ASCII names near the length
// limits and the like); it must never accept one the slow path would report
// anything for. The key count is what load.ts's shapeOf counts, so the caller
// compares it with countKeysInText(text): a duplicate key, invisible after
// JSON.parse, makes them differ.
//
// What it mirrors, rule by rule (schemas/host.schema.json, validate.ts,
// normalize.ts, load.ts):
// - root: an object of exactly apiVersion = API version, kind = 'Host',
//   metadata, spec (validateDocument's own checks, then the schema's).
// - metadata: name a string of 1–253 code points, optional collectedAt and
//   description strings, nothing else.
// - spec: parents (required) and optional host (facts), nothing else.
// - facts (spec.host, a parent's attributes): sysfs-name keys, string values.
// - parents: sysfs-name keys; each parent an object of optional attributes
//   (facts), types and devices, nothing else.
// - types: sysfs-name keys; each type an object with sysfs-name keys whose
//   values are strings, except available_instances (an integer ≥ 0, never a
//   string) and the list attributes (compatible_*, dynamic_resources: a string
//   or an array of strings).
// - devices: uuid keys; each device an object of type (a sysfs name the same
//   parent lists among its types: else normalizeHost warns) and optional
//   attributes (sysfs-name keys, a string or an array of strings each),
//   nothing else; no uuid twice on the host in any letter case (normalizeHost's
//   duplicate-key error).
// - depth: no object or array at depth ≥ maxDepth (shapeOf's tooDeep).
// A sysfs name is checked by hand when every character is printable ASCII
// (exactly the schema's pattern and refused names), else by the schema's own
// regular expression; a uuid by hand, exactly the schema's pattern.
//
// The rules above are hand-written from the schema as it is now. A
// fingerprint of the schema's constraints (annotations left out) is checked
// on the first check (the schema is read then, not when this module loads: a run that checks no NDJSON host never reads it): if the schema has changed since the check was
// written, the check disables itself (it doubts everything, so the slow path
// decides) until someone mirrors the change here and records the new
// fingerprint. The tests fail loudly in that state.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { countKeysInBytes, type LoadLimits } from './load.js';
import type { WrittenHost } from './types.js';

interface SchemaNode {
  [key: string]: unknown;
}

/** What the rules read from schemas/host.schema.json, read on the first check (a run that checks no NDJSON host never reads it). */
let SCHEMA: SchemaNode;
/** The constants validateDocument and the schema require (apiVersion is also API_VERSION in types.ts; the schema's const is the same text). */
let API_VERSION: string;
let KIND: string;
/** The schema counts code points (Ajv's ucs2length), never more than UTF-16 units and at least half as many. */
let NAME_MIN_UNITS: number;
let NAME_MAX_UNITS: number;
/** The schema's sysfs-name pattern, compiled as Ajv compiles it (unicode mode): for names the ASCII loop cannot decide. */
let SYSFS_NAME: RegExp;
/** Names the schema refuses (`__proto__`, `constructor`, `prototype`, `.`, `..`). */
let REFUSED: string[];
/** Bit n set when a refused name has n characters: most names are compared with none of them. */
let REFUSED_LENGTHS = 0;
let LONG_REFUSED = false;
/** False when the schema has changed since quickHostCheck was written: it then doubts every document. */
let ENABLED: boolean | undefined;
let FINGERPRINT = '';

/** Annotations: keys that explain a schema and constrain nothing (a string-valued `description`; a property named description is an object). */
const ANNOTATIONS = new Set(['description', 'title', 'x-message', '$comment']);

function constraints(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(constraints);
  if (node === null || typeof node !== 'object') return node;
  const out: SchemaNode = {};
  for (const [k, v] of Object.entries(node as SchemaNode)) if (!(ANNOTATIONS.has(k) && typeof v === 'string')) out[k] = constraints(v);
  return out;
}

/** sha256 of a schema's constraints, its annotations left out: what quickHostCheck must be re-audited for when it changes. */
export function hostSchemaFingerprint(schema: unknown): string {
  // node:crypto is loaded here, on the first check, not with this module (every command loads it).
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(JSON.stringify(constraints(schema))).digest('hex');
}

/** The fingerprint of the schema these rules were written from. Update it only after mirroring a schema change in quickHostCheck. */
const MIRRORED_FINGERPRINT = 'c31ae7cbae34aee6a7d2e6109c6e35645311667b091c59f61b20685e43ba60de';

/** Read the schema and set the rules' constants, once. */
function init(): boolean {
  if (ENABLED !== undefined) return ENABLED;
  SCHEMA = JSON.parse(readFileSync(new URL('../schemas/host.schema.json', import.meta.url), 'utf8')) as SchemaNode;
  FINGERPRINT = hostSchemaFingerprint(SCHEMA);
  const DEFS = SCHEMA.$defs as Record<string, SchemaNode>;
  const PROPS = SCHEMA.properties as Record<string, SchemaNode>;
  API_VERSION = PROPS.apiVersion!.const as string;
  KIND = PROPS.kind!.const as string;
  const NAME_SCHEMA = (PROPS.metadata!.properties as Record<string, SchemaNode>).name! as { minLength: number; maxLength: number };
  NAME_MIN_UNITS = NAME_SCHEMA.minLength <= 1 ? NAME_SCHEMA.minLength : 2 * NAME_SCHEMA.minLength;
  NAME_MAX_UNITS = NAME_SCHEMA.maxLength;
  SYSFS_NAME = new RegExp(DEFS.sysfsName!.pattern as string, 'u');
  REFUSED = (DEFS.sysfsName!.not as { enum: string[] }).enum;
  for (const r of REFUSED) REFUSED_LENGTHS |= r.length <= 30 ? 1 << r.length : 0;
  LONG_REFUSED = REFUSED.some((r) => r.length > 30);
  ENABLED = FINGERPRINT === MIRRORED_FINGERPRINT;
  return ENABLED;
}

/** The fingerprint of schemas/host.schema.json as it is. */
export function currentHostSchemaFingerprint(): string {
  init();
  return FINGERPRINT;
}

/** False when the schema has changed since quickHostCheck was written: it then doubts every document. */
export function quickHostCheckEnabled(): boolean {
  return init();
}

/** The pattern's bound, {1,255}: a name of printable ASCII within it is checked by hand. */
const SYSFS_MAX = 255;

const LIST_PREFIX = 'compatible_';

/**
 * Names already certified: a fleet repeats its attribute names, type ids and
 * parent ids on every host, and JSON.parse gives its keys as internalised
 * strings whose hash is kept, so a lookup is cheaper than the character loop.
 * Bounded: cleared when full, so a hostile inventory of ever-new names costs
 * only the loop and the insertions.
 */
const certified = new Set<string>();
const CERTIFIED_MAX = 8192;

/**
 * A sysfs name, certainly (the schema's propertyNames / type rule): true only
 * when the schema accepts it. Printable ASCII but `/` is checked by hand; any
 * other character sends the name to the schema's own regular expression.
 */
function isSysfsName(k: string): boolean {
  if (certified.has(k)) return true;
  if (!sysfsName(k)) return false;
  if (certified.size >= CERTIFIED_MAX) certified.clear();
  certified.add(k);
  return true;
}

function sysfsName(k: string): boolean {
  const n = k.length;
  // Beyond 255 UTF-16 units a name may still be 255 code points (surrogate pairs): rare, so doubt.
  if (n === 0 || n > SYSFS_MAX) return false;
  for (let i = 0; i < n; i++) {
    const c = k.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x2f) return notRefused(k) && SYSFS_NAME.test(k);
  }
  return (n > 30 ? !LONG_REFUSED : ((REFUSED_LENGTHS >>> n) & 1) === 0) || notRefused(k);
}

function notRefused(k: string): boolean {
  for (let i = 0; i < REFUSED.length; i++) if (REFUSED[i] === k) return false;
  return true;
}

/** 0–9, a–f, A–F: 1 lower or digit, 2 upper, 0 not hex. */
function hexKind(c: number): number {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) return 1;
  if (c >= 0x41 && c <= 0x46) return 2;
  return 0;
}

/** The schema's uuid pattern, by hand: 0 not a uuid, 1 one in lower case, 2 one with an upper-case letter. */
function uuidKind(k: string): number {
  if (k.length !== 36) return 0;
  let upper = false;
  for (let i = 0; i < 36; i++) {
    const c = k.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return 0;
      continue;
    }
    const h = hexKind(c);
    if (h === 0) return 0;
    if (h === 2) upper = true;
  }
  return upper ? 2 : 1;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An array of strings (the schema's stringList, array form). */
function isStringArray(v: unknown[]): boolean {
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

// Depths of the containers a Host has (root 0), as shapeOf counts them.
const D_SECTION = 1; // metadata, spec
const D_MAP = 2; // spec.host, spec.parents
const D_PARENT = 3;
const D_PARENT_MAP = 4; // a parent's attributes, types, devices
const D_ENTRY = 5; // a type, a device
const D_LIST = 6; // a type's list attribute, a device's attributes
const D_DEVICE_LIST = 7; // a device attribute's list

/** Key count of a facts map (sysfs names to strings), or -1 in doubt. */
function factsKeys(facts: unknown, depth: number, maxDepth: number): number {
  if (!isMap(facts) || depth >= maxDepth) return -1;
  let n = 0;
  for (const k in facts) {
    if (typeof facts[k] !== 'string' || !isSysfsName(k)) return -1;
    n++;
  }
  return n;
}

/** Key count of a parent's types map, or -1 in doubt. */
function typesKeys(types: unknown, maxDepth: number): number {
  if (!isMap(types) || D_PARENT_MAP >= maxDepth) return -1;
  let n = 0;
  for (const t in types) {
    const type = types[t];
    if (!isMap(type) || !isSysfsName(t) || D_ENTRY >= maxDepth) return -1;
    n++;
    for (const a in type) {
      const v = type[a];
      if (typeof v === 'string') {
        // Every attribute but available_instances takes a string.
        if (a === 'available_instances') return -1;
      } else if (typeof v === 'number') {
        if (a !== 'available_instances' || !Number.isInteger(v) || v < 0) return -1;
      } else if (Array.isArray(v)) {
        if (!(a.startsWith(LIST_PREFIX) || a === 'dynamic_resources') || D_LIST >= maxDepth || !isStringArray(v)) return -1;
      } else {
        return -1;
      }
      if (!isSysfsName(a)) return -1;
      n++;
    }
  }
  return n;
}

/** Device uuids seen on the host (lower case), reused from call to call: nothing is allocated per key. */
const uuids: string[] = [];
let uuidCount = 0;
let anyUpper = false;
const seen = new Set<string>();

/** Key count of a parent's devices map, or -1 in doubt. Records the uuids; `types` is the same parent's types map (or undefined). */
function devicesKeys(devices: unknown, types: Record<string, unknown> | undefined, maxDepth: number): number {
  if (!isMap(devices) || D_PARENT_MAP >= maxDepth) return -1;
  let n = 0;
  for (const u in devices) {
    const device = devices[u];
    const kind = uuidKind(u);
    if (kind === 0 || !isMap(device) || D_ENTRY >= maxDepth) return -1;
    if (kind === 2) anyUpper = true;
    uuids[uuidCount++] = kind === 2 ? u.toLowerCase() : u;
    n++;
    let hasType = false;
    for (const f in device) {
      n++;
      const v = device[f];
      if (f === 'type') {
        // A type the parent does not list is a warning in normalizeHost: doubt it.
        if (typeof v !== 'string' || !isSysfsName(v) || types === undefined || !Object.hasOwn(types, v)) return -1;
        hasType = true;
      } else if (f === 'attributes') {
        if (!isMap(v) || D_LIST >= maxDepth) return -1;
        for (const a in v) {
          const x = v[a];
          if (typeof x !== 'string' && !(Array.isArray(x) && D_DEVICE_LIST < maxDepth && isStringArray(x))) return -1;
          if (!isSysfsName(a)) return -1;
          n++;
        }
      } else {
        return -1;
      }
    }
    if (!hasType) return -1;
  }
  return n;
}

/** Whether a uuid was recorded twice (normalizeHost compares them in lower case). */
function duplicateUuid(): boolean {
  const count = uuidCount;
  if (count <= 16) {
    for (let i = 1; i < count; i++) {
      const u = uuids[i];
      for (let j = 0; j < i; j++) if (uuids[j] === u) return true;
    }
    return false;
  }
  seen.clear();
  for (let i = 0; i < count; i++) seen.add(uuids[i]!);
  const dup = seen.size !== count;
  seen.clear();
  return dup;
}

/** Key count of spec.parents, or -1 in doubt. */
function parentsKeys(parents: unknown, maxDepth: number): number {
  if (!isMap(parents) || D_MAP >= maxDepth) return -1;
  let n = 0;
  let withDevices = 0;
  for (const p in parents) {
    const parent = parents[p];
    if (!isMap(parent) || !isSysfsName(p) || D_PARENT >= maxDepth) return -1;
    n++;
    let types: Record<string, unknown> | undefined;
    let devices: unknown;
    let hasDevices = false;
    for (const f in parent) {
      n++;
      const v = parent[f];
      if (f === 'types') {
        const k = typesKeys(v, maxDepth);
        if (k < 0) return -1;
        n += k;
        types = v as Record<string, unknown>;
      } else if (f === 'devices') {
        devices = v;
        hasDevices = true;
      } else if (f === 'attributes') {
        const k = factsKeys(v, D_PARENT_MAP, maxDepth);
        if (k < 0) return -1;
        n += k;
      } else {
        return -1;
      }
    }
    // Devices after types: each device's type is looked up in its own parent's types.
    if (hasDevices) {
      const k = devicesKeys(devices, types, maxDepth);
      if (k < 0) return -1;
      if (k > 0) withDevices++;
      n += k;
    }
  }
  // Within one parent the keys differ (JSON.parse keeps one of each): a uuid can repeat only across parents, or in another case.
  if ((withDevices > 1 || anyUpper) && duplicateUuid()) return -1;
  return n;
}

/**
 * A fast, hand-written test that a parsed JSON value is certainly a Host document that the whole slow path accepts
 * WITHOUT any diagnostic: validateDocument(doc, ['Host']) ok with no errors and no warnings, AND normalizeHost(...) with no
 * errors and no warnings (e.g. no device uuid listed twice in any letter case, every device's type listed by its parent),
 * AND nesting within maxDepth. Returns the number of object keys in the value (own enumerable keys at every level, exactly what
 * src/load.ts shapeOf counts) so the caller can compare it with countKeysInText(text) — the fused duplicate-key check —
 * or undefined when in any doubt (the caller then runs the slow path for the exact errors). It may doubt valid hosts (rare shapes);
 * it must never accept one the slow path would report anything for.
 */
export function quickHostCheck(data: unknown, maxDepth: number): number | undefined {
  if (!(ENABLED ?? init()) || !isMap(data) || !(maxDepth > D_SECTION)) return undefined;
  uuidCount = 0;
  anyUpper = false;
  let n = 0;
  let has = 0;
  for (const k in data) {
    n++;
    const v = data[k];
    if (k === 'apiVersion') {
      if (v !== API_VERSION) return undefined;
      has |= 1;
    } else if (k === 'kind') {
      if (v !== KIND) return undefined;
      has |= 2;
    } else if (k === 'metadata') {
      if (!isMap(v)) return undefined;
      let named = false;
      for (const m in v) {
        n++;
        const x = v[m];
        if (typeof x !== 'string') return undefined;
        if (m === 'name') {
          if (x.length < NAME_MIN_UNITS || x.length > NAME_MAX_UNITS) return undefined;
          named = true;
        } else if (m !== 'collectedAt' && m !== 'description') {
          return undefined;
        }
      }
      if (!named) return undefined;
      has |= 4;
    } else if (k === 'spec') {
      if (!isMap(v)) return undefined;
      let parented = false;
      for (const s in v) {
        n++;
        if (s === 'parents') {
          const p = parentsKeys(v[s], maxDepth);
          if (p < 0) return undefined;
          n += p;
          parented = true;
        } else if (s === 'host') {
          const h = factsKeys(v[s], D_MAP, maxDepth);
          if (h < 0) return undefined;
          n += h;
        } else {
          return undefined;
        }
      }
      if (!parented) return undefined;
      has |= 8;
    } else {
      return undefined;
    }
  }
  return has === 15 ? n : undefined;
}

/**
 * A line of an NDJSON piece taken the hand-written way: JSON.parse takes it,
 * it is within the limits, the quick Host check accepts it and its key count
 * shows no duplicate key. Its document then; undefined for a line the library
 * must decide (with the exact diagnostics). The fleet path and the matrix
 * both read lines this way.
 */
export function quickHostLine(line: { text: string; start: number; end: number }, bytes: Buffer, limits: LoadLimits): WrittenHost | undefined {
  const raw = line.text;
  if (raw.length > limits.maxValues || raw.length > limits.maxBytes || raw.charCodeAt(0) === 0xfeff) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const keys = quickHostCheck(data, limits.maxDepth);
  return keys !== undefined && line.end - line.start <= limits.maxBytes && keys === countKeysInBytes(bytes, line.start, line.end) ? (data as WrittenHost) : undefined;
}
