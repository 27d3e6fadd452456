// Placement (src/evaluate/placement.ts) against its definition (DESIGN §4):
// whatever it places keeps every parent's capacity rule, recounted here
// independently; whatever it refuses on small instances (≤ 3 devices,
// parents, types), a brute-force enumeration of every assignment refuses too.
// Also: the search budget fails closed.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { placeDevices, type ParentCapacity, type PlacementDevice, type PlacementOption } from '../src/index.js';

const RULES: ParentCapacity[] = ['per-type', 'shared', 'one'];
const PARENTS = ['p0', 'p1', 'p2'];
const TYPES = ['t0', 't1', 't2'];

/** A small instance: available_instances per (parent, type), and up to 3 devices, each with a few of those candidates in some order and a rule (or none: unbounded). */
const instance = fc
  .record({
    available: fc.array(fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }), { minLength: 3, maxLength: 3 }), { minLength: 3, maxLength: 3 }),
    // Fewer parents, more crowding: where the parent rules bite.
    parents: fc.oneof({ weight: 2, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.constant(3) }),
    types: fc.integer({ min: 1, max: 3 }),
    // Twin parents (same pools, every device reaching all alike): the search's symmetry cut.
    twins: fc.boolean(),
  })
  .chain(({ available, parents, types, twins }) => {
    const ps = PARENTS.slice(0, parents);
    const ts = TYPES.slice(0, types);
    const slots = ps.flatMap((p, i) => ts.map((t, j): PlacementOption => ({ parent: p, type: t, available: available[twins ? 0 : i]![j]! })));
    const someSlots = twins
      ? fc.shuffledSubarray(ts, { minLength: 1 }).chain((chosen) => fc.shuffledSubarray(slots.filter((o) => chosen.includes(o.type)), { minLength: ps.length * chosen.length }))
      : fc.shuffledSubarray(slots, { minLength: 1, maxLength: Math.min(slots.length, 4) });
    const device = fc.record({
      // Mostly some candidates (no candidate at all is its own, easy, refusal).
      options: fc.oneof({ weight: 29, arbitrary: someSlots }, { weight: 1, arbitrary: fc.constant<PlacementOption[]>([]) }),
      capacity: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...RULES) }, { weight: 1, arbitrary: fc.constant(undefined) }),
    });
    return fc.array(device, { minLength: 1, maxLength: 3 }).map((ds) =>
      ds.map((d, i): PlacementDevice => ({ id: `d${i}`, options: d.options, ...(d.capacity ? { capacity: d.capacity } : {}) })),
    );
  });

const RANK: Record<ParentCapacity, number> = { 'per-type': 0, shared: 1, one: 2 };

/** Whether an assignment keeps every parent's rule: the most restrictive of its devices' rules; unbounded devices count in no pool. */
function valid(devices: PlacementDevice[], chosen: PlacementOption[]): boolean {
  const parents = new Map<string, { rule: number; count: Map<string, number>; available: Map<string, number> }>();
  devices.forEach((d, i) => {
    if (d.capacity === undefined) return;
    const o = chosen[i]!;
    const p = parents.get(o.parent) ?? { rule: 0, count: new Map(), available: new Map() };
    p.rule = Math.max(p.rule, RANK[d.capacity]);
    p.count.set(o.type, (p.count.get(o.type) ?? 0) + 1);
    p.available.set(o.type, o.available);
    parents.set(o.parent, p);
  });
  for (const p of parents.values()) {
    const total = [...p.count.values()].reduce((a, b) => a + b, 0);
    for (const [t, k] of p.count) if (k > p.available.get(t)!) return false;
    if (p.rule >= RANK.shared && total > Math.min(...p.available.values())) return false;
    if (p.rule === RANK.one && p.count.size > 1) return false;
  }
  return true;
}

/** Every assignment of one candidate per device, tried one by one. */
function bruteForce(devices: PlacementDevice[], rule?: (d: PlacementDevice) => PlacementDevice): boolean {
  const ds = rule ? devices.map(rule) : devices;
  const chosen: PlacementOption[] = [];
  const go = (i: number): boolean => {
    if (i === ds.length) return valid(ds, chosen);
    for (const o of ds[i]!.options) {
      chosen[i] = o;
      if (go(i + 1)) return true;
    }
    return false;
  };
  return go(0);
}

