// `sync` (DESIGN §2.1): instance attributes that must be carried to the
// destination device. With `attribute: dynamic_resources`, the names the
// source type lists there must have values on the source device and be
// listed by the destination type too; with `attributes: [a, b]`, those
// instance attributes must have values on the source device. The values
// found become the claim plan: set on the new destination device.

import { splitList } from '../normalize.js';
import type { ValueTarget } from '../types.js';
import { leaf, pathRef, targetOperands } from './conditions.js';
import { defineOperator, type Match } from './operator.js';
import { supersetOperator } from './superset.js';
import { fail, isPresent, pass, show, text, values } from './values.js';

const DEVICE_ATTRIBUTES = pathRef('source', '$.device.attributes');
const DESTINATION_LIST = pathRef('destination', '$.type.attributes.dynamic_resources');

const asAttributes = (attrs: unknown) => (attrs !== null && typeof attrs === 'object' ? attrs : {}) as Record<string, unknown>;

/** Every name listed has a value in `attrs` (the source device's instance attributes). */
export const namesSetOnOperator = defineOperator({
  name: 'names-set-on',
  guard: { holds: (names) => isPresent(names), refuse: () => fail('the source type lists no instance attributes') },
  test: (names, attrs) => {
    const o = asAttributes(attrs);
    for (const n of Array.isArray(names) ? names : values(names)) if (!Object.hasOwn(o, text(n)) || !isPresent(o[text(n)])) return false;
    return true;
  },
  verdict: (names, attrs) => {
    const a = asAttributes(attrs);
    const unset = values(names).filter((n) => !Object.hasOwn(a, n) || !isPresent(a[n]));
    return unset.length === 0
      ? pass(`source device has ${values(names).map((n) => `${n}=${show(a[n])}`).join(', ')}`)
      : fail(`source device has no value for ${unset.map((n) => `\`${n}\``).join(', ')}`);
  },
});

/** The same with its operands swapped: the device's attributes, then the names (the list form's condition). */
export const hasValuesOperator = defineOperator({
  name: 'has-values',
  test: (attrs, names) => namesSetOnOperator.test(names, attrs),
  verdict: (attrs, names) => namesSetOnOperator.verdict!(names, attrs),
});

/** The instance attributes a sync check names: its list, or the names the source type's attribute lists. */
function namesOf(t: ValueTarget, source: unknown): string[] {
  if (t.kind === 'list') return t.names;
  return typeof source === 'string' || Array.isArray(source) ? splitList(source as string | string[]) : [];
}

const setText = (set: Record<string, string | string[]>) => `set ${Object.entries(set).map(([k, v]) => `${k}=${show(v)}`).join(', ')} on the destination device`;

export const sync: Match = {
  name: 'sync',
  targets: ['attribute', 'list'],
  targetHint: '`sync` takes an `attribute` that lists instance attributes, or a list of them in `attributes`',
  operators: [namesSetOnOperator, hasValuesOperator],
  carriesClaims: true,
  skippable: (check) => check.target.kind === 'attribute',
  operands: (check) => (check.target.kind === 'list' ? { source: DEVICE_ATTRIBUTES, destination: DESTINATION_LIST } : targetOperands(check.target)),
  compile: (check, ops) =>
    check.target.kind === 'list'
      ? leaf(DEVICE_ATTRIBUTES, 'has-values', check.target.names)
      : { all: [leaf(ops.source, 'names-set-on', DEVICE_ATTRIBUTES), leaf(ops.source, 'superset', ops.destination)] },
  explain: (check, v, facts, passed) => {
    const t = check.target;
    const names = namesOf(t, v.source);
    const attrs = facts.source.device.attributes;
    const set: Record<string, string | string[]> = {};
    for (const n of names) if (Object.hasOwn(attrs, n) && isPresent(attrs[n])) set[n] = attrs[n]!;
    let message: string;
    if (t.kind === 'attribute') {
      const onDevice = namesSetOnOperator.verdict!(v.source, attrs);
      const listed = supersetOperator.verdict!(v.source, v.destination);
      message = !onDevice.ok ? onDevice.reason : !listed.ok ? `destination type does not list them in ${t.name}: ${listed.reason}` : setText(set);
    } else {
      const verdict = hasValuesOperator.verdict!(attrs, names);
      message = verdict.ok ? setText(set) : verdict.reason;
    }
    return { message, source: names.length > 0 ? set : v.source, destination: v.destination, ...(passed ? { claims: set } : {}) };
  },
};
