// The rules specialised per source device (issue 13 item 1, DESIGN §8).
// Safety: the generated text is built from the compiler's own templates,
// identifiers and indices only — the same world built once with benign
// strings and once with hostile ones (quotes, backslashes, `${`, `*/`,
// U+2028/U+2029, newlines, `__proto__`, `constructor`) in every policy and
// host field gives byte-identical text, and no input string appears in it.
// Semantics: hand-picked cases (absent attributes, `__proto__`-named ones,
// lists, numbers) give the same outcomes, compatibility and verdict as the
// bulk closures and json-rules-engine. The generated property test is in
// test/differential.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asPolicySet, MATCH_MODULES, runBulk, selectSourceDevices, specialise, runSpecialised, FAIL, PASS, SKIPPED } from '../src/index.js';
import { runRules } from '../src/evaluate/engine.js';
import type { CandidateRun } from '../src/evaluate/run.js';
import type { SourceDevice } from '../src/evaluate/sources.js';
import { MATCHES, type CheckScope, type Condition, type EffectiveCheck, type EffectivePolicy, type Host, type ValueTarget } from '../src/types.js';

const HOSTILE = [
  "a'b",
  'a"b',
  'a`b',
  'a\\b',
  '${globalThis.pwned = 1}',
  '*/ throw 1; /*',
  'a\u2028b',
  'a\u2029b',
  'a\nb',
  '__proto__',
  'constructor',
  "'); globalThis.pwned = 1; ('",
  '`); globalThis.pwned = 1; (`',
  '\\u0027',
  '</script>',
  'toString',
];

/** Field strings of one world: benign (`f0`, `f1`, …) or hostile (each distinct, so a world keeps its shape). */
type Strings = (i: number) => string;
const benign: Strings = (i) => `f${i}`;
const hostile: Strings = (i) => (i < HOSTILE.length ? HOSTILE[i]! : `${HOSTILE[i % HOSTILE.length]!}${i}`);

const SCOPES: CheckScope[] = ['type', 'parent', 'host'];

