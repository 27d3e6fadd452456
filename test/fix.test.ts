// Fixes (issue 17 §1): what would make a failing check pass, and the fixes
// that together would admit the VM on a refused destination.
//
// - Table cases (test/cases/fixes.yaml): the `fix` of check `c` and the
//   destination's `fixes`, for every match, `when` leaves and
//   --fail-on-skip, the same from the three evaluators and from the fleet
//   path (byte for byte); then, where every fix names a value (or a range,
//   whose lowest value is taken), the fixes applied to the hosts admit the VM;
//   and the Decision keeps its schema.
// - A property per match: on generated values, a failing check's fix,
//   applied, makes it pass (one attribute: the one fix; a family: all of
//   them).
// - Properties on a destination's fixes: capacity, and several devices on
//   GPUs that differ against two destination GPUs — when a refused
//   destination has fixes, applied (where they name a parent, there) they
//   admit the VM.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { DEFAULT_LIMITS, evaluate, parseText, renderNdjsonDestination, renderText, resolvePolicySet, schemaErrors, streamDecision, type Decision, type Fix, type WrittenCheck } from '../src/index.js';
import { policyFromDocument } from '../src/inputs.js';
import { hostDoc, hostFrom, MODES, readCases, ROOT, unstamped, UUID } from './helpers.js';

type Attrs = Record<string, unknown>;

interface FixCase {
  name: string;
  /** The check under test (id `c`), or several checks (`checks`). */
  check?: WrittenCheck;
  checks?: WrittenCheck[];
  mode?: string;
  parentCapacity?: 'per-type' | 'shared' | 'one';
  source: Attrs;
  destination: Attrs;
  device?: Attrs;
  sourceParent?: Attrs;
  destParent?: Attrs;
  sourceHost?: Attrs;
  destHost?: Attrs;
  sourceType?: string;
  destType?: string;
  /** Source devices of the source type (default 1). */
  devices?: number;
  /** Source parents, each with the types of its devices (instead of one parent of `sourceType` with `devices` devices). */
  sourceParents?: Record<string, { attributes?: Attrs; types: Record<string, Attrs>; devices: string[] }>;
  /** Destination parents (instead of one parent of `destType` with `destination` and `destParent`). */
  destParents?: Record<string, { attributes?: Attrs; types: Record<string, Attrs> }>;
  failOnSkip?: boolean;
  /** The result of check `c` on the first candidate (default fail). */
  result?: 'pass' | 'fail' | 'skip';
  /** Check `c`'s fix on the first candidate; null: none. Absent: not asserted. */
  fix?: Fix | null;
  /** The destination's fixes; null: none. Absent: not asserted. */
  fixes?: Fix[] | null;
  reasonCode?: string;
  /** Rounds of applying the destination's fixes until the VM is admitted (default 1); 0: the fixes are not all values, not applied. */
  rounds?: number;
}

const dir = mkdtempSync(path.join(tmpdir(), 'mdev-fix-'));
let fileNo = 0;

function policyOf(c: FixCase) {
  const checks = c.checks ?? [c.check!];
  const text = stringify({ apiVersion: 'mdev-policy/v1', kind: 'Policy', metadata: { name: 'case', version: '1.0.0' }, spec: { defaultMode: 'strict', modes: MODES, ...(c.parentCapacity ? { parentCapacity: c.parentCapacity } : {}), checks } });
  const policy = policyFromDocument(parseText(text, 'policy.yaml').value!);
  assert.ok(policy.value, JSON.stringify(policy.errors));
  const set = resolvePolicySet(policy.value!, [], c.mode);
  assert.ok(set.value, JSON.stringify(set.errors));
  return set.value!;
}

