// Fuzzing (fast-check, fixed run counts): arbitrary bytes and structurally
// plausible documents into load → validate → evaluate. The only outcomes
// allowed are a Decision or coded errors: never an uncaught exception, never
// a change to Object.prototype, never a pass produced by a missing value.
// The plausible-document generator has a branch of well-formed Hosts (with
// keys such as `toString` or `valueOf`) so that a fair share of the runs gets
// as far as evaluate; the test asserts that share.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES, evaluate, hostFromDocument, loadEffectivePolicy, parseJsonLine, parseText, policyFromDocument, validateDocument, type EffectivePolicy } from '../src/index.js';
import { hostDoc, UUID } from './helpers.js';

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const BEFORE = prototypeKeys();
const codes = new Set<string>(ERROR_CODES);

function assertPristine(): void {
  assert.is(prototypeKeys(), BEFORE, 'Object.prototype is untouched');
  assert.is(({} as Record<string, unknown>).polluted, undefined);
  assert.is(({} as Record<string, unknown>).types, undefined);
}

let base: EffectivePolicy;

test.before(async () => {
  base = (await loadEffectivePolicy()).value!;
});

test('arbitrary bytes: coded errors or a document, never a throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('x.yaml', 'x.json', 'x'), (bytes, name) => {
      const text = new TextDecoder().decode(bytes);
      for (const r of [parseText(text, name), parseJsonLine(text, 'x.ndjson', 1)]) {
        for (const e of r.errors) assert.ok(codes.has(e.code), e.code);
        if (r.value) {
          const v = validateDocument(r.value);
          for (const e of v.errors) assert.ok(codes.has(e.code), e.code);
        }
      }
      assertPristine();
    }),
    { numRuns: 1500 },
  );
});

/** Documents that look like ours: the right top-level keys, then anything, with hostile keys sprinkled in. */
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'polluted', 'types', 'p0', 'mtty-1', UUID[0]!, 'device_api', 'available_instances');
const leaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.constant(null), fc.double({ noNaN: true }));
const tree = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(hostileKey, tie('node'), { maxKeys: 3 })),
})).node;
const plausible = fc.record({
  apiVersion: fc.constantFrom('mdev-policy/v1', 'mdev-policy/v2'),
  kind: fc.constantFrom('Host', 'Policy', 'Overlay', 'TestSuite', 'Hots'),
  metadata: fc.oneof(fc.record({ name: fc.string({ maxLength: 5 }) }), tree),
  spec: fc.oneof(fc.record({ parents: fc.dictionary(hostileKey, fc.record({ types: fc.dictionary(hostileKey, fc.dictionary(hostileKey, leaf)), devices: tree }, { requiredKeys: [] })) }), tree),
});