/** A policy and a source host whose every string field (ids, names, values, notes, literals) comes from `s`. */
function world(s: Strings): { policy: EffectivePolicy; source: Host; destination: Host } {
  let k = 0;
  const next = () => s(k++);
  // Attribute names shared by the policy and the hosts, so both sides read something.
  const names = Array.from({ length: 6 }, next);
  const [n0, n1, n2, n3, n4, n5] = names as [string, string, string, string, string, string];
  const checks: EffectiveCheck[] = [];
  const common = (id: string) => ({ id, description: next(), note: next(), locked: false, origin: next(), overlays: [next()] });
  for (const match of MATCHES) {
    for (const kind of MATCH_MODULES[match].targets) {
      for (const scope of SCOPES) {
        for (const onMissing of ['fail', 'skip'] as const) {
          const target: ValueTarget =
            kind === 'attribute' ? { kind, name: scope === 'type' && onMissing === 'skip' ? '@id' : n0 } : kind === 'list' ? { kind, names: [n1, n2, '@id'] } : { kind, prefix: n3, except: [n4] };
          checks.push({ ...common(next()), target, match, scope, onMissing, severity: checks.length % 3 === 0 ? 'warning' : 'error', ...(match === 'version-at-least' ? { value: next() } : {}) });
        }
      }
    }
  }
  const leaves: Condition[] = [
    { fact: 'source', path: `$.type.attributes.${n0}`, operator: 'equal', value: next() },
    { fact: 'destination', path: `$.type.attributes.${n1}`, operator: 'in', value: [next(), next()] },
    { fact: 'destination', path: `$.hostAttributes.${n2}`, operator: 'notEqual', value: { fact: 'source', path: `$.hostAttributes.${n2}` } },
    { fact: 'destination', path: `$.parentAttributes.${n3}`, operator: 'version-at-least', value: next() },
    { fact: 'destination', path: '$.type.id', operator: 'equal', value: next() },
    { fact: 'destination', path: '$.host', operator: 'notEqual', value: next() },
    { fact: 'destination', path: '$.parent', operator: 'contains', value: next() },
    { fact: 'destination', path: `$.device.attributes.${n4}`, operator: 'equal', value: next() },
    { fact: 'source', path: `$.device.attributes.${n5}`, operator: 'equal', value: { fact: 'destination', path: `$.type.attributes.${n5}` } },
    { fact: 'destination', path: `$.type.attributes.${n0}[0]`, operator: 'lessThan', value: 3 },
  ];
  const when: Condition = { all: [leaves[0]!, { any: [leaves[1]!, { not: leaves[2]! }, leaves[3]!] }, { not: { all: [leaves[4]!, leaves[5]!] } }, ...leaves.slice(6)] };
  checks.push({ ...common(next()), target: { kind: 'when', condition: when }, onMissing: 'fail', severity: 'error' });
  const policy: EffectivePolicy = {
    policy: { name: next(), version: '1.0.0' },
    overlays: [{ name: next(), version: '1.0.0' }],
    mode: next(),
    modes: [],
    checks,
    disabled: [],
    parentCapacity: 'shared',
    parentCapacityOrigin: next(),
  };
  const attrs = () => Object.fromEntries(names.map((n, i) => [n, i % 3 === 0 ? [next(), next()] : i % 3 === 1 ? next() : i]));
  const host = (): Host => {
    const parent = next();
    const type = next();
    return {
      name: next(),
      facts: Object.fromEntries(names.map((n) => [n, next()])),
      parents: [{ id: parent, attributes: Object.fromEntries(names.map((n) => [n, next()])), types: [{ id: type, attributes: attrs() }] }],
      devices: [{ uuid: next(), parent, type, attributes: Object.fromEntries(names.map((n, i) => [n, i % 2 === 0 ? next() : [next()]])) }],
    };
  };
  return { policy, source: host(), destination: host() };
}

function sourceOf(policy: EffectivePolicy, host: Host): SourceDevice {
  const { devices, errors } = selectSourceDevices(host, undefined, asPolicySet(policy));
  assert.equal(errors, []);
  return devices[0]!;
}

test('the generated text is byte-identical for hostile and benign strings in every policy and host field', () => {
  const b = world(benign);
  const h = world(hostile);
  for (const failOnSkip of [false, true]) {
    const benignText = specialise(sourceOf(b.policy, b.source), failOnSkip).text;
    const hostileText = specialise(sourceOf(h.policy, h.source), failOnSkip).text;
    assert.ok(benignText.length > 1000, 'a real policy was specialised');
    assert.is(hostileText, benignText);
    // No string of the input reaches the text (the benign ones are distinctive: f0, f1, … as whole words).
    for (const x of HOSTILE.filter((x) => x.length > 2)) assert.not.ok(hostileText.includes(x), `the text holds ${JSON.stringify(x)}`);
    assert.not.ok(/\bf\d+\b/.test(benignText), 'the text holds a benign field value');
  }
  assert.is((globalThis as { pwned?: unknown }).pwned, undefined);
});

/** Every rule's outcome of a run, as comparable text. */
const outcomesOf = (r: CandidateRun) => r.outcomes.map((o) => `${o.name}:${o.result}${o.absentBoth === undefined ? '' : `/${o.absentBoth}`}`);

