// quickHostCheck (src/host-check.ts), the fleet path's fast Host check, held
// to its one promise: whenever it accepts (returns a key count equal to
// countKeysInText of the line), the whole slow path — parseJsonLine with its
// duplicate-key and depth checks, validateDocument(['Host']), normalizeHost —
// reports nothing, and the count is the parsed value's key count. Checked on
// generated valid hosts, on the same hosts mutated every way the schema or
// normalisation refuses (and some ways they allow), on the hostile corpus,
// on the examples and on the table in test/cases/host-check.yaml. It must
// also be useful: it accepts the common valid shapes. Run counts are fixed;
// PROPERTY_STATS=1 prints the measured shares.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { currentHostSchemaFingerprint, hostSchemaFingerprint, quickHostCheck, quickHostCheckEnabled } from '../src/host-check.js';
import { countKeysInText, DEFAULT_LIMITS, parseJsonLine, parseText, type SourceDocument } from '../src/load.js';
import { normalizeHost } from '../src/normalize.js';
import type { WrittenHost } from '../src/types.js';
import { validateDocument } from '../src/validate.js';
import { readCases, ROOT } from './helpers.js';

const MAX_DEPTH = DEFAULT_LIMITS.maxDepth;

// --- the slow path, and the implication -----------------------------------

/** Every diagnostic (error or warning) validate and normalise report for a loaded document. */
function slowDocument(doc: SourceDocument): string[] {
  const v = validateDocument<WrittenHost>(doc, ['Host']);
  const out = [...v.errors, ...v.warnings].map((d) => `${d.code}: ${d.message}`);
  if (!v.ok) return out;
  const h = normalizeHost(v.value, doc);
  return [...out, ...[...h.errors, ...h.warnings].map((d) => `${d.code}: ${d.message}`)];
}

/** The whole slow path of one NDJSON line: parse (duplicate keys, depth), validate, normalise. */
function slowLine(text: string, maxDepth = MAX_DEPTH): string[] {
  const loaded = parseJsonLine(text, 'hosts.ndjson', 1, { ...DEFAULT_LIMITS, maxDepth });
  if (!loaded.ok) return loaded.errors.map((d) => `${d.code}: ${d.message}`);
  return slowDocument(loaded.value);
}