/** The two hosts of a case as documents (so that fixes can be applied to them before they are read). */
function docsOf(c: FixCase): { source: Attrs; destination: Attrs } {
  const st = c.sourceType ?? 'i915-GVTg_V5_4';
  const dt = c.destType ?? st;
  const devices = Object.fromEntries(UUID.slice(0, c.devices ?? 1).map((u) => [u, { type: st, attributes: c.device ?? {} }]));
  const parent = (facts: Attrs | undefined) => (facts ? { attributes: facts } : {});
  let n = 0;
  const sourceParents =
    c.sourceParents &&
    Object.fromEntries(Object.entries(c.sourceParents).map(([id, p]) => [id, { ...parent(p.attributes), types: p.types, devices: Object.fromEntries(p.devices.map((t) => [UUID[n++]!, { type: t }])) }]));
  const source = hostDoc('src', sourceParents ?? { p0: { ...parent(c.sourceParent), types: { [st]: c.source }, devices } }, c.sourceHost);
  const destination = hostDoc('dst', c.destParents ?? { p1: { ...parent(c.destParent), types: { [dt]: c.destination } } }, c.destHost);
  return structuredClone({ source, destination });
}

async function decideWith(c: FixCase, docs: { source: Attrs; destination: Attrs }, engine: 'rules' | 'bulk' | 'compiled', detail: 'all' | 'failing' = 'all', file?: string): Promise<Decision> {
  return evaluate({
    policy: policyOf(c),
    source: hostFrom(docs.source),
    destinations: [{ host: hostFrom(docs.destination, file), errors: [] }],
    destination: { engine, detail, failOnSkip: c.failOnSkip ?? false },
  });
}

/** The same Decision from the three evaluators. */
async function decideAll(c: FixCase, docs: { source: Attrs; destination: Attrs }): Promise<Decision> {
  const reference = await decideWith(c, docs, 'rules');
  for (const engine of ['bulk', 'compiled'] as const) {
    assert.is(JSON.stringify(unstamped(await decideWith(c, docs, engine))), JSON.stringify(unstamped(reference)), `${engine} = json-rules-engine`);
  }
  return reference;
}

/** The fleet path's NDJSON line for the destination, and the library path's, for both details. */
async function fleetAndLibrary(c: FixCase, docs: { source: Attrs; destination: Attrs }, detail: 'all' | 'failing'): Promise<{ fleet: string; library: string }> {
  const file = path.join(dir, `inv-${fileNo++}.ndjson`);
  writeFileSync(file, `${JSON.stringify(docs.destination)}\n`);
  const library = renderNdjsonDestination((await decideWith(c, docs, 'bulk', detail, file)).destinations[0]!);
  let fleet = '';
  await streamDecision({ policy: policyOf(c), source: hostFrom(docs.source), destinations: [file], limits: DEFAULT_LIMITS, detail, prune: false, failOnSkip: c.failOnSkip ?? false, onlyCompatible: false, write: (t) => {
    fleet += typeof t === 'string' ? t : Buffer.from(t).toString();
  } });
  return { fleet, library };
}

// --- applying fixes ------------------------------------------------------------

/** The value a fix's `to` stands for, when it names one: a value, the lowest of a range, a placeholder for "present"; undefined for a condition in words. */
export function concreteValue(to: string): string | undefined {
  const t = to.replace(/ on both sides$/, '');
  if (t === 'present') return '1.0.0';
  let m = /^≥ (\S+)(?: <\S+)?$/.exec(t);
  if (m) return m[1];
  m = /^one of ([^,]+)/.exec(t);
  if (m) return m[1];
  if (/^(≤|<|>|≠|none of|present,|a |the )/.test(t)) return t.startsWith('≤ ') ? t.slice(2) : undefined;
  return t;
}

