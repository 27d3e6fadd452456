// Table cases (test/cases/overlays.yaml): overlay precedence, selectors,
// provenance and load errors with the overlay's line:col, through the real
// resolve stage over the shipped base policy.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_POLICY_FILE, loadOverlay, loadPolicySource, resolvePolicySet, sortDiagnostics, typeForSelection } from '../src/index.js';
import { readCases } from './helpers.js';

interface OverlayCase {
  name: string;
  type?: { id: string; deviceApi?: string };
  mode?: string;
  overlays: string[];
  expect?: {
    checks?: Record<string, { match?: string | null; origin?: string; overlays?: string[]; note?: string; severity?: string; target?: string; onMissing?: string }>;
    absent?: string[];
    applied?: string[];
    order?: string[];
    disabled?: Record<string, string>;
    /** The effective parentCapacity and the document it came from. */
    parentCapacity?: [string, string];
    /** The codes of the warnings loading gave. */
    warnings?: string[];
  };
  errors?: [string, number, number, number][];
  hint?: string;
}

const dir = mkdtempSync(path.join(tmpdir(), 'mdev-overlays-'));

for (const [n, c] of readCases<OverlayCase>('overlays.yaml').entries()) {
  test(`overlay: ${c.name}`, async () => {
    const files = c.overlays.map((text, i) => {
      const f = path.join(dir, `case${n}-overlay${i}.yaml`);
      writeFileSync(f, text);
      return f;
    });
    const base = (await loadPolicySource(DEFAULT_POLICY_FILE)).value!;
    const loaded = await Promise.all(files.map((f) => loadOverlay(f)));
    for (const l of loaded) assert.equal(l.errors, [], 'overlays are schema-valid');
    const set = resolvePolicySet(base, loaded.map((l) => l.value!), c.mode);
    if (c.errors) {
      const got = sortDiagnostics(set.errors).map((e) => [e.code, files.indexOf(e.file!), e.line, e.col]);
      assert.equal(got, c.errors, set.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.code}: ${e.message}`).join(' | '));
      if (c.hint) assert.is(set.errors[0]!.hint, c.hint);
      return;
    }
    assert.equal(set.errors, []);
    const type = typeForSelection(c.type?.id, c.type?.deviceApi);
    const effective = set.value!.forType(type);
    const byId = new Map(effective.checks.map((k) => [k.id, k]));
    for (const [id, want] of Object.entries(c.expect?.checks ?? {})) {
      const got = byId.get(id);
      assert.ok(got, `check ${id} is in the effective policy`);
      if (want.match !== undefined) assert.is(got!.match ?? null, want.match, `${id} match`);
      if (want.origin !== undefined) assert.is(got!.origin, want.origin, `${id} origin`);
      if (want.overlays !== undefined) assert.equal(got!.overlays, want.overlays, `${id} overlays`);
      if (want.note !== undefined) assert.is(got!.note, want.note, `${id} note`);
      if (want.severity !== undefined) assert.is(got!.severity, want.severity, `${id} severity`);
      if (want.target !== undefined) assert.is(got!.target.kind, want.target, `${id} target`);
      if (want.onMissing !== undefined) assert.is(got!.onMissing, want.onMissing, `${id} onMissing`);
    }
    for (const id of c.expect?.absent ?? []) assert.not.ok(byId.has(id), `${id} is disabled`);
    if (c.expect?.applied) assert.equal(effective.overlays.map((o) => o.name), c.expect.applied);
    if (c.expect?.order) assert.equal(effective.checks.map((k) => k.id), c.expect.order);
    if (c.expect?.disabled) assert.equal(Object.fromEntries(effective.disabled.map((d) => [d.id, d.by])), c.expect.disabled);
    if (c.expect?.parentCapacity) assert.equal([effective.parentCapacity, effective.parentCapacityOrigin], c.expect.parentCapacity, 'parentCapacity and its origin');
    if (c.expect?.warnings) assert.equal(set.warnings.map((w) => w.code), c.expect.warnings);
    assert.is(set.value!.forType(type), effective, 'the effective policy is cached per set of applicable overlays');
  });
}

test.run();