/** A candidate through the three evaluators: outcomes, compatibility, the verdict function and the outcome codes agree. */
async function agree(source: SourceDevice, dest: Host, label: string): Promise<CandidateRun> {
  const p = dest.parents[0]!;
  const t = p.types[0]!;
  const reference = await runRules(source, dest, p, t);
  for (const failOnSkip of [false, true]) {
    const bulk = runBulk(source, dest, p, t, failOnSkip);
    const compiled = runSpecialised(source, dest, p, t, failOnSkip);
    assert.equal(outcomesOf(compiled), outcomesOf(reference), `${label}: outcomes`);
    assert.equal(outcomesOf(bulk), outcomesOf(reference), `${label}: bulk outcomes`);
    assert.is(compiled.compatible, bulk.compatible, `${label}: compatible (failOnSkip ${failOnSkip})`);
    const spec = specialise(source, failOnSkip);
    assert.is(spec.verdict(dest, p, t), bulk.compatible, `${label}: verdict (failOnSkip ${failOnSkip})`);
    const codes = new Uint8Array(spec.count);
    spec.outcomes(dest, p, t, codes);
    assert.equal([...codes], bulk.outcomes.map((o) => (o.absentBoth === true ? SKIPPED : o.result ? PASS : FAIL)), `${label}: codes`);
    assert.equal(compiled.outcomes.map((o) => o.conditions()), bulk.outcomes.map((o) => o.conditions()), `${label}: explanations`);
  }
  return runSpecialised(source, dest, p, t);
}

test('the hostile world decides as the bulk closures and json-rules-engine', async () => {
  for (const s of [benign, hostile]) {
    const w = world(s);
    const source = sourceOf(w.policy, w.source);
    await agree(source, w.destination, 'another host');
    await agree(source, w.source, 'the source itself');
  }
});

// --- hand-picked cases ------------------------------------------------------------

const bare = (o: Record<string, unknown>) => Object.assign(Object.create(null) as Record<string, unknown>, o);

/** One value check on a type attribute (or family), a source and a destination type with the given attributes. */
function pair(check: Partial<EffectiveCheck> & Pick<EffectiveCheck, 'target'>, src: Record<string, unknown>, dst: Record<string, unknown>, extra: { dstFacts?: Record<string, string>; srcFacts?: Record<string, string> } = {}) {
  const c = { id: 'c', onMissing: 'fail', severity: 'error', locked: false, origin: 'case@1.0.0', overlays: [], scope: 'type', match: 'equal', ...check } as EffectiveCheck;
  const policy: EffectivePolicy = { policy: { name: 'case', version: '1.0.0' }, overlays: [], mode: 'strict', modes: ['strict'], checks: [c], disabled: [], parentCapacity: 'shared', parentCapacityOrigin: 'case@1.0.0' };
  const host = (name: string, attributes: Record<string, unknown>, facts: Record<string, string> = {}): Host => ({
    name,
    facts,
    parents: [{ id: 'p0', attributes: {}, types: [{ id: 'mtty-1', attributes: attributes as Host['parents'][0]['types'][0]['attributes'] }] }],
    devices: [{ uuid: '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001', parent: 'p0', type: 'mtty-1', attributes: { fps: '60' } }],
  });
  return { source: sourceOf(policy, host('src', src, extra.srcFacts)), dest: host('dst', dst, extra.dstFacts) };
}