/** Apply one fix to the host documents: to every type (or parent) of the side it names — of the parent (and type) it names, if any — as a value that host documents take. */
export function applyFix(docs: { source: Attrs; destination: Attrs }, f: Fix): boolean {
  const value = concreteValue(f.to);
  if (value === undefined || f.attribute === '@id') return false;
  const sides = f.to.endsWith(' on both sides') ? (['source', 'destination'] as const) : [f.side];
  for (const side of sides) {
    const spec = (docs[side] as { spec: { host?: Attrs; parents: Record<string, { attributes?: Attrs; types?: Record<string, Attrs>; devices?: Record<string, { attributes?: Attrs }> }> } }).spec;
    const written: unknown = f.attribute === 'available_instances' ? Number(value) : value;
    if (f.scope === 'host') spec.host = { ...(spec.host ?? {}), [f.attribute]: written };
    // Where a fix names its parent (and type), there only.
    for (const [id, p] of Object.entries(spec.parents)) {
      if (f.parent !== undefined && id !== f.parent) continue;
      if (f.scope === 'parent') p.attributes = { ...(p.attributes ?? {}), [f.attribute]: written };
      if (f.scope === 'type') for (const [tid, t] of Object.entries(p.types ?? {})) if (f.type === undefined || tid === f.type) t[f.attribute] = written;
      if (f.scope === 'device') for (const d of Object.values(p.devices ?? {})) d.attributes = { ...(d.attributes ?? {}), [f.attribute]: written };
    }
  }
  return true;
}

// --- the table -------------------------------------------------------------------

const cases = readCases<FixCase>('fixes.yaml');
const names = new Set<string>();
for (const c of cases) {
  test(`fix: ${c.name}`, async () => {
    assert.not.ok(names.has(c.name), 'case names are unique');
    names.add(c.name);
    const docs = docsOf(c);
    const decision = await decideAll(c, docs);
    const dest = decision.destinations[0]!;
    const candidate = dest.candidates[0]!;
    const result = candidate.checks.find((k) => k.id === 'c');
    if (c.fix !== undefined || c.result !== undefined) {
      assert.ok(result, 'check c has a result');
      assert.is(result!.result, c.result ?? 'fail', result!.message);
    }
    if (c.fix !== undefined) assert.equal(result!.fix ?? null, c.fix);
    if (c.fixes !== undefined) {
      // The free instances placement still lacks say where (parent and type); the table pins the rest.
      for (const f of dest.fixes ?? []) if (f.attribute === 'available_instances' && (f.parent !== undefined || f.type !== undefined)) assert.ok(f.parent && f.type, JSON.stringify(f));
      const where = (f: Fix) => {
        const { parent: _p, type: _t, ...rest } = f;
        return rest;
      };
      assert.equal(dest.fixes?.map(where) ?? null, c.fixes);
    }
    if (c.reasonCode !== undefined) assert.is(dest.reasonCode, c.reasonCode);
    // The Decision, fixes and all, keeps its schema.
    assert.equal(schemaErrors(parseText(JSON.stringify(decision), 'decision.json').value!, 'Decision'), []);
    // The fleet path writes the same bytes, fixes included.
    for (const detail of ['failing', 'all'] as const) {
      const got = await fleetAndLibrary(c, docs, detail);
      assert.is(got.fleet, got.library, `fleet = library (${detail})`);
    }
    // Applied, the destination's fixes admit the VM.
    const rounds = c.rounds ?? 1;
    if (dest.compatible || rounds === 0) return;
    let now = dest;
    for (let r = 0; r < rounds && !now.compatible; r++) {
      assert.ok(now.fixes && now.fixes.length > 0, `round ${r + 1}: the refused destination has fixes`);
      for (const f of now.fixes!) assert.ok(applyFix(docs, f), `round ${r + 1}: ${JSON.stringify(f)} names a value`);
      now = (await decideAll(c, docs)).destinations[0]!;
    }
    assert.ok(now.compatible, `admitted after ${rounds} round(s) of fixes: ${now.reason ?? ''} ${JSON.stringify(now.candidates.map((k) => k.checks.filter((x) => x.result === 'fail')))}`);
  });
}