/** Own enumerable keys at every level: what load.ts's shapeOf counts. */
function keysOf(data: unknown): number {
  let n = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else {
      for (const k in v) {
        n++;
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return n;
}

/** accept: the fast path takes the line; doubt: quickHostCheck doubts it; recount: the counts differ (a duplicate key, or a value countKeysInText miscounts): the slow path decides. */
type Outcome = 'accept' | 'doubt' | 'recount';

/**
 * One line through the fast path as the fleet path will run it, asserting the
 * implication: an accepted line is one the slow path says nothing about; a
 * count that is the parsed value's but not the text's is a duplicate key.
 */
function fastPath(text: string, maxDepth = MAX_DEPTH): Outcome {
  const data = JSON.parse(text) as unknown;
  const n = quickHostCheck(data, maxDepth);
  if (n === undefined) return 'doubt';
  assert.is(n, keysOf(data), `the count is shapeOf's: ${text.slice(0, 300)}`);
  // countKeysInText never counts fewer keys than the text holds, so equal counts mean no key twice. It may count
  // more (a string value that starts with `:`, e.g. `"::1"`): then the slow path decides, which is only slower.
  if (n !== countKeysInText(text)) return 'recount';
  assert.equal(slowLine(text, maxDepth), [], `accepted, so the slow path must report nothing (maxDepth ${maxDepth}): ${text.slice(0, 500)}`);
  return 'accept';
}

// --- generated hosts -----------------------------------------------------------

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const parentId = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.nat(255), fc.nat(31), fc.nat(7)).map(([b, d, f]) => `0000:${hex2(b)}:${hex2(d)}.${f}`) },
  { weight: 1, arbitrary: fc.constantFrom('0.0.26ab', 'mtty', 'mdpy', 'toString', 'a.b', '@id') },
);
const typeId = fc.constantFrom('i915-GVTg_V5_4', 'i915-GVTg_V5_8', 'nvidia-11', 'nvidia-12', 'mtty-1', 'mtty-2', 'vfio_ccw-io', 'mdpy-vga', 'valueOf', 'constructor_');
const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('vfio-pci', '1.2.0', '1.10', 'GVTg_V5_4', 'GRID M60-2Q', 'low_gm_size: 128MB\nhigh_gm_size: 512MB\n', '550.90.05\n') },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n', '\t ') },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);
const listValue = fc.oneof(fc.constantFrom('5931, 591b', 'aggregator, fps', 'i915-GVTg_V5_8', ''), fc.array(fc.constantFrom('5931', '591b', 'i915-GVTg_V5_8', 'aggregator', '', ' '), { maxLength: 3 }));
const typeAttrs = fc
  .tuple(
    fc.record(
      {
        name: text,
        device_api: fc.constantFrom('vfio-pci', 'vfio-ccw', 'vfio-ap'),
        available_instances: fc.oneof(fc.nat(8), fc.constant(2 ** 31)),
        software_version: text,
        description: text,
        compatible_type: listValue,
        compatible_pci_ids: listValue,
        dynamic_resources: listValue,
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.constantFrom('vendor_x', 'ecc', 'toString', 'hasOwnProperty', 'compatible_chpid_type'), text, { maxKeys: 2 }),
  )
  .map(([known, odd]) => ({ ...odd, ...known }));
const facts = fc.dictionary(
  fc.constantFrom('pci_vendor', 'pci_device', 'driver', 'driver_version', 'ecc_mode', 'kernel_release', 'os_id', 'os_version_id', 'libvirt_version', 'qemu_version', 'valueOf'),
  text,
  { maxKeys: 5 },
);
const deviceAttrs = fc.dictionary(fc.constantFrom('aggregator', 'fps', 'assign_adapter', 'toString'), fc.oneof(text, fc.array(text, { maxLength: 2 })), { maxKeys: 3 });
const parentSpec = fc.record({
  attributes: fc.option(facts, { nil: undefined }),
  types: fc.option(fc.uniqueArray(fc.tuple(typeId, typeAttrs), { maxLength: 4, selector: (t) => t[0] }), { nil: undefined }),
  // Each device: which of the parent's types, its attributes (or none), and whether its uuid is written in upper case.
  devices: fc.array(fc.tuple(fc.nat(), fc.option(deviceAttrs, { nil: undefined }), fc.boolean()), { maxLength: 3 }),
});

/** A schema-valid Host with no diagnostic to give: unique uuids in any case, devices of types their parent lists. */
const validHost = fc
  .record({
    name: fc.oneof(fc.constantFrom('host-a', 'gvt-node-01'), fc.string({ minLength: 1, maxLength: 20 })),
    collectedAt: fc.option(fc.constant('2026-11-25T10:00:00Z'), { nil: undefined }),
    host: fc.option(facts, { nil: undefined }),
    parents: fc.uniqueArray(fc.tuple(parentId, parentSpec), { maxLength: 4, selector: (p) => p[0] }),
    uuids: fc.uniqueArray(fc.uuid(), { minLength: 12, maxLength: 12, selector: (u) => u.toLowerCase() }),
  })
  .map(({ name, collectedAt, host, parents, uuids }) => {
    let next = 0;
    const out: Record<string, unknown> = {};
    for (const [id, spec] of parents) {
      const parent: Record<string, unknown> = {};
      if (spec.attributes) parent.attributes = spec.attributes;
      const ids = (spec.types ?? []).map(([t]) => t);
      if (spec.types) parent.types = Object.fromEntries(spec.types);
      if (ids.length > 0 && spec.devices.length > 0) {
        const devices: Record<string, unknown> = {};
        for (const [pick, attributes, upper] of spec.devices) {
          const uuid = uuids[next++]!;
          devices[upper ? uuid.toUpperCase() : uuid] = attributes ? { type: ids[pick % ids.length], attributes } : { type: ids[pick % ids.length] };
        }
        parent.devices = devices;
      }
      out[id] = parent;
    }
    return {
      apiVersion: 'mdev-policy/v1',
      kind: 'Host',
      metadata: collectedAt ? { name, collectedAt } : { name },
      spec: host ? { host, parents: out } : { parents: out },
    } as Record<string, unknown>;
  });

// --- mutations -------------------------------------------------------------------

const UPPER = '83B8F4F2-509F-382F-3C1E-E6BFE0FA1001';
const HOSTILE_KEYS = [
  '__proto__', 'constructor', 'prototype', '.', '..', 'a/b', 'a b', 'a\u00a0b', 'a\u2028b', 'a\tb', '', 'x'.repeat(255), 'x'.repeat(256), '😀'.repeat(130), 'ü',
  'toString', 'hasOwnProperty', 'available_instances', 'compatible_x', 'dynamic_resources', 'type', 'attributes', 'types', 'devices', 'name', 'host', 'parents',
  'metadata', 'spec', 'apiVersion', 'kind', 'collectedAt', 'description', '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001', UPPER, '83b8f4f2-509f-382f-3c1e-e6bfe0fa100g', 'not-a-uuid',
];
/** A nest of `depth` maps or lists around a string. */
const nest = (depth: number, list: boolean): unknown => {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = list ? [v] : { a: v };
  return v;
};
const HOSTILE_VALUES: (() => unknown)[] = [
  () => 'x', () => '', () => ' ', () => '\n', () => 'i915-GVTg_V5_4', () => 'mdev-policy/v1', () => 'Host', () => 'x'.repeat(254), () => 'y'.repeat(70_000),
  () => 0, () => 1, () => -1, () => 1.5, () => 2 ** 53, () => -0, () => true, () => false, () => null,
  () => [], () => ['a'], () => [1], () => ['a', null], () => [['a']], () => [{}],
  () => ({}), () => ({ a: 'b' }), () => ({ type: 'i915-GVTg_V5_4' }), () => ({ types: {} }), () => ({ name: 'h' }),
  () => nest(8, false), () => nest(70, false), () => nest(70, true),
];

/** Define, never assign: a `__proto__` key becomes an own property, as JSON.parse makes it. */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function containers(doc: unknown): (Record<string, unknown> | unknown[])[] {
  const out: (Record<string, unknown> | unknown[])[] = [];
  const stack = [doc];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    out.push(v as Record<string, unknown>);
    for (const x of Object.values(v)) stack.push(x);
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The parents that are still maps after earlier mutations. */
function parentsOf(doc: Record<string, unknown>): Record<string, unknown>[] {
  const parents = isMap(doc.spec) ? doc.spec.parents : undefined;
  return isMap(parents) ? Object.values(parents).filter(isMap) : [];
}

function devicesOf(doc: Record<string, unknown>): { parent: Record<string, unknown>; devices: Record<string, Record<string, unknown>> }[] {
  return parentsOf(doc)
    .filter((p) => isMap(p.devices) && Object.values(p.devices).some(isMap))
    .map((p) => ({ parent: p, devices: p.devices as Record<string, Record<string, unknown>> }));
}

const mutation = fc.record({ op: fc.nat(8), at: fc.nat(), key: fc.nat(), value: fc.nat() });
type Mutation = { op: number; at: number; key: number; value: number };

/** Change a (parsed, own) copy of a valid host one way; returns a text to feed the fast path (a duplicate key needs the text). */
function mutate(doc: Record<string, unknown>, m: Mutation): { doc: Record<string, unknown>; dup?: object } {
  const all = containers(doc);
  const target = all[m.at % all.length]!;
  const value = HOSTILE_VALUES[m.value % HOSTILE_VALUES.length]!();
  const hostile = HOSTILE_KEYS[m.key % HOSTILE_KEYS.length]!;
  const keys = Object.keys(target);
  const existing = keys.length > 0 ? keys[m.key % keys.length]! : undefined;
  switch (m.op) {
    case 0: // a hostile key with a hostile value
      if (Array.isArray(target)) target.push(value);
      else put(target, hostile, value);
      break;
    case 1: // a value replaced
      if (existing !== undefined) put(target as Record<string, unknown>, existing, value);
      break;
    case 2: // a key removed
      if (existing !== undefined) delete (target as Record<string, unknown>)[existing];
      break;
    case 3: // a key renamed
      if (existing !== undefined && !Array.isArray(target)) {
        const v = target[existing];
        delete target[existing];
        put(target, hostile, v);
      }
      break;
    case 4: {
      // a device uuid listed again, under another parent or the same one, in another case
      const withDevices = devicesOf(doc);
      const parents = parentsOf(doc);
      const from = withDevices[m.at % Math.max(1, withDevices.length)];
      const uuid = from ? Object.keys(from.devices).find((u) => isMap(from.devices[u])) : undefined;
      const to = parents[m.value % Math.max(1, parents.length)];
      if (uuid !== undefined && to) {
        const again = m.key % 3 === 0 ? uuid : m.key % 3 === 1 ? uuid.toUpperCase() : uuid.toLowerCase();
        if (!isMap(to.devices)) to.devices = {};
        // Under its own parent, only another letter case lists it again (the same key would replace it).
        put(to.devices as Record<string, unknown>, again === uuid && to === from!.parent ? (uuid === uuid.toUpperCase() ? uuid.toLowerCase() : uuid.toUpperCase()) : again, { ...from!.devices[uuid] });
      }
      break;
    }
    case 5: {
      // a device of a type its parent does not list (another parent's type, one nobody lists, one only Object.prototype has)
      const withDevices = devicesOf(doc);
      const d = withDevices[m.at % Math.max(1, withDevices.length)];
      const uuid = d ? Object.keys(d.devices).find((u) => isMap(d.devices[u])) : undefined;
      if (uuid !== undefined) d!.devices[uuid]!.type = ['nvidia-99', 'toString', 'i915-GVTg_V5_4', 'mtty-1'][m.value % 4];
      break;
    }
    case 6: // a type's or device's attribute list with a non-string
      for (const c of all) if (Array.isArray(c) && c.length > 0) c[m.value % c.length] = value;
      break;
    case 7: // a duplicate key in the text: the same key again, same value or another
      if (existing !== undefined && !Array.isArray(target)) return { doc, dup: target };
      break;
    default: // a second mutation-free run: the valid host itself
      break;
  }
  return { doc };
}

/** JSON.stringify, except that `dup` (an object in the value) is written with its first key twice. */
function stringifyWithDuplicate(v: unknown, dup: object | undefined, again: boolean): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    // A hole (a deleted item) is written null, as JSON.stringify writes it.
    const items: string[] = [];
    for (let i = 0; i < v.length; i++) items.push(v[i] === undefined ? 'null' : stringifyWithDuplicate(v[i], dup, again));
    return `[${items.join(',')}]`;
  }
  const parts = Object.keys(v).map((k) => `${JSON.stringify(k)}:${stringifyWithDuplicate((v as Record<string, unknown>)[k], dup, again)}`);
  if (v === dup && parts.length > 0) {
    const first = Object.keys(v)[0]!;
    // Written first and overridden by the real entry (JSON.parse keeps the last): the parsed value is unchanged.
    parts.unshift(`${JSON.stringify(first)}:${again ? stringifyWithDuplicate((v as Record<string, unknown>)[first], undefined, again) : '"other"'}`);
  }
  return `{${parts.join(',')}}`;
}