const attr = (name: string): ValueTarget => ({ kind: 'attribute', name });
const CASES: { name: string; check: Partial<EffectiveCheck> & Pick<EffectiveCheck, 'target'>; src: Record<string, unknown>; dst: Record<string, unknown>; want: 0 | 1 | 2 }[] = [
  { name: 'equal, same string', check: { target: attr('a') }, src: { a: 'x' }, dst: { a: 'x' }, want: PASS },
  { name: 'equal, absent on the destination', check: { target: attr('a') }, src: { a: 'x' }, dst: {}, want: FAIL },
  { name: 'equal, absent on both, onMissing fail', check: { target: attr('a') }, src: {}, dst: {}, want: FAIL },
  { name: 'equal, absent on both, onMissing skip', check: { target: attr('a'), onMissing: 'skip' }, src: {}, dst: {}, want: SKIPPED },
  { name: 'equal, blank on both, onMissing skip', check: { target: attr('a'), onMissing: 'skip' }, src: { a: ' ' }, dst: { a: '\n' }, want: SKIPPED },
  { name: 'equal, lines joined either way', check: { target: attr('a') }, src: { a: 'l1\nl2\n' }, dst: { a: 'l1, l2' }, want: PASS },
  { name: 'equal, a number and its text', check: { target: attr('a') }, src: { a: 2 }, dst: { a: '2' }, want: PASS },
  { name: 'equal, a list and its text', check: { target: attr('a') }, src: { a: ['5931', '591b'] }, dst: { a: '5931, 591b' }, want: PASS },
  { name: 'equal, inherited `constructor` is not an attribute', check: { target: attr('constructor') }, src: { constructor: 'x' }, dst: {}, want: FAIL },
  { name: 'equal, inherited `toString` on both is absent', check: { target: attr('toString'), onMissing: 'skip' }, src: {}, dst: {}, want: SKIPPED },
  { name: 'equal, an own `__proto__` attribute is read', check: { target: attr('__proto__') }, src: JSON.parse('{"__proto__": "x"}') as Record<string, unknown>, dst: JSON.parse('{"__proto__": "x"}') as Record<string, unknown>, want: PASS },
  { name: 'equal, `__proto__` of a plain map is no attribute', check: { target: attr('__proto__'), onMissing: 'skip' }, src: {}, dst: {}, want: SKIPPED },
  { name: 'equal on a map without prototype', check: { target: attr('a') }, src: bare({ a: 'x' }), dst: bare({ a: 'x' }), want: PASS },
  { name: 'version-compatible, newer minor', check: { target: attr('v'), match: 'version-compatible' }, src: { v: '1.2.0' }, dst: { v: ' 1.3 ' }, want: PASS },
  { name: 'version-compatible, older minor', check: { target: attr('v'), match: 'version-compatible' }, src: { v: '1.2.0' }, dst: { v: '1.1.9' }, want: FAIL },
  { name: 'version-compatible, a number is no version', check: { target: attr('v'), match: 'version-compatible' }, src: { v: '1.2' }, dst: { v: 1.2 }, want: FAIL },
  { name: 'version-compatible, the source does not parse', check: { target: attr('v'), match: 'version-compatible' }, src: { v: 'x' }, dst: { v: '1.2' }, want: FAIL },
  { name: 'one-to-one, lists', check: { target: attr('l'), match: 'one-to-one' }, src: { l: ['5931', '591b'] }, dst: { l: ['5931', '591b', 'zz'] }, want: PASS },
  { name: 'one-to-one, first values differ', check: { target: attr('l'), match: 'one-to-one' }, src: { l: ['5931', '591b'] }, dst: { l: '591b, 5931' }, want: FAIL },
  { name: 'superset, a string list', check: { target: attr('l'), match: 'superset' }, src: { l: '5931' }, dst: { l: ['591b', '5931'] }, want: PASS },
  { name: 'family one-to-one', check: { target: { kind: 'family', prefix: 'compatible_', except: ['compatible_type'] }, match: 'one-to-one' }, src: { compatible_a: ['1'], compatible_type: 'x' }, dst: { compatible_a: '1, 2' }, want: PASS },
  { name: 'family, a member only on the destination', check: { target: { kind: 'family', prefix: 'compatible_', except: [] }, match: 'equal' }, src: { compatible_a: '1' }, dst: { compatible_a: '1', compatible_b: '2' }, want: FAIL },
  { name: 'family, empty on both, skip', check: { target: { kind: 'family', prefix: 'compatible_', except: [] }, match: 'equal', onMissing: 'skip' }, src: {}, dst: { compatible_a: '' }, want: SKIPPED },
  { name: 'list with @id, skip absent members', check: { target: { kind: 'list', names: ['a', 'b', '@id'] }, match: 'equal', onMissing: 'skip' }, src: { a: '1' }, dst: { a: '1' }, want: PASS },
  { name: 'list naming `__proto__` and `constructor`', check: { target: { kind: 'list', names: ['__proto__', 'constructor'] }, match: 'equal', onMissing: 'skip' }, src: {}, dst: {}, want: SKIPPED },
  { name: 'capacity, a number', check: { target: attr('available_instances'), match: 'capacity' }, src: {}, dst: { available_instances: 1 }, want: PASS },
  { name: 'capacity, none left', check: { target: attr('available_instances'), match: 'capacity' }, src: {}, dst: { available_instances: 0 }, want: FAIL },
  { name: 'capacity, digits as text', check: { target: attr('available_instances'), match: 'capacity' }, src: {}, dst: { available_instances: ' 2\n' }, want: PASS },
  { name: 'capacity, not an integer', check: { target: attr('available_instances'), match: 'capacity' }, src: {}, dst: { available_instances: 1.5 }, want: FAIL },
  { name: 'sync, a list of names set on the device', check: { target: attr('dynamic_resources'), match: 'sync' }, src: { dynamic_resources: ['fps'] }, dst: { dynamic_resources: ['fps'] }, want: PASS },
  { name: 'sync, a name the device lacks', check: { target: attr('dynamic_resources'), match: 'sync' }, src: { dynamic_resources: ['fps'] }, dst: { dynamic_resources: 'fps, aggregator' }, want: FAIL },
  { name: 'sync, the destination lacks a name', check: { target: attr('dynamic_resources'), match: 'sync' }, src: { dynamic_resources: ['fps'] }, dst: { dynamic_resources: [] }, want: FAIL },
  { name: 'sync, neither lists, skip', check: { target: attr('dynamic_resources'), match: 'sync', onMissing: 'skip' }, src: {}, dst: {}, want: SKIPPED },
  { name: 'version-at-least on host facts', check: { target: attr('kernel_release'), match: 'version-at-least', scope: 'host', value: '5.18' }, src: {}, dst: {}, want: FAIL },
  { name: 'ignore', check: { target: attr('a'), match: 'ignore' }, src: {}, dst: {}, want: PASS },
];

