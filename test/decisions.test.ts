// Table cases (test/cases/decisions.yaml): whole decisions with the shipped
// policy, several devices and destinations, placement as a matching.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadEffectivePolicy } from '../src/index.js';
import { decide, hostDoc, hostFrom, readCases, UUID } from './helpers.js';

interface DecisionCase {
  name: string;
  mode?: string;
  source: Record<string, { types?: unknown; devices?: Record<string, { type: string; attributes?: unknown }> }>;
  destinations: { name: string; parents: Record<string, unknown> }[];
  expect: {
    compatible: boolean;
    placement?: Record<string, [number, string, string][]>;
    set?: Record<string, Record<string, unknown>[]>;
    warnings?: string[];
    /** Check ids failing on any candidate of that destination. */
    failing?: Record<string, string[]>;
  };
}

/** Device keys in cases are indices into UUID, to keep the tables short. */
function withUuids(parents: DecisionCase['source']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, p] of Object.entries(parents)) {
    const devices: Record<string, unknown> = {};
    for (const [k, d] of Object.entries(p.devices ?? {})) devices[UUID[Number(k)]!] = d;
    out[id] = { ...p, devices };
  }
  return out;
}

for (const c of readCases<DecisionCase>('decisions.yaml')) {
  test(`decision: ${c.name}`, async () => {
    const policy = await loadEffectivePolicy(undefined, c.mode);
    assert.ok(policy.value, JSON.stringify(policy.errors));
    const sourceDoc = hostDoc('src', withUuids(c.source));
    const source = hostFrom(sourceDoc);
    const dests = c.destinations.map((d) => hostFrom(hostDoc(d.name, d.parents)));
    const decision = await decide(policy.value!, source, dests);
    assert.is(decision.compatible, c.expect.compatible);
    assert.is(decision.destinations.length, dests.length, 'every destination is reported');
    for (const [host, want] of Object.entries(c.expect.placement ?? {})) {
      const d = decision.destinations.find((x) => x.host === host)!;
      const got = d.placement.map((p) => [UUID.indexOf(p.device), p.parent, p.type]).sort((a, b) => Number(a[0]) - Number(b[0]));
      assert.equal(got, want, `placement on ${host}`);
      assert.is(d.compatible, want.length > 0);
    }
    for (const [host, want] of Object.entries(c.expect.set ?? {})) {
      const d = decision.destinations.find((x) => x.host === host)!;
      const got = [...d.placement].sort((a, b) => UUID.indexOf(a.device) - UUID.indexOf(b.device)).map((p) => p.set);
      assert.equal(got, want, `claim plan on ${host}`);
    }
    for (const [host, want] of Object.entries(c.expect.failing ?? {})) {
      const d = decision.destinations.find((x) => x.host === host)!;
      const got = [...new Set(d.candidates.flatMap((k) => k.checks.filter((x) => x.result === 'fail').map((x) => x.id)))].sort();
      assert.equal(got, [...want].sort(), `failing checks on ${host}`);
    }
    if (c.expect.warnings) {
      const { normalizeHost } = await import('../src/normalize.js');
      assert.equal(normalizeHost(sourceDoc as never).warnings.map((w) => w.code), c.expect.warnings);
    }
  });
}

test.run();
