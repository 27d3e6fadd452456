// Table cases (test/cases/checks.yaml): one check between one source type and
// one destination type, through schema, resolve, compile and both evaluators
// (json-rules-engine and the bulk closures must give the same Decision).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compilePolicy, MATCHES, operatorTable } from '../src/index.js';
import { decideBoth, effectivePolicy, hostDoc, hostFrom, policyText, readCases, UUID } from './helpers.js';
import type { WrittenCheck } from '../src/types.js';

interface CheckCase {
  name: string;
  check: WrittenCheck;
  mode?: string;
  source: Record<string, unknown>;
  destination: Record<string, unknown>;
  device?: Record<string, unknown>;
  /** Parent and host facts (DESIGN §10) of each side. */
  sourceParent?: Record<string, unknown>;
  destParent?: Record<string, unknown>;
  sourceHost?: Record<string, unknown>;
  destHost?: Record<string, unknown>;
  sourceType?: string;
  destType?: string;
  expect: 'pass' | 'fail' | 'skip';
  candidateCompatible?: boolean;
}

for (const c of readCases<CheckCase>('checks.yaml')) {
  test(`check: ${c.name}`, async () => {
    const { policy, errors } = effectivePolicy(policyText([c.check]), c.mode);
    assert.equal(errors, [], 'the case policy is valid');
    const st = c.sourceType ?? 'i915-GVTg_V5_4';
    const dt = c.destType ?? st;
    const facts = (parent?: Record<string, unknown>) => (parent ? { attributes: parent } : {});
    const source = hostFrom(hostDoc('src', { p0: { ...facts(c.sourceParent), types: { [st]: c.source }, devices: { [UUID[0]!]: { type: st, attributes: c.device ?? {} } } } }, c.sourceHost));
    const dest = hostFrom(hostDoc('dst', { p1: { ...facts(c.destParent), types: { [dt]: c.destination } } }, c.destHost));
    const decision = await decideBoth(policy!, source, [dest]);
    const candidate = decision.destinations[0]!.candidates[0]!;
    const result = candidate.checks.find((k) => k.id === 'c')!;
    assert.is(result.result, c.expect, `${c.name}: ${result.message}`);
    assert.ok(result.message.length > 0 && !result.message.includes('\n'), 'a one-line reason');
    const compatible = c.candidateCompatible ?? c.expect !== 'fail';
    assert.is(candidate.compatible, compatible);
    assert.is(decision.compatible, compatible);
  });
}

test('every operator a compiled rule can name exists in the engine, for every match, target and mode', () => {
  const table = operatorTable();
  const targets: Partial<WrittenCheck>[] = [{ attribute: 'x' }, { attribute: '@id' }, { attributes: ['x', '@id'] }, { attributes: { prefix: 'compatible_' } }];
  let rules = 0;
  for (const t of targets) {
    for (const match of MATCHES) {
      for (const onMissing of ['fail', 'skip'] as const) {
        const { policy } = effectivePolicy(policyText([{ id: 'c', ...t, match, onMissing } as WrittenCheck]));
        if (!policy) continue; // e.g. capacity on a family: a load error, tested in errors.yaml
        const text = JSON.stringify(compilePolicy(policy));
        for (const m of text.matchAll(/"operator":"([^"]+)"/g)) assert.ok(m[1]! in table, `${m[1]} (${match} on ${JSON.stringify(t)})`);
        rules++;
      }
    }
  }
  assert.ok(rules >= 50, `compiled ${rules} rules`);
});

test.run();
