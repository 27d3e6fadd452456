// `sync` (DESIGN §2.1): instance attributes that must be carried to the
// destination device. With `attribute: dynamic_resources`, the names listed
// by the source type's OR the destination type's list (an absent list is an
// empty list): each must have a value on the source device, to be copied to
// the new destination device, and each the source type lists must be listed
// by the destination type too (else the destination cannot be claimed);
// neither lists any: `onMissing`. With `attributes: [a, b]`, those instance
// attributes must have values on the source device. The values found become
// the claim plan: set on the new destination device. Its remedy: the
// destination type lists the names the source type lists, and the source
// device gets a value for each name it has none for (a dynamic resource can
// be set on a running device); neither type lists any: present on both.

import { splitList } from '../normalize.js';
import type { Fix, ValueCheck, ValueTarget } from '../types.js';
import { leaf, pathRef, targetOperands } from './conditions.js';
import { listText, makeFix, presentOnBoth, union } from './fix.js';
import { defineOperator, type Match } from './operator.js';
import { fail, isPresent, pass, show, text, values } from './values.js';

const DEVICE_ATTRIBUTES = pathRef('source', '$.device.attributes');
const DESTINATION_LIST = pathRef('destination', '$.type.attributes.dynamic_resources');

const asAttributes = (attrs: unknown) => (attrs !== null && typeof attrs === 'object' ? attrs : {}) as Record<string, unknown>;
const quoted = (names: string[]) => names.map((n) => `\`${n}\``).join(', ');

/** Either type lists an instance attribute: without one, there is nothing to sync (onMissing decides). */
export const listsAnyOperator = defineOperator({
  name: 'lists-any',
  test: (src, dst) => isPresent(src) || isPresent(dst),
  verdict: (src, dst) => (isPresent(src) || isPresent(dst) ? pass('an instance attribute is listed') : fail('neither type lists an instance attribute')),
});

/** Every name listed (none is vacuously every) has a value in `attrs`, the source device's instance attributes. */
export const namesSetOnOperator = defineOperator({
  name: 'names-set-on',
  test: (names, attrs) => {
    const o = asAttributes(attrs);
    for (const n of Array.isArray(names) ? names : values(names)) if (!Object.hasOwn(o, text(n)) || !isPresent(o[text(n)])) return false;
    return true;
  },
  verdict: (names, attrs) => {
    const a = asAttributes(attrs);
    const unset = values(names).filter((n) => !Object.hasOwn(a, n) || !isPresent(a[n]));
    return unset.length === 0 ? pass(`source device has ${values(names).map((n) => `${n}=${show(a[n])}`).join(', ') || 'nothing to set'}`) : fail(`source device has no value for ${quoted(unset)}`);
  },
});

/** Every name the source type lists (none is vacuously every) is listed by the destination type too. */
export const namesWithinOperator = defineOperator({
  name: 'names-within',
  test: (src, dst) => {
    const d = values(dst);
    for (const n of values(src)) if (!d.includes(n)) return false;
    return true;
  },
  verdict: (src, dst) => {
    const d = values(dst);
    const lacking = values(src).filter((n) => !d.includes(n));
    return lacking.length === 0 ? pass('the destination type lists every name the source type lists') : fail(`the destination type does not list ${quoted(lacking)}`);
  },
});

/** The named attributes (the list form's own names) have values on the source device. */
export const hasValuesOperator = defineOperator({
  name: 'has-values',
  guard: { holds: (_attrs, names) => isPresent(names), refuse: () => fail('the check names no instance attributes') },
  test: (attrs, names) => namesSetOnOperator.test(names, attrs),
  verdict: (attrs, names) => namesSetOnOperator.verdict!(names, attrs),
});

/** The operators that only ask whether the source device's instance attributes have values, never what they are. */
export const PRESENCE_OPERATORS: ReadonlySet<string> = new Set([namesSetOnOperator.name, hasValuesOperator.name]);

/** The instance attributes a sync check carries: its list, or the union of both types' lists (the source's first). */
function namesOf(t: ValueTarget, source: unknown, destination: unknown): string[] {
  if (t.kind === 'list') return t.names;
  const list = (v: unknown) => (typeof v === 'string' || Array.isArray(v) ? splitList(v as string | string[]) : []);
  return [...new Set([...list(source), ...list(destination)])];
}

/** The remedy of a failed sync check: the destination's listing first, then each instance attribute the source device lacks. */
function syncFix(check: ValueCheck, source: unknown, destination: unknown, attrs: Record<string, unknown>): Fix[] {
  const t = check.target;
  const out: Fix[] = [];
  if (t.kind === 'attribute') {
    if (!listsAnyOperator.test(source, destination)) return presentOnBoth(t.name, check.scope);
    if (!namesWithinOperator.test(source, destination)) out.push(makeFix(t.name, check.scope, 'destination', destination, listText(union(values(destination), values(source)))));
  }
  for (const n of namesOf(t, source, destination)) {
    if (!Object.hasOwn(attrs, n) || !isPresent(attrs[n])) out.push(makeFix(n, 'device', 'source', Object.hasOwn(attrs, n) ? attrs[n] : undefined, 'present'));
  }
  return out;
}

const setText = (set: Record<string, string | string[]>) => `set ${Object.entries(set).map(([k, v]) => `${k}=${show(v)}`).join(', ')} on the destination device`;

export const sync: Match = {
  name: 'sync',
  targets: ['attribute', 'list'],
  targetHint: '`sync` takes an `attribute` that lists instance attributes, or a list of them in `attributes`',
  operators: [listsAnyOperator, namesSetOnOperator, namesWithinOperator, hasValuesOperator],
  carriesClaims: true,
  skippable: (check) => check.target.kind === 'attribute',
  operands: (check) => (check.target.kind === 'list' ? { source: DEVICE_ATTRIBUTES, destination: DESTINATION_LIST } : targetOperands(check.target, check.scope)),
  compile: (check, ops) =>
    check.target.kind === 'list'
      ? leaf(DEVICE_ATTRIBUTES, 'has-values', check.target.names)
      : {
          all: [
            leaf(ops.source, 'lists-any', ops.destination),
            leaf(ops.source, 'names-set-on', DEVICE_ATTRIBUTES),
            leaf(ops.destination, 'names-set-on', DEVICE_ATTRIBUTES),
            leaf(ops.source, 'names-within', ops.destination),
          ],
        },
  explainReadsFacts: 'source',
  explain: (check, v, facts, passed) => {
    const t = check.target;
    const names = namesOf(t, v.source, v.destination);
    const attrs = facts.source.device.attributes;
    const set: Record<string, string | string[]> = {};
    for (const n of names) if (Object.hasOwn(attrs, n) && isPresent(attrs[n])) set[n] = attrs[n]!;
    let message: string;
    if (t.kind === 'attribute') {
      const verdicts = [listsAnyOperator.verdict!(v.source, v.destination), namesSetOnOperator.verdict!(names, attrs), namesWithinOperator.verdict!(v.source, v.destination)];
      message = verdicts.find((x) => !x.ok)?.reason ?? setText(set);
    } else {
      const verdict = hasValuesOperator.verdict!(attrs, names);
      message = verdict.ok ? setText(set) : verdict.reason;
    }
    return { message, source: names.length > 0 ? set : v.source, destination: v.destination, ...(passed ? { claims: set } : {}) };
  },
  fix: (check, v, facts) => syncFix(check, v.source, v.destination, facts.source.device.attributes),
};
