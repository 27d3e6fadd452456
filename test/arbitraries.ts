// fast-check generators of policies, shared by the property tests: arbitrary
// checks over every target form and match, per-mode match maps, and `when`
// condition trees within the restricted grammar.
import fc from 'fast-check';
import type { Condition, WrittenCheck } from '../src/types.js';

export const MODE_NAMES = ['strict', 'superset', 'cross-type'] as const;
const ATTRIBUTES = ['device_api', 'software_version', 'compatible_pci_ids', 'compatible_type', 'dynamic_resources', 'available_instances', 'name', '@id', 'x'];
const VALUE_MATCHES = ['equal', 'version-compatible', 'one-to-one', 'superset', 'ignore'] as const;
const PATHS = ['$.type.id', '$.type.attributes.name', '$.type.attributes.software_version', '$.type.attributes.compatible_pci_ids', '$.type.attributes.available_instances', '$.device.attributes.fps', '$.parent', '$.host', '$.type.attributes.compatible_pci_ids[0]', '$.missing.deep'];
const OPERATORS = ['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'version-compatible', 'one-to-one', 'superset'];

const fact = fc.constantFrom('source', 'destination');
const leaf: fc.Arbitrary<Condition> = fc.record({
  fact,
  path: fc.constantFrom(...PATHS),
  operator: fc.constantFrom(...OPERATORS),
  value: fc.oneof(
    fc.constantFrom('vfio-pci', '1.2.0', '5931', 2, 60, true),
    fc.array(fc.constantFrom('5931', '591b', 'mtty-1'), { maxLength: 3 }),
    fc.record({ fact, path: fc.constantFrom(...PATHS) }),
  ),
}) as fc.Arbitrary<Condition>;

export const condition: fc.Arbitrary<Condition> = fc.letrec<{ node: Condition }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
  ) as fc.Arbitrary<Condition>,
})).node;

type Match = WrittenCheck['match'];
const perMode = <T extends string>(names: readonly T[]): fc.Arbitrary<Match> =>
  fc.oneof(
    fc.constantFrom(...names) as fc.Arbitrary<Match>,
    fc.record({ strict: fc.constantFrom(...names), default: fc.constantFrom(...names) }) as fc.Arbitrary<Match>,
    fc.record({ strict: fc.constantFrom(...names), superset: fc.constantFrom(...names), 'cross-type': fc.constantFrom(...names) }) as fc.Arbitrary<Match>,
  );

const common = { onMissing: fc.constantFrom('fail', 'skip'), severity: fc.constantFrom('error', 'warning'), note: fc.constant('a note') };

export const check = (id: string): fc.Arbitrary<WrittenCheck> =>
  fc.oneof(
    fc.record({ id: fc.constant(id), attribute: fc.constantFrom(...ATTRIBUTES), match: perMode([...VALUE_MATCHES, 'equal-or-listed', 'capacity', 'sync']), ...common }, { requiredKeys: ['id', 'attribute', 'match'] }),
    fc.record({ id: fc.constant(id), attributes: fc.uniqueArray(fc.constantFrom('name', 'device_api', 'aggregator', 'fps', 'compatible_pci_ids'), { minLength: 1, maxLength: 3 }), match: perMode([...VALUE_MATCHES, 'sync']), ...common }, { requiredKeys: ['id', 'attributes', 'match'] }),
    fc.record({ id: fc.constant(id), attributes: fc.record({ prefix: fc.constantFrom('compatible_', 'x', 'd'), except: fc.constant(['compatible_type']) }), match: perMode(VALUE_MATCHES), ...common }, { requiredKeys: ['id', 'attributes', 'match'] }),
    fc.record({ id: fc.constant(id), when: condition, severity: common.severity, note: common.note }, { requiredKeys: ['id', 'when'] }),
  ) as fc.Arbitrary<WrittenCheck>;

/** 1–5 checks with distinct ids. */
export const checks: fc.Arbitrary<WrittenCheck[]> = fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => check(`check-${i}`))));