for (const c of CASES) {
  test(`same outcome as the references: ${c.name}`, async () => {
    const { source, dest } = pair(c.check, c.src, c.dst);
    const run = await agree(source, dest, c.name);
    const o = run.outcomes[0]!;
    assert.is(o.absentBoth === true ? SKIPPED : o.result ? PASS : FAIL, c.want);
  });
}

test('host facts: present on one side, both, neither; a warning never decides the verdict', async () => {
  const check = { target: attr('kernel_release'), match: 'version-at-least', scope: 'host', value: '5.18', onMissing: 'skip' } as const;
  for (const [srcFacts, dstFacts] of [
    [{}, {}],
    [{ kernel_release: '6.8.0-45-generic' }, {}],
    [{ kernel_release: '6.8.0-45-generic' }, { kernel_release: '5.14.0-427.el9' }],
    [{ kernel_release: '6.8.0' }, { kernel_release: '6.1' }],
  ] as Record<string, string>[][]) {
    for (const severity of ['error', 'warning'] as const) {
      const { source, dest } = pair({ ...check, severity }, {}, {}, { srcFacts: srcFacts!, dstFacts: dstFacts! });
      await agree(source, dest, `${JSON.stringify(srcFacts)} → ${JSON.stringify(dstFacts)} (${severity})`);
    }
  }
});

test('an unknown source type fails closed in the verdict', () => {
  const { source, dest } = pair({ target: attr('a'), match: 'ignore' }, {}, {});
  const unknown: SourceDevice = { ...source, known: false };
  const p = dest.parents[0]!;
  assert.is(specialise(source).verdict(dest, p, p.types[0]!), true);
  assert.is(specialise(unknown).verdict(dest, p, p.types[0]!), false);
  assert.is(runSpecialised(unknown, dest, p, p.types[0]!).compatible, false);
});

test('specialised once per source device and failOnSkip', () => {
  const { source } = pair({ target: attr('a') }, { a: 'x' }, {});
  assert.is(specialise(source), specialise(source));
  assert.is(specialise(source, true), specialise(source, true));
  assert.is.not(specialise(source, true), specialise(source));
});

test.run();
