// Property tests (fast-check) for the invariants of the decision:
// an identical twin with room always takes the VM; with single-valued
// compatible_* lists superset accepts whatever strict accepts; evaluation
// never throws on schema-valid input. Run counts are fixed so CI stays fast.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadEffectivePolicy, parseText, hostFromDocument, TESTS, VERDICTS, type EffectivePolicy } from '../src/index.js';
import { checks, MODE_NAMES } from './arbitraries.js';
import { decide, effectivePolicy, hostDoc, hostFrom, policyText, UUID } from './helpers.js';

const MODES = ['strict', 'superset', 'cross-type'] as const;
const policies = new Map<string, EffectivePolicy>();
async function policyFor(mode: string): Promise<EffectivePolicy> {
  if (!policies.has(mode)) policies.set(mode, (await loadEffectivePolicy(undefined, mode)).value!);
  return policies.get(mode)!;
}

const version = fc.tuple(fc.nat(5), fc.nat(12), fc.nat(3)).map(([a, b, c]) => `${a}.${b}.${c}`);
const hex = fc.constantFrom('5931', '591b', '3e92', '9bc4', '1b38');
const dynamicNames = fc.subarray(['aggregator', 'fps'], { minLength: 0 });
const typeAttrs = fc.record(
  {
    name: fc.constantFrom('GVTg_V5_4', 'GRID M60-2Q', 'Dual port serial'),
    device_api: fc.constantFrom('vfio-pci', 'vfio-ccw', 'vfio-ap'),
    software_version: version,
    compatible_pci_ids: fc.array(hex, { maxLength: 3 }).map((xs) => xs.join(', ')),
    compatible_chpid_type: fc.constantFrom('0x11', '0x1b'),
    compatible_type: fc.constantFrom('i915-GVTg_V5_8', 'nvidia-12'),
    dynamic_resources: dynamicNames,
  },
  { requiredKeys: ['device_api'] },
);
const typeIds = fc.constantFrom('i915-GVTg_V5_4', 'i915-GVTg_V5_8', 'nvidia-11', 'mtty-2', 'vfio_ccw-io');

/** A source host: 1–2 parents, each 1–2 types, 1–3 devices in all, dynamic resources set on each device. */
const sourceHost = fc
  .uniqueArray(fc.tuple(fc.constantFrom('0000:00:02.0', '0000:65:00.0', '0.0.26ab'), fc.uniqueArray(fc.tuple(typeIds, typeAttrs), { minLength: 1, maxLength: 2, selector: (t) => t[0] })), {
    minLength: 1,
    maxLength: 2,
    selector: (p) => p[0],
  })
  .chain((parents) => {
    const slots = parents.flatMap(([pid, types]) => types.map(([tid, attrs]) => ({ pid, tid, attrs })));
    return fc.array(fc.tuple(fc.nat(slots.length - 1), fc.constantFrom('1', '2', '60')), { minLength: 1, maxLength: 3 }).map((devs) => {
      const doc: Record<string, { types: Record<string, unknown>; devices: Record<string, unknown> }> = {};
      for (const [pid, types] of parents) doc[pid] = { types: Object.fromEntries(types.map(([tid, a]) => [tid, { ...a, available_instances: 0 }])), devices: {} };
      devs.forEach(([slot, value], i) => {
        const s = slots[slot]!;
        const names = (s.attrs.dynamic_resources as string[] | undefined) ?? [];
        doc[s.pid]!.devices[UUID[i]!] = { type: s.tid, attributes: Object.fromEntries(names.map((n) => [n, value])) };
      });
      return doc;
    });
  });

test('a source device always migrates to an identical twin host with free capacity', async () => {
  await fc.assert(
    fc.asyncProperty(sourceHost, fc.constantFrom(...MODES), async (parents, mode) => {
      const source = hostFrom(hostDoc('src', parents));
      const twinParents = structuredClone(parents);
      for (const p of Object.values(twinParents)) {
        for (const t of Object.values(p.types)) (t as Record<string, unknown>).available_instances = 3;
        p.devices = {};
      }
      const twin = hostFrom(hostDoc('twin', twinParents));
      const decision = await decide(await policyFor(mode), source, [twin]);
      assert.ok(decision.compatible, JSON.stringify(decision.destinations[0]?.candidates.flatMap((c) => c.checks.filter((k) => k.result === 'fail'))));
      assert.is(decision.destinations[0]!.placement.length, source.devices.length);
    }),
    { numRuns: 150 },
  );
});

test('with single-valued compatible_* lists, superset accepts whatever strict accepts', async () => {
  const single = fc.record({ device_api: fc.constantFrom('vfio-pci', 'vfio-ccw'), software_version: fc.constantFrom('1.0.0', '1.1.0', '2.0.0'), compatible_pci_ids: hex, compatible_chpid_type: fc.constantFrom('0x11', '0x1b') }, { requiredKeys: ['device_api'] });
  await fc.assert(
    fc.asyncProperty(single, single, async (s, d) => {
      const source = hostFrom(hostDoc('src', { p: { types: { 'i915-GVTg_V5_4': { ...s, available_instances: 0 } }, devices: { [UUID[0]!]: { type: 'i915-GVTg_V5_4' } } } }));
      const dest = hostFrom(hostDoc('dst', { p: { types: { 'i915-GVTg_V5_4': { ...d, available_instances: 1 } } } }));
      const strict = await decide(await policyFor('strict'), source, [dest]);
      const superset = await decide(await policyFor('superset'), source, [dest]);
      if (strict.compatible) assert.ok(superset.compatible);
    }),
    { numRuns: 200 },
  );
});