/** Names that are legal in a Host (sysfs names) yet mean something to JavaScript or to our paths. */
const oddName = fc.constantFrom('toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'constructor_', 'polluted', 'types', 'devices', '@id', 'a.b', '$.x', '0', '-', 'ü', 'x:y', 'compatible_toString');
const typeId = fc.constantFrom('toString', 'valueOf', 'mtty-1', 'i915-GVTg_V5_4');
const value = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('vfio-pci', '1.2.0', '1.10', ' ', '', 'aggregator, fps'));
const typeAttrs = fc
  .tuple(
    fc.record(
      {
        device_api: fc.oneof(fc.constant('vfio-pci'), value),
        software_version: value,
        available_instances: fc.nat(3),
        compatible_pci_ids: fc.oneof(value, fc.array(value, { maxLength: 3 })),
        compatible_type: fc.oneof(typeId, fc.array(typeId, { maxLength: 2 })),
        dynamic_resources: fc.oneof(fc.constantFrom('aggregator', 'aggregator, fps', 'toString', ''), fc.array(oddName, { maxLength: 2 })),
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(oddName, value, { maxKeys: 3 }),
  )
  .map(([known, odd]) => ({ ...odd, ...known }));
const device = fc.record({ type: typeId, attributes: fc.dictionary(fc.oneof(oddName, fc.constantFrom('aggregator', 'fps')), fc.oneof(value, fc.array(value, { maxLength: 2 })), { maxKeys: 3 }) }, { requiredKeys: ['type'] });
/** A schema-valid Host with hostile-but-legal keys everywhere and at least one device: what gets as far as evaluation. */
const wellFormedHost = fc.record({
  apiVersion: fc.constant('mdev-policy/v1'),
  kind: fc.constant('Host'),
  metadata: fc.record({ name: fc.constantFrom('h', 'toString', 'valueOf', '__proto__x') }),
  spec: fc.record({
    parents: fc.dictionary(
      fc.oneof(oddName, fc.constant('0000:00:02.0')),
      fc.record({ types: fc.dictionary(typeId, typeAttrs, { minKeys: 1, maxKeys: 2 }), devices: fc.dictionary(fc.uuid(), device, { minKeys: 1, maxKeys: 2 }) }),
      { minKeys: 1, maxKeys: 2 },
    ),
  }),
});

test('plausible documents, as JSON and YAML: coded errors or a Decision, never a throw or a polluted prototype', async () => {
  const runs = 800;
  let evaluated = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 2, arbitrary: wellFormedHost }), fc.boolean(), async (doc, asJson) => {
      const text = asJson ? JSON.stringify(doc) : (await import('yaml')).stringify(doc);
      const loaded = parseText(text, asJson ? 'd.json' : 'd.yaml');
      for (const e of loaded.errors) assert.ok(codes.has(e.code), e.code);
      if (!loaded.value) return;
      const v = validateDocument(loaded.value);
      for (const e of v.errors) assert.ok(codes.has(e.code), e.code);
      if (v.kind === 'Policy' && v.value) policyFromDocument(loaded.value);
      if (v.kind === 'Host' && v.value) {
        const host = hostFromDocument(loaded.value).value;
        if (host && host.devices.length > 0) {
          evaluated++;
          const twin = { ...host, name: `${host.name}-twin` };
          const d = await evaluate({ policy: base, source: host, destinations: [{ host: twin, errors: [] }] });
          assert.is(d.kind, 'Decision');
          for (const c of d.destinations.flatMap((x) => x.candidates)) for (const k of c.checks) assert.ok(['pass', 'fail', 'skip'].includes(k.result), k.result);
        }
      }
      assertPristine();
    }),
    { numRuns: runs },
  );
  // Measured ≈ 38% of the runs reach evaluate; a generator that stopped producing valid Hosts would make this fuzz vacuous.
  assert.ok(evaluated >= runs * 0.25, `schema-valid hosts with devices were evaluated in ${evaluated} of ${runs} runs`);
  if (process.env.PROPERTY_STATS) console.log(`plausible documents: ${evaluated}/${runs} evaluated`);
});

test('a missing value never produces a pass: every attribute check that passes saw both values', async () => {
  const attrs = fc.record({ device_api: fc.constantFrom('vfio-pci', ''), software_version: fc.constantFrom('1.2.0', '', 'x'), compatible_pci_ids: fc.constantFrom('5931', '', '5931, 591b'), dynamic_resources: fc.constantFrom('aggregator', ''), available_instances: fc.nat(2) }, { requiredKeys: [] });
  await fc.assert(
    fc.asyncProperty(attrs, attrs, async (s, d) => {
      const source = hostFromDocument(parseText(JSON.stringify(hostDoc('s', { p: { types: { 'mtty-1': s }, devices: { [UUID[0]!]: { type: 'mtty-1', attributes: { aggregator: '1' } } } } })), 's.json').value!).value!;
      const dest = hostFromDocument(parseText(JSON.stringify(hostDoc('d', { p: { types: { 'mtty-1': d } } })), 'd.json').value!).value!;
      const decision = await evaluate({ policy: base, source, destinations: [{ host: dest, errors: [] }] });
      for (const k of decision.destinations[0]!.candidates[0]!.checks) {
        if (k.result !== 'pass' || k.id === 'mdev-type' || k.id === 'dynamic-resources' || k.id === 'compatible-attributes') continue;
        const present = (v: unknown) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);
        if (k.id === 'capacity') assert.ok(present(k.destination), 'capacity passed with a destination value');
        else assert.ok(present(k.source) && present(k.destination), `${k.id} passed with ${JSON.stringify(k.source)} / ${JSON.stringify(k.destination)}`);
      }
    }),
    { numRuns: 400 },
  );
});

test.run();