const maxDepth = fc.oneof({ weight: 5, arbitrary: fc.constant(MAX_DEPTH) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 10 }) });
const show = (tally: Record<string, number>) => JSON.stringify(tally);

// --- tests -----------------------------------------------------------------------

test('the check is on: the schema is the one it mirrors', () => {
  assert.ok(
    quickHostCheckEnabled(),
    `schemas/host.schema.json has changed since src/host-check.ts was written (fingerprint ${currentHostSchemaFingerprint()}): mirror the change in quickHostCheck, then record the new fingerprint`,
  );
});

test('the fingerprint follows the constraints and ignores the annotations', () => {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas/host.schema.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
  assert.is(hostSchemaFingerprint(schema), currentHostSchemaFingerprint());
  const copy = () => structuredClone(schema);
  const annotated = copy();
  annotated.$defs!.sysfsName!['x-message'] = 'another message';
  annotated.$defs!.facts!.description = 'another description';
  assert.is(hostSchemaFingerprint(annotated), currentHostSchemaFingerprint(), 'messages and descriptions are no constraints');
  const longer = copy();
  (longer.properties!.metadata!.properties as Record<string, Record<string, unknown>>).name!.maxLength = 300;
  assert.is.not(hostSchemaFingerprint(longer), currentHostSchemaFingerprint(), 'a limit is');
  const described = copy();
  delete (described.properties!.metadata!.properties as Record<string, unknown>).description;
  assert.is.not(hostSchemaFingerprint(described), currentHostSchemaFingerprint(), 'a property named description is a constraint');
  const pattern = copy();
  pattern.$defs!.uuid!.pattern = '^[0-9a-f-]{36}$';
  assert.is.not(hostSchemaFingerprint(pattern), currentHostSchemaFingerprint(), 'a pattern is');
});