/** Arbitrary attribute maps: odd names, empty strings, lists, sometimes a wrong type (then the host is invalid and skipped). */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 3, arbitrary: fc.constantFrom('1.2.3', '1.10', '', 'vfio-pci', 'vfio-ccw', 'aggregator, fps', '5931,\n591b', '2.0') },
);
const list = fc.oneof(text, fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }));
const anyAttrs = fc.record(
  {
    device_api: text,
    software_version: text,
    name: text,
    x: fc.oneof({ weight: 6, arbitrary: text }, { weight: 1, arbitrary: fc.integer() }),
    'weird-name': text,
    available_instances: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: text }),
    compatible_pci_ids: list,
    compatible_: list,
    compatible_type: list,
    dynamic_resources: list,
  },
  { requiredKeys: [] },
);
/** A host of arbitrary parents, types and devices; a source gets at least one parent and one device. */
const anyHost = (source: boolean) =>
  fc.dictionary(
    fc.constantFrom('p0', 'p1', '0.0.26ab'),
    fc.record(
      {
        types: fc.dictionary(typeIds, anyAttrs, { maxKeys: 3 }),
        devices: fc.dictionary(
          fc.uuid(),
          fc.record({ type: typeIds, attributes: fc.dictionary(fc.constantFrom('aggregator', 'fps', 'assign_adapter'), fc.oneof(fc.string({ maxLength: 4 }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }))) }),
          { minKeys: source ? 1 : 0, maxKeys: 3 },
        ),
      },
      { requiredKeys: source ? ['devices'] : [] },
    ),
    { minKeys: source ? 1 : 0, maxKeys: 2 },
  );

test('evaluation never throws on any schema-valid input', async () => {
  let evaluated = 0;
  await fc.assert(
    fc.asyncProperty(anyHost(true), anyHost(false), fc.constantFrom(...MODES), async (s, d, mode) => {
      const parse = (parents: unknown, name: string) => {
        const loaded = parseText(JSON.stringify(hostDoc(name, parents as Record<string, unknown>)), `${name}.json`);
        return loaded.value ? hostFromDocument(loaded.value).value : undefined;
      };
      const source = parse(s, 'src');
      const dest = parse(d, 'dst');
      if (!source || !dest || source.devices.length === 0) return;
      evaluated++;
      const decision = await decide(await policyFor(mode), source, [dest]);
      assert.is(decision.kind, 'Decision');
      for (const c of decision.destinations.flatMap((x) => x.candidates)) for (const k of c.checks) assert.ok(['pass', 'fail', 'skip'].includes(k.result));
    }),
    { numRuns: 400 },
  );
  assert.ok(evaluated > 150, `enough schema-valid inputs were evaluated (${evaluated})`);
});

test('random schema-valid policies never throw, and a candidate is compatible exactly when no error-severity check fails', async () => {
  let evaluated = 0;
  await fc.assert(
    fc.asyncProperty(checks, anyHost(true), anyHost(false), fc.constantFrom(...MODE_NAMES), async (written, s, d, mode) => {
      const { policy } = effectivePolicy(policyText(written), mode);
      if (!policy) return;
      const parse = (parents: unknown, name: string) => {
        const loaded = parseText(JSON.stringify(hostDoc(name, parents as Record<string, unknown>)), `${name}.json`);
        return loaded.value ? hostFromDocument(loaded.value).value : undefined;
      };
      const source = parse(s, 'src');
      const dest = parse(d, 'dst');
      if (!source || !dest) return;
      evaluated++;
      const decision = await decide(policy, source, [dest]);
      for (const c of decision.destinations.flatMap((x) => x.candidates)) {
        assert.is(c.checks.filter((k) => k.id !== 'source-type').length, written.length);
        assert.is(c.compatible, c.checks.every((k) => k.result !== 'fail' || k.severity === 'warning'));
      }
    }),
    { numRuns: 400 },
  );
  assert.ok(evaluated > 100, `enough valid policy/host pairs were evaluated (${evaluated})`);
});

test('every fast operator test decides as its verdict does', () => {
  const scalar = fc.oneof(fc.constantFrom('', ' ', '1.2.0', '1.10', '2.0.1', '5931', '591b', 'a, b', 'vfio-pci', 'x\ny', 'toString'), fc.string({ maxLength: 6 }), fc.integer({ min: -1, max: 3 }));
  const value = fc.oneof(scalar, fc.array(fc.constantFrom('', '5931', '591b', 'a', 'b'), { maxLength: 3 }), fc.constant(undefined), fc.constant(null));
  const family = fc.dictionary(fc.constantFrom('compatible_a', 'compatible_b', 'toString', 'aggregator'), value, { maxKeys: 3 }).map((o) => Object.assign(Object.create(null), o));
  const operand = fc.oneof(value, family);
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(VERDICTS)), operand, operand, (name, a, b) => {
      assert.is(TESTS[name]!(a, b), VERDICTS[name]!(a, b).ok, `${name}(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
    }),
    { numRuns: 5000 },
  );
});

test.run();