// --- operands of the match operators -----------------------------------------
// Values as the operators meet them (scalars, lists, families of attributes),
// weighted towards the boundaries where verdicts turn: versions with equal
// major and minor, minor ±1, bugfix-only differences, `1.10` against `1.9`,
// padding whitespace, lists sharing a first value, empty and whitespace-only
// strings, 0 and 1 for capacity. Pairs are mostly related (the second derived
// from the first) so that both outcomes of every operator are reached.

/** A map without a prototype, as the evaluator's families are. */
export const bare = (o: Record<string, unknown>): Record<string, unknown> => Object.assign(Object.create(null) as Record<string, unknown>, o);

/** Whitespace-only text: absent, whatever side it is on. */
export const whitespace = fc.constantFrom(' ', '\n', '\t ', '  ', ' \n\t', '\r\n');
const pad = fc.constantFrom('', '', ' ', '\n', '\t', ' \n');
const versionText = (major: number, minor: number, bugfix?: number) => (bugfix === undefined ? `${major}.${minor}` : `${major}.${minor}.${bugfix}`);
const version = fc.tuple(fc.nat(3), fc.nat(12), fc.option(fc.nat(3), { nil: undefined })).map(([a, b, c]) => versionText(a, b, c));
const word = fc.constantFrom('5931', '591b', 'a', 'b', 'vfio-pci', 'toString', 'i915-GVTg_V5_4', '0x11');
const oddText = fc.constantFrom('', ' ', '\n', '\t ', '1.10', '1.9', '1.0', '1.0.0', 'a, b', '5931,\n591b', 'x\ny', '0', '1', '2', ' 2 ', '01.2', '1.2.3.4', '-1.2', '1.');
const scalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: version },
  { weight: 3, arbitrary: word },
  { weight: 2, arbitrary: fc.tuple(pad, fc.oneof(version, word), pad).map(([l, s, r]) => l + s + r) },
  { weight: 2, arbitrary: oddText },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 2, arbitrary: fc.integer({ min: -1, max: 3 }) },
);
const list = fc.array(fc.oneof({ weight: 3, arbitrary: word }, { weight: 2, arbitrary: version }, { weight: 1, arbitrary: fc.constantFrom('', ' ') }), { maxLength: 4 });
const FAMILY_KEYS = ['compatible_a', 'compatible_b', 'toString', 'valueOf', 'aggregator', 'fps'];
const family = fc.dictionary(fc.constantFrom(...FAMILY_KEYS), fc.oneof(scalar, list, fc.constant(undefined)), { maxKeys: 3 }).map(bare);

/** One operand: a scalar, a list, a family of attributes, or nothing. */
export const operand: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 3, arbitrary: list },
  { weight: 2, arbitrary: family },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null) },
);

/** A value close to `a`: the same, a neighbour version, the list reordered or extended, the family with related members. */
export function related(a: unknown): fc.Arbitrary<unknown> {
  if (a === undefined || a === null) return fc.oneof(fc.constantFrom(undefined, null, '', ' ', []), operand);
  if (typeof a === 'number') return fc.constantFrom(a, a, a + 1, a - 1, 0, 1, String(a), ` ${a}\n`);
  if (typeof a === 'string') return relatedText(a);
  if (Array.isArray(a)) return relatedList(a as unknown[]);
  return relatedFamily(a as Record<string, unknown>);
}

function relatedText(s: string): fc.Arbitrary<unknown> {
  const t = s.trim();
  const near: unknown[] = [s, s, t, [t], `${t}, 5931`, [t, 'b'], ['b', t], bare({ [t]: '1' }), '', ' '];
  const m = /^\s*(\d+)\.(\d+)(?:\.(\d+))?\s*$/.exec(s);
  if (m) {
    const [M, n, b] = [Number(m[1]), Number(m[2]), m[3] === undefined ? undefined : Number(m[3])];
    near.push(
      versionText(M, n, b),
      versionText(M, n),
      versionText(M, n, (b ?? 0) + 1),
      versionText(M, n, 0),
      versionText(M, n + 1, b),
      versionText(M, n + 1),
      versionText(M, Math.max(0, n - 1), b),
      versionText(M, n * 10 + 1),
      versionText(M + 1, n, b),
      versionText(Math.max(0, M - 1), n, b),
      ` ${versionText(M, n, b)}\n`,
    );
  }
  return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...near) }, { weight: 1, arbitrary: fc.tuple(pad, pad).map(([l, r]) => l + t + r) });
}