test('property: common valid hosts are accepted, and accepted means the slow path says nothing', () => {
  const tally: Record<Outcome, number> = { accept: 0, doubt: 0, recount: 0 };
  const runs = 600;
  fc.assert(
    fc.property(validHost, (doc) => {
      const line = JSON.stringify(doc);
      assert.equal(slowLine(line), [], `the generator makes valid hosts: ${line}`);
      tally[fastPath(line)]++;
    }),
    { numRuns: runs },
  );
  if (process.env.PROPERTY_STATS) console.log('valid hosts', show(tally));
  assert.ok(tally.accept >= 0.9 * runs, `accepts at least 90 % of common valid hosts: ${show(tally)}`);
});

test('property: mutated hosts — fast accept ⇒ slow accept, with the right count', () => {
  const tally: Record<string, number> = { accept: 0, doubt: 0, recount: 0, slowClean: 0 };
  const runs = 3000;
  fc.assert(
    fc.property(validHost, fc.array(mutation, { minLength: 1, maxLength: 3 }), maxDepth, fc.boolean(), (valid, ms, depth, again) => {
      let doc = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>;
      let dup: object | undefined;
      for (const m of ms) {
        const r = mutate(doc, m);
        doc = r.doc;
        dup ??= r.dup;
      }
      const line = stringifyWithDuplicate(doc, dup, again);
      const outcome = fastPath(line, depth);
      tally[outcome]!++;
      if (outcome === 'doubt' && slowLine(line, depth).length === 0) tally.slowClean!++;
    }),
    { numRuns: runs },
  );
  if (process.env.PROPERTY_STATS) console.log('mutated hosts', show(tally));
  // Not vacuous: mutations that keep a host valid are accepted, the others doubted, duplicates caught by the counts.
  assert.ok(tally.accept! > 0.05 * runs && tally.doubt! > 0.4 * runs && tally.recount! > 0.02 * runs, show(tally));
});