test('the table has a case for every match but ignore with a fix, `when` leaves, --fail-on-skip and destination fixes', () => {
  const matches = new Set<unknown>(cases.flatMap((c) => (c.fix ? [c.check?.match ?? c.checks?.find((k) => k.id === 'c')?.match] : [])));
  for (const m of ['equal', 'version-compatible', 'version-at-least', 'version-equal', 'one-to-one', 'superset', 'equal-or-listed', 'capacity', 'sync']) assert.ok(matches.has(m), m);
  assert.ok(cases.some((c) => c.check?.when && c.fix));
  assert.ok(cases.some((c) => c.failOnSkip && c.fix));
  assert.ok(cases.some((c) => c.reasonCode === 'capacity' && c.fixes));
});

// --- text -------------------------------------------------------------------------

test('the text report: a line under a failing check, one for the destination when its fixes are several, escaped', async () => {
  const c: FixCase = {
    name: 'text',
    checks: [
      { id: 'c', attribute: 'software_version', match: 'version-compatible' },
      { id: 'd', attribute: 'device_api', match: 'equal' },
    ],
    source: { software_version: '1.2.0', device_api: 'vfio-pci' },
    destination: { software_version: '1.1.0', device_api: 'vfio\u001b[2Jccw' },
  };
  const text = renderText(await decideAll(c, docsOf(c)));
  assert.match(text, /\n {8}would pass with: destination software_version 1\.1\.0 → ≥ 1\.2\.0 <2\.0\.0\n/);
  assert.match(text, /\n {8}would pass with: destination device_api vfio\\x1b\[2Jccw → vfio-pci\n/);
  assert.match(text, /\n {4}would be admitted with: destination type i915-GVTg_V5_4 on p1 software_version 1\.1\.0 → ≥ 1\.2\.0 <2\.0\.0; destination type i915-GVTg_V5_4 on p1 device_api vfio\\x1b\[2Jccw → vfio-pci\n/);
  assert.not.ok(text.includes('\u001b'), 'no raw escape');
  // One fix, already under its check: no destination line.
  const one: FixCase = { ...c, checks: [c.checks![0]!], destination: { software_version: '1.1.0' } };
  const single = renderText(await decideAll(one, docsOf(one)));
  assert.match(single, /would pass with: /);
  assert.not.match(single, /would be admitted with/);
  // A refusal for placement alone: no check says it, the destination's line does.
  const placement: FixCase = { name: 'text', check: { id: 'c', attribute: 'available_instances', match: 'capacity' }, devices: 2, source: { available_instances: 4 }, destination: { available_instances: 1 } };
  const placed = renderText(await decideAll(placement, docsOf(placement)));
  assert.not.match(placed, /would pass with/);
  assert.match(placed, /\n {4}would be admitted with: destination type i915-GVTg_V5_4 on p1 available_instances 1 → ≥ 2\n/);
});

// --- properties ------------------------------------------------------------------------

const versions = fc.constantFrom('1.2.0', '1.3.0', '1.1.9', '2.0', '2.1.3', '0.9', '550.90.05', '550.90.5', '8.0.0', '8.6.0', '10.0.0', 'v2', '', undefined);
const lists = fc.constantFrom('5931', '5931, 591b', '591b, 5931', '1234', '591b, 1234, 5931', '', undefined);
const words = fc.constantFrom('vfio-pci', 'vfio-ccw', 'enabled', 'disabled', ' ', '', undefined);

interface Generated {
  check: WrittenCheck;
  attribute: string;
  values: fc.Arbitrary<string | undefined>;
  scope?: 'parent' | 'host';
}

const GENERATED: Generated[] = [
  { check: { id: 'c', attribute: 'device_api', match: 'equal' }, attribute: 'device_api', values: words },
  { check: { id: 'c', scope: 'parent', attribute: 'ecc_mode', match: 'equal' }, attribute: 'ecc_mode', values: words, scope: 'parent' },
  { check: { id: 'c', attribute: 'software_version', match: 'version-compatible' }, attribute: 'software_version', values: versions },
  { check: { id: 'c', scope: 'host', attribute: 'libvirt_version', match: 'version-at-least', value: '8.6.0' }, attribute: 'libvirt_version', values: versions, scope: 'host' },
  { check: { id: 'c', scope: 'host', attribute: 'nvidia_version', match: 'version-equal' }, attribute: 'nvidia_version', values: versions, scope: 'host' },
  { check: { id: 'c', attribute: 'compatible_pci_ids', match: 'one-to-one' }, attribute: 'compatible_pci_ids', values: lists },
  { check: { id: 'c', attribute: 'compatible_pci_ids', match: 'superset' }, attribute: 'compatible_pci_ids', values: lists },
  { check: { id: 'c', attribute: 'name', match: 'equal-or-listed' }, attribute: 'name', values: words },
  { check: { id: 'c', attribute: 'available_instances', match: 'capacity' }, attribute: 'available_instances', values: fc.constantFrom('0', '1', '3', undefined) },
];

/** The case of one generated pair of values (absent when undefined). */
function generatedCase(g: Generated, s: string | undefined, d: string | undefined): FixCase {
  const put = (v: string | undefined): Attrs => (v === undefined ? {} : { [g.attribute]: g.attribute === 'available_instances' ? Number(v) : v });
  const c: FixCase = { name: 'generated', check: g.check, source: {}, destination: {} };
  if (g.scope === 'parent') Object.assign(c, { sourceParent: put(s), destParent: put(d) });
  else if (g.scope === 'host') Object.assign(c, { sourceHost: put(s), destHost: put(d) });
  else Object.assign(c, { source: put(s), destination: put(d) });
  return c;
}

for (const g of GENERATED) {
  test(`property: a failing ${g.check.match} check's fix, applied, makes it pass`, async () => {
    let fixed = 0;
    await fc.assert(
      fc.asyncProperty(g.values, g.values, async (s, d) => {
        const c = generatedCase(g, s, d);
        const docs = docsOf(c);
        const decision = await decideWith(c, docs, 'bulk');
        const result = decision.destinations[0]!.candidates[0]!.checks.find((k) => k.id === 'c')!;
        if (result.result !== 'fail') return;
        assert.ok(result.fix, `a failing ${g.check.match} check has a fix: ${result.message}`);
        const f = result.fix!;
        // `from` is the value now on that side.
        const before = f.to.endsWith(' on both sides') ? s : f.side === 'source' ? s : d;
        const shown = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v));
        if (f.attribute === g.attribute) assert.equal(f.from === undefined ? undefined : shown(f.from), before === undefined || before.trim() === '' ? undefined : before);
        if (!applyFix(docs, f)) return;
        fixed++;
        const after = (await decideWith(c, docs, 'rules')).destinations[0]!.candidates[0]!.checks.find((k) => k.id === 'c')!;
        assert.is(after.result, 'pass', `${JSON.stringify({ s, d, fix: f })}: ${after.message}`);
      }),
      { numRuns: 150 },
    );
    assert.ok(fixed > 10, `enough fixes were applied (${fixed})`);
  });
}