function relatedList(xs: unknown[]): fc.Arbitrary<unknown> {
  const first = xs[0] ?? 'a';
  return fc.constantFrom(
    xs,
    [...xs],
    [...xs].reverse(),
    [...xs, 'b'],
    [first, 'zz'],
    [first, ...xs.slice(1), '591b'],
    ['zz', ...xs.slice(1)],
    xs.slice(1),
    xs.map(String).join(', '),
    xs.map((x) => ` ${String(x)} `),
    first,
    [],
    bare(Object.fromEntries(xs.map((x) => [String(x), '1']))),
    bare(Object.fromEntries(xs.slice(1).map((x) => [String(x), '1']))),
  );
}

function relatedFamily(f: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(f);
  const members = fc.tuple(...keys.map((k) => fc.oneof({ weight: 2, arbitrary: fc.constant(f[k]) }, { weight: 1, arbitrary: related(f[k]) })));
  return fc.oneof(
    fc.constant(f),
    fc.constant(bare({ ...f })),
    members.map((vs) => bare(Object.fromEntries(keys.map((k, i) => [k, vs[i]])))),
    fc.constant(bare(Object.fromEntries(keys.slice(1).map((k) => [k, f[k]])))),
    fc.constant(bare({ ...f, compatible_b: '5931' })),
    fc.constant(keys),
  );
}

const versionFamily = fc.dictionary(fc.constantFrom(...FAMILY_KEYS), fc.oneof({ weight: 8, arbitrary: version }, { weight: 1, arbitrary: scalar }), { minKeys: 1, maxKeys: 3 }).map(bare);
const listFamily = fc.dictionary(fc.constantFrom(...FAMILY_KEYS), fc.oneof({ weight: 3, arbitrary: list }, { weight: 1, arbitrary: word }), { minKeys: 1, maxKeys: 3 }).map(bare);
const names = fc.uniqueArray(fc.constantFrom('aggregator', 'fps', 'toString', 'x-y'), { minLength: 1, maxLength: 3 });

/** The first operand an operator usually meets: versions for version-compatible, counts for capacity, families for each:…, names for names-set-on. */
function seedFor(operator: string): fc.Arbitrary<unknown> {
  const [prefix, match] = operator.includes(':') ? operator.split(':') : [undefined, operator];
  const familyOf = match === 'version-compatible' || match === 'version-at-least' || match === 'version-equal' ? versionFamily : listFamily;
  if (prefix !== undefined) return fc.oneof({ weight: 3, arbitrary: familyOf }, { weight: 1, arbitrary: family });
  switch (match) {
    case 'version-compatible':
    case 'version-at-least':
    case 'version-equal':
      return fc.oneof({ weight: 3, arbitrary: version }, { weight: 1, arbitrary: fc.tuple(pad, version, pad).map(([l, v, r]) => l + v + r) });
    case 'capacity':
      return fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0', '1', ' 2\n'));
    case 'names-set-on':
      return names;
    case 'lists-any':
    case 'names-within':
      // sync's lists: a list of instance attribute names, or nothing (an absent list is an empty one).
      return fc.oneof({ weight: 3, arbitrary: names }, { weight: 2, arbitrary: fc.constantFrom(undefined, '', ' ', []) });
    case 'has-values':
      return names.map((ns) => bare(Object.fromEntries(ns.map((n, i) => [n, String(i)]))));
    default:
      return operand;
  }
}