/** Many devices (past the pairwise comparison, into the set), optionally one listed again under another parent or in another case. */
const manyDevices = fc.record({
  parents: fc.integer({ min: 1, max: 4 }),
  uuids: fc.uniqueArray(fc.uuid(), { minLength: 17, maxLength: 60, selector: (u) => u.toLowerCase() }),
  upper: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
  again: fc.option(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('same', 'upper', 'lower')), { nil: undefined }),
});

test('property: many devices — a uuid listed twice in any case is never accepted, distinct ones are', () => {
  const tally = { accept: 0, refused: 0 };
  fc.assert(
    fc.property(manyDevices, ({ parents, uuids, upper, again }) => {
      const out: Record<string, { types: Record<string, unknown>; devices: Record<string, unknown> }> = {};
      for (let p = 0; p < parents; p++) out[`0000:0${p}:00.0`] = { types: { 'mtty-1': { available_instances: 1 } }, devices: {} };
      uuids.forEach((u, i) => {
        out[`0000:0${i % parents}:00.0`]!.devices[upper[i] ? u.toUpperCase() : u] = { type: 'mtty-1' };
      });
      let duplicated = false;
      if (again) {
        const [which, where, form] = again;
        const u = uuids[which % uuids.length]!;
        const listed = upper[which % uuids.length] ? u.toUpperCase() : u;
        const key = form === 'upper' ? u.toUpperCase() : form === 'lower' ? u : listed;
        const devices = out[`0000:0${where % parents}:00.0`]!.devices;
        // The very same key under its own parent would only replace the entry (JSON.parse keeps one).
        if (!Object.hasOwn(devices, key)) {
          devices[key] = { type: 'mtty-1' };
          duplicated = true;
        }
      }
      const line = JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: 'h' }, spec: { parents: out } });
      const outcome = fastPath(line);
      if (duplicated) {
        assert.is.not(outcome, 'accept');
        assert.ok(slowLine(line).some((d) => d.startsWith('duplicate-key')), 'the slow path reports the uuid');
        tally.refused++;
      } else {
        assert.is(outcome, 'accept');
        tally.accept++;
      }
    }),
    { numRuns: 300 },
  );
  if (process.env.PROPERTY_STATS) console.log('many devices', JSON.stringify(tally));
  assert.ok(tally.accept > 50 && tally.refused > 50, JSON.stringify(tally));
});