test('property: a family check passes once all its fixes (the destination\'s) are applied', async () => {
  const family = fc.dictionary(fc.constantFrom('compatible_pci_ids', 'compatible_chpid_type', 'compatible_x'), fc.constantFrom('5931', '5931, 591b', '0x11', ''), { maxKeys: 3 });
  let fixed = 0;
  await fc.assert(
    fc.asyncProperty(family, family, fc.constantFrom<WrittenCheck['match']>('one-to-one', 'superset', 'equal'), async (s, d, match) => {
      const c: FixCase = { name: 'family', check: { id: 'c', attributes: { prefix: 'compatible_' }, match }, source: s, destination: d };
      const docs = docsOf(c);
      const dest = (await decideWith(c, docs, 'bulk')).destinations[0]!;
      if (dest.compatible) return;
      for (const f of dest.fixes ?? []) applyFix(docs, f);
      fixed++;
      const after = (await decideWith(c, docs, 'rules')).destinations[0]!;
      assert.ok(after.compatible, `${JSON.stringify({ s, d, match, fixes: dest.fixes })}: ${JSON.stringify(after.candidates[0]!.checks)}`);
    }),
    { numRuns: 150 },
  );
  assert.ok(fixed > 20, `enough families were fixed (${fixed})`);
});

test('property: placement — the capacity fixes of a refused destination admit the VM', async () => {
  const available = fc.nat(2);
  let fixed = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.constantFrom<'per-type' | 'shared' | 'one'>('per-type', 'shared', 'one'),
      fc.dictionary(fc.constantFrom('p1', 'p2'), fc.record({ a: available, b: available }), { minKeys: 1, maxKeys: 2 }),
      async (devices, parentCapacity, parents) => {
        const c: FixCase = {
          name: 'placement',
          parentCapacity,
          checks: [{ id: 'c', attribute: 'available_instances', match: 'capacity' }],
          sourceType: 'mtty-1',
          source: { available_instances: 4 },
          destination: {},
          devices,
          destParents: Object.fromEntries(Object.entries(parents).map(([p, t]) => [p, { types: { 'mtty-1': { available_instances: t.a }, 'mtty-2': { available_instances: t.b } } }])),
        };
        const docs = docsOf(c);
        const dest = (await decideWith(c, docs, 'bulk')).destinations[0]!;
        if (dest.compatible) return;
        assert.ok(dest.fixes && dest.fixes.length > 0, `a refusal for want of instances has fixes: ${dest.reason}`);
        for (const f of dest.fixes!) assert.is(f.attribute, 'available_instances');
        // Raise each type to what its fix asks wherever it has exactly that many free (the fix's `from`).
        const spec = (docs.destination as { spec: { parents: Record<string, { types: Record<string, { available_instances: number }> }> } }).spec;
        for (const f of dest.fixes!) for (const p of Object.values(spec.parents)) for (const t of Object.values(p.types)) if (t.available_instances === f.from) t.available_instances = Math.max(t.available_instances, Number(concreteValue(f.to)));
        fixed++;
        const after = (await decideWith(c, docs, 'rules')).destinations[0]!;
        assert.ok(after.compatible, `${JSON.stringify({ devices, parentCapacity, parents, fixes: dest.fixes })}: ${after.reason}`);
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(fixed > 30, `enough placements were fixed (${fixed})`);
});

test('property: several devices on GPUs that differ, two destination GPUs — a refused destination\'s fixes, when it has any, applied admit the VM (and are the same from every evaluator and the fleet path)', async () => {
  const ecc = fc.constantFrom('enabled', 'disabled', undefined);
  const gpu = fc.record({ ecc, a: fc.nat(2), b: fc.nat(2) });
  let fixed = 0;
  let none = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ ecc, type: fc.constantFrom('nvidia-557', 'nvidia-558') }), { minLength: 1, maxLength: 3 }),
      fc.constantFrom<'per-type' | 'shared' | 'one'>('per-type', 'shared', 'one'),
      gpu,
      gpu,
      fc.boolean(),
      async (devices, parentCapacity, g0, g1, strict) => {
        const facts = (e: string | undefined) => (e === undefined ? {} : { attributes: { ecc_mode: e } });
        const types = (a: number, b: number) => ({ 'nvidia-557': { device_api: 'vfio-pci', available_instances: a }, 'nvidia-558': { device_api: 'vfio-pci', available_instances: b } });
        const c: FixCase = {
          name: 'several',
          parentCapacity,
          checks: [
            { id: 'c', scope: 'parent', attribute: 'ecc_mode', match: 'equal' },
            { id: 'capacity', attribute: 'available_instances', match: 'capacity' },
            ...(strict ? [{ id: 'type', attribute: '@id', match: 'equal' } as WrittenCheck] : []),
          ],
          source: {},
          destination: {},
          sourceParents: Object.fromEntries(devices.map((d, i) => [`s${i}`, { ...facts(d.ecc), types: types(3, 3), devices: [d.type] }])),
          destParents: { '0000:3b:00.0': { ...facts(g0.ecc), types: types(g0.a, g0.b) }, '0000:af:00.0': { ...facts(g1.ecc), types: types(g1.a, g1.b) } },
        };
        const docs = docsOf(c);
        const dest = (await decideWith(c, docs, 'bulk')).destinations[0]!;
        if (dest.compatible) return;
        const compiled = (await decideWith(c, docs, 'compiled')).destinations[0]!;
        assert.equal(compiled.fixes, dest.fixes, 'compiled = bulk');
        const got = await fleetAndLibrary(c, docs, 'failing');
        assert.is(got.fleet, got.library, 'fleet = library');
        if (!dest.fixes) {
          none++;
          return;
        }
        for (const f of dest.fixes) if (f.scope === 'parent' && f.side === 'destination') assert.ok(f.parent, `a parent fix names its parent: ${JSON.stringify(f)}`);
        for (const f of dest.fixes) assert.ok(applyFix(docs, f), JSON.stringify(f));
        fixed++;
        const after = (await decideWith(c, docs, 'rules')).destinations[0]!;
        assert.ok(after.compatible, `${JSON.stringify({ devices, parentCapacity, g0, g1, strict, fixes: dest.fixes })}: ${after.reason}`);
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(fixed > 30, `enough destinations were fixed (${fixed}, ${none} without fixes)`);
});