test('placement keeps every parent rule when it places, and refuses only what no assignment allows', () => {
  const seen = { placed: 0, refused: 0, pool: 0, codes: {} as Record<string, number> };
  fc.assert(
    fc.property(instance, (devices) => {
      const r = placeDevices(devices);
      const exists = bruteForce(devices);
      if (r.ok) {
        seen.placed++;
        const chosen = devices.map((d) => r.placed.get(d.id)!);
        chosen.forEach((o, i) => assert.ok(devices[i]!.options.includes(o), 'each device on one of its own candidates'));
        assert.ok(valid(devices, chosen), `the placement keeps the rules: ${JSON.stringify(chosen)}`);
      } else {
        seen.refused++;
        seen.codes[r.code] = (seen.codes[r.code] ?? 0) + 1;
        assert.not.ok(exists, `refused (${r.code}) though an assignment exists: ${JSON.stringify(devices)}`);
        assert.is.not(r.code, 'search-limit', 'small instances never exhaust the budget');
        if (r.code === 'no-candidate') assert.ok(devices.some((d) => d.options.length === 0));
        // Counted per type alone there is room: it is the parent rules that refuse.
        const perType = bruteForce(devices, (d) => (d.capacity ? { ...d, capacity: 'per-type' } : d));
        if (r.code === 'shared-capacity' || r.code === 'one-type') {
          seen.pool++;
          assert.ok(perType, `${r.code} though per type there is no room either`);
        }
        if (r.code === 'capacity') assert.not.ok(perType, 'capacity though per type there is room');
        const asShared = bruteForce(devices, (d) => (d.capacity === 'one' ? { ...d, capacity: 'shared' } : d));
        if (r.code === 'one-type') assert.ok(asShared, 'one-type though shared pools refuse too');
        if (r.code === 'shared-capacity') assert.not.ok(asShared, 'shared-capacity though only the one-type rule refuses');
      }
    }),
    { numRuns: 5000 },
  );
  if (process.env.PROPERTY_STATS) console.log('placement', seen);
  // Not vacuous: each branch is reached often.
  assert.ok(seen.placed > 300 && seen.refused > 300 && seen.pool > 100 && (seen.codes['one-type'] ?? 0) > 5, JSON.stringify(seen));
});

test('the device keeps its first candidate when that breaks no rule (own type first)', () => {
  fc.assert(
    fc.property(instance, (devices) => {
      const r = placeDevices(devices.slice(0, 1));
      const d = devices[0]!;
      if (d.options.length > 0 && (d.capacity === undefined || d.options[0]!.available > 0)) {
        assert.ok(r.ok);
        assert.is(r.placed.get(d.id), d.options[0]);
      }
    }),
    { numRuns: 300 },
  );
});

test('out of budget, placement refuses (search-limit) rather than guess', () => {
  // Needs the search: the per-type matching puts both devices on p1, whose shared pool holds one.
  const opt = (parent: string, type: string, available: number): PlacementOption => ({ parent, type, available });
  const devices: PlacementDevice[] = [
    { id: 'a', capacity: 'shared', options: [opt('p1', 't1', 1), opt('p2', 't1', 1)] },
    { id: 'b', capacity: 'shared', options: [opt('p1', 't2', 1)] },
  ];
  assert.ok(placeDevices(devices).ok, 'placeable with the default budget');
  const r = placeDevices(devices, { matchings: 1, steps: 1_000_000 });
  assert.is(r.ok, false);
  assert.is(!r.ok && r.code, 'search-limit');
  const s = placeDevices(devices, { matchings: 100, steps: 10 });
  assert.is(!s.ok && s.code, 'search-limit');
});

test('a large host is decided within the budget, or refused with search-limit', () => {
  // 64 devices of two types, 40 parents of 10 types with uneven pools: never a hang, never a wrong yes.
  const parents = Array.from({ length: 40 }, (_, i) => `p${i}`);
  const types = Array.from({ length: 10 }, (_, j) => `t${j}`);
  const devices: PlacementDevice[] = Array.from({ length: 64 }, (_, k) => ({
    id: `d${k}`,
    capacity: k % 7 === 0 ? 'one' : 'shared',
    options: parents.flatMap((p, i) => types.filter((_, j) => (j + k) % 3 === 0).map((t, j) => ({ parent: p, type: t, available: ((i + j) % 4) + 1 }))),
  }));
  const r = placeDevices(devices);
  if (r.ok) assert.ok(valid(devices, devices.map((d) => r.placed.get(d.id)!)));
});

test.run();
