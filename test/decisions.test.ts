// Table cases (test/cases/decisions.yaml): whole decisions with the shipped
// policy (or a variant of it: shipped overlays, an inline overlay, checks
// dropped), several devices and destinations, placement as an exact search.
import path from 'node:path';
import { stringify } from 'yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_OVERLAY_DIR, DEFAULT_POLICY_FILE, loadOverlay, loadPolicySource, overlayFromDocument, parseText, resolvePolicySet, type OverlaySource, type PolicySet } from '../src/index.js';
import { decideBoth, hostDoc, hostFrom, readCases, UUID } from './helpers.js';

interface DecisionCase {
  name: string;
  mode?: string;
  source: Record<string, { types?: unknown; devices?: Record<string, { type: string; attributes?: unknown }> }>;
  destinations: { name: string; parents: Record<string, unknown> }[];
  /** Shipped vendor overlays (file names without .yaml) applied after the base. */
  overlays?: string[];
  /** An overlay's spec (without `extends`) applied last, through the schema and resolve. */
  overlay?: Record<string, unknown>;
  /** Check ids removed from the base policy (a policy without them). */
  drop?: string[];
  expect: {
    compatible: boolean;
    placement?: Record<string, [number, string, string][]>;
    set?: Record<string, Record<string, unknown>[]>;
    warnings?: string[];
    /** Check ids failing on any candidate of that destination. */
    failing?: Record<string, string[]>;
    /** The reasonCode of each refused destination. */
    reason?: Record<string, string>;
  };
}

/** The policy set of a case: the shipped base (less `drop`), with the overlays it names. */
async function policyOf(c: DecisionCase): Promise<PolicySet> {
  let base = (await loadPolicySource(DEFAULT_POLICY_FILE)).value!;
  if (c.drop) base = { ...base, written: { ...base.written, spec: { ...base.written.spec, checks: base.written.spec.checks.filter((k) => !c.drop!.includes(k.id)) } } };
  const overlays: OverlaySource[] = [];
  for (const name of c.overlays ?? []) overlays.push((await loadOverlay(path.join(DEFAULT_OVERLAY_DIR, `${name}.yaml`))).value!);
  if (c.overlay) {
    const doc = { apiVersion: 'mdev-policy/v1', kind: 'Overlay', metadata: { name: 'case', version: '1.0.0' }, spec: { extends: { policy: 'vfio-mdev', version: '^1.0.0' }, ...c.overlay } };
    const loaded = overlayFromDocument(parseText(stringify(doc), 'case-overlay.yaml').value!);
    assert.equal(loaded.errors, [], 'the case overlay is valid');
    overlays.push(loaded.value!);
  }
  const set = resolvePolicySet(base, overlays, c.mode);
  assert.ok(set.value, JSON.stringify(set.errors));
  return set.value!;
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
    const policy = await policyOf(c);
    const sourceDoc = hostDoc('src', withUuids(c.source));
    const source = hostFrom(sourceDoc);
    const dests = c.destinations.map((d) => hostFrom(hostDoc(d.name, withUuids(d.parents as DecisionCase['source']))));
    const decision = await decideBoth(policy, source, dests);
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
    for (const [host, want] of Object.entries(c.expect.reason ?? {})) {
      const d = decision.destinations.find((x) => x.host === host)!;
      assert.is(d.reasonCode, want, `reason on ${host}: ${d.reason}`);
      assert.ok(d.reason, 'a refusal says why');
    }
    if (c.expect.warnings) {
      const { normalizeHost } = await import('../src/normalize.js');
      assert.equal(normalizeHost(sourceDoc as never).warnings.map((w) => w.code), c.expect.warnings);
    }
  });
}

test.run();