/** Two operands for an operator, most often related (the second derived from the first, on either side). */
export function operandPair(operator: string): fc.Arbitrary<[unknown, unknown]> {
  const seed = seedFor(operator);
  return fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: seed.chain((a) => partnerFor(operator, a).map((b): [unknown, unknown] => [a, b])) },
        { weight: 1, arbitrary: operand.chain((a) => related(a).map((b): [unknown, unknown] => [a, b])) },
        { weight: 1, arbitrary: fc.tuple(operand, operand) },
      ),
      fc.boolean(),
    )
    .map(([[a, b], swap]): [unknown, unknown] => (swap && !ORDERED.has(operator) ? [b, a] : [a, b]));
}

/** A second operand for `a`: for names-set-on the device attributes with those names set, unset or blank; else `a` again or a value near it. */
function partnerFor(operator: string, a: unknown): fc.Arbitrary<unknown> {
  if (operator === 'names-set-on' && Array.isArray(a)) {
    const ns = a.map(String);
    const attrs = (blank: number, value: unknown) => bare(Object.fromEntries(ns.filter((_, i) => blank !== i || value !== undefined).map((n, i) => [n, i === blank ? value : `${i + 1}`])));
    return fc.oneof(
      { weight: 3, arbitrary: fc.constant(attrs(-1, undefined)) },
      { weight: 2, arbitrary: fc.tuple(fc.nat(ns.length - 1), fc.constantFrom(undefined, '', ' ', '\n', [], ['1'])).map(([i, v]) => attrs(i, v)) },
      { weight: 1, arbitrary: related(a) },
    );
  }
  if (operator === 'has-values' && a !== null && typeof a === 'object' && !Array.isArray(a)) {
    const keys = Object.keys(a);
    return fc.oneof({ weight: 3, arbitrary: fc.subarray(keys, { minLength: 1 }) }, { weight: 1, arbitrary: fc.constant([...keys, 'missing']) }, { weight: 1, arbitrary: related(a) });
  }
  if (operator === 'lists-any' || operator === 'names-within') {
    const ns = Array.isArray(a) ? a.map(String) : [];
    return fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(undefined, '', ' ', []) },
      { weight: 2, arbitrary: fc.constant(ns) },
      { weight: 2, arbitrary: fc.constant([...ns, 'fps']) },
      { weight: 2, arbitrary: fc.constant(ns.slice(1)) },
      { weight: 1, arbitrary: related(a) },
    );
  }
  return fc.oneof({ weight: 2, arbitrary: fc.constant(a) }, { weight: 5, arbitrary: related(a) });
}

/** Operators whose two operands are of different kinds: swapping them only ever fails. */
const ORDERED = new Set(['capacity', 'names-set-on', 'has-values']);

/** Pairs every operator must decide alike in its fast test and its verdict, whatever the generator draws. */
export const BOUNDARY_PAIRS: [unknown, unknown][] = [
  ['1.9', '1.10'],
  ['1.10', '1.9'],
  ['2.1.1', '2.1.0'],
  ['2.1', '2.1.0'],
  ['2.1.0', '2.2'],
  [' 1.2.0', '1.2.0\n'],
  ['1.2.0', '2.2.0'],
  ['', ''],
  [' ', ' '],
  ['\n', 'a'],
  ['a', '\t '],
  [['5931', '591b'], ['5931', 'zz']],
  [['5931', '591b'], ['5931']],
  [['5931'], ['591b', '5931']],
  ['5931, 591b', ['5931', '591b']],
  [0, undefined],
  [1, undefined],
  ['1', 1],
  [1, 2],
  [bare({ compatible_a: '1.2', toString: 'x' }), bare({ compatible_a: '1.3', toString: 'x' })],
  [bare({ compatible_a: ' ' }), bare({})],
  [['aggregator', 'fps'], bare({ aggregator: '2', fps: '60' })],
  [bare({ aggregator: '2', fps: ' ' }), ['aggregator', 'fps']],
];