test('property: the same checks hold on values never written as JSON (the generator’s own objects)', () => {
  fc.assert(
    fc.property(validHost, (doc) => {
      const n = quickHostCheck(doc, MAX_DEPTH);
      assert.is(n, keysOf(doc));
    }),
    { numRuns: 200 },
  );
});

test('the hostile corpus: nothing in it is accepted unless the slow path takes it as it is', () => {
  const dir = path.join(ROOT, 'test/corpus');
  let seen = 0;
  const accepted = new Set<string>();
  for (const file of readdirSync(dir).sort()) {
    if (file === 'cases.yaml') continue;
    let textOf: string;
    try {
      // The loader refuses invalid UTF-8 as bytes, before any parse; decoded with replacement characters it would be a host.
      textOf = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path.join(dir, file)));
    } catch {
      continue;
    }
    // As JSON: the whole text, and each line (NDJSON).
    for (const candidate of [textOf, ...textOf.split('\n')]) {
      let ok = true;
      try {
        JSON.parse(candidate);
      } catch {
        ok = false;
      }
      if (!ok) continue;
      seen++;
      if (fastPath(candidate) === 'accept') accepted.add(file);
    }
    // As the loader reads it (YAML or JSON by name), then the value itself.
    const loaded = parseText(textOf, file);
    if (!loaded.ok) continue;
    seen++;
    const n = quickHostCheck(loaded.value.data, MAX_DEPTH);
    if (n !== undefined) {
      accepted.add(file);
      assert.is(n, keysOf(loaded.value.data), file);
      assert.equal(slowDocument(loaded.value), [], `${file}: accepted, so validate and normalise must report nothing`);
    }
  }
  if (process.env.PROPERTY_STATS) console.log(`hostile corpus: ${seen} documents, accepted from ${[...accepted].join(', ')}`);
  // Accepted: the valid hosts (a BOM, CRLF line endings) and the hosts that are too large only for a small --max-bytes
  // (the loader's byte limit comes before JSON.parse, so before this check). Nothing else.
  assert.equal([...accepted], ['bom-valid.yaml', 'crlf-valid.yaml', 'over-limit-line.ndjson', 'over-limit.json']);
  assert.ok(seen >= 20, `${seen} documents from the corpus`);
});

test('the examples are accepted', () => {
  const dir = path.join(ROOT, 'examples');
  let n = 0;
  // The host descriptors (what a `--dest examples/` reads), not the domain XML beside them.
  for (const file of readdirSync(dir).filter((f) => /\.(ya?ml|json|ndjson)$/.test(f)).sort()) {
    const textOf = readFileSync(path.join(dir, file), 'utf8');
    const lines = file.endsWith('.ndjson') ? textOf.split('\n').filter((l) => l !== '') : [JSON.stringify(parse(textOf))];
    for (const line of lines) {
      assert.is(fastPath(line), 'accept', `${file}: ${line.slice(0, 200)}`);
      n++;
    }
  }
  assert.ok(n >= 6, `${n} example hosts`);
});

interface Case {
  name: string;
  parents?: Record<string, unknown>;
  host?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  doc?: unknown;
  json?: string;
  maxDepth?: number;
  accept: boolean;
  clean: boolean;
}

for (const c of readCases<Case>('host-check.yaml')) {
  test(`case: ${c.name}`, () => {
    const line =
      c.json ??
      JSON.stringify(
        c.doc !== undefined
          ? c.doc
          : { apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: c.metadata ?? { name: 'h' }, spec: { ...(c.host ? { host: c.host } : {}), parents: c.parents } },
      );
    const depth = c.maxDepth ?? MAX_DEPTH;
    const report = slowLine(line, depth);
    assert.is(report.length === 0, c.clean, `slow path: ${report.join('; ') || 'nothing to report'}`);
    const outcome = fastPath(line, depth);
    assert.is(outcome === 'accept', c.accept, `fast path: ${outcome}`);
  });
}

test.run();