test('text: a type id cannot change — an @id fix reads "offers type"', async () => {
  const c: FixCase = { name: 'id', check: { id: 'c', attribute: '@id', match: 'equal' }, sourceType: 'mtty-1', destType: 'mtty-2', source: {}, destination: {} };
  const text = renderText(await decideAll(c, docsOf(c)));
  assert.match(text, /\n {8}would pass with: destination offers type mtty-1\n/);
  assert.not.match(text, /would pass with: destination @id/);
});

test('a GPU running another type (parentCapacity one): no destination fixes borrowed from a wrong-type candidate, on the library and the fleet path alike', () => {
  const args = ['eval', '-s', 'test/fixtures/fixes/one-type-src.json', '-d', 'test/fixtures/fixes/one-type-dst.json'];
  const json = spawnSync(process.execPath, ['bin/run.js', ...args, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
  assert.is(json.status, 1, json.stderr);
  const decision = JSON.parse(json.stdout) as { destinations: { compatible: boolean; fixes?: unknown[] }[] };
  assert.is(decision.destinations[0]!.compatible, false);
  assert.is(decision.destinations[0]!.fixes, undefined, 'renaming the other type would admit nothing');
  const ndjson = spawnSync(process.execPath, ['bin/run.js', ...args, '--format', 'ndjson'], { cwd: ROOT, encoding: 'utf8' });
  assert.not.match(ndjson.stdout.split('\n')[0]!, /"fixes"/);
  const text = spawnSync(process.execPath, ['bin/run.js', ...args], { cwd: ROOT, encoding: 'utf8' });
  assert.not.match(text.stdout, /would be admitted with/);
});

test('two types short of instances on one shared parent are two fixes, each naming its parent and type', async () => {
  const policy = policyOf({ check: { id: 'c', attribute: 'available_instances', match: 'capacity' } } as FixCase);
  const type = (available: number) => ({ device_api: 'vfio-pci', available_instances: available });
  const source = hostFrom(hostDoc('src', { p0: { types: { T: type(4), T2: type(4) }, devices: { [UUID[0]!]: { type: 'T' }, [UUID[1]!]: { type: 'T2' } } } }));
  const dest = hostFrom(hostDoc('dst', { g0: { types: { T: type(1), T2: type(1) } } }));
  const d = await evaluate({ policy, source, destinations: [{ host: dest, errors: [] }], destination: { engine: 'compiled' } });
  const r = d.destinations[0]!;
  assert.is(r.compatible, false);
  const capacity = (r.fixes ?? []).filter((f) => f.attribute === 'available_instances');
  assert.equal(capacity.map((f) => [f.parent, f.type, f.to]).sort(), [['g0', 'T', '≥ 2'], ['g0', 'T2', '≥ 2']]);
});

test.run();
