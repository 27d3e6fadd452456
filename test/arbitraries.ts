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
