// Differential property test (DESIGN §4), three-way: the bulk evaluator and
// the rules specialised per source device (issue 13) must agree with
// json-rules-engine — per candidate, every rule's outcome and absent-both
// flag and the candidate's compatibility (with and without --fail-on-skip),
// the specialised verdict function with that compatibility; per destination,
// the same verdict, check results (outcome, values and reason) and claim
// plan — on generated policies (every target form and match, `when` trees)
// with overlays, sources and destinations. Pruning must not change a verdict
// or a placement. Run counts are fixed so CI stays fast.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateDestination, hostFromDocument, parseText, resolvePolicySet, selectSourceDevices, type OverlaySource, type WrittenOverlay } from '../src/index.js';
import { check, checks, MODE_NAMES } from './arbitraries.js';
import { hostDoc, policyText, UUID } from './helpers.js';
import { policyFromDocument } from '../src/inputs.js';
import { runBulk } from '../src/evaluate/bulk.js';
import { runRules } from '../src/evaluate/engine.js';
import { finishRun, type CandidateRun } from '../src/evaluate/run.js';
import type { SourceDevice } from '../src/evaluate/sources.js';
import { FAIL, PASS, SKIPPED, runSpecialised, specialise } from '../src/evaluate/specialise.js';
import type { Host } from '../src/types.js';

const typeIds = ['i915-GVTg_V5_4', 'i915-GVTg_V5_8', 'nvidia-11', 'mtty-2'];
const text = fc.constantFrom('1.2.0', '1.3.0', '2.0', 'vfio-pci', 'vfio-ccw', '', '5931, 591b', '591b', 'aggregator, fps', 'fps', 'GRID M60-2Q');
const typeAttrs = fc.record(
  {
    name: text,
    device_api: fc.constantFrom('vfio-pci', 'vfio-ccw'),
    software_version: text,
    compatible_pci_ids: text,
    compatible_type: fc.constantFrom('i915-GVTg_V5_4', 'i915-GVTg_V5_8, nvidia-11', ''),
    dynamic_resources: fc.constantFrom('aggregator, fps', 'fps', ''),
    available_instances: fc.nat(2),
    x: text,
  },
  { requiredKeys: [] },
);
const types = fc.dictionary(fc.constantFrom(...typeIds), typeAttrs, { minKeys: 1, maxKeys: 3 });
/** Parent and host facts (DESIGN §10), often shared values so checks on them pass as well as fail. */
const parentFacts = fc.record({ pci_device: fc.constantFrom('0x2235', '0x20b5', ''), ecc_mode: fc.constantFrom('enabled', 'disabled', ' ') }, { requiredKeys: [] });
const hostFacts = fc.record(
  { kernel_release: fc.constantFrom('5.14.0-427.13.1.el9_4.x86_64', '6.8.0-45-generic', '5.4.0', 'x'), nvidia_version: fc.constantFrom('550.90.05', '550.90.5', '550.127.05', ''), x: text },
  { requiredKeys: [] },
);
const source = types.chain((t) =>
  fc.record({
    attributes: parentFacts,
    types: fc.constant(t),
    devices: fc
      .uniqueArray(fc.tuple(fc.constantFrom(...UUID), fc.constantFrom(...Object.keys(t)), fc.dictionary(fc.constantFrom('aggregator', 'fps', 'assign_adapter'), fc.constantFrom('1', '60', ''), { maxKeys: 2 })), { minLength: 1, maxLength: 2, selector: (d) => d[0] })
      .map((ds) => Object.fromEntries(ds.map(([u, ty, a]) => [u, { type: ty, attributes: a }]))),
  }),
);
const destination = fc.dictionary(fc.constantFrom('p0', 'p1'), fc.record({ attributes: parentFacts, types }), { minKeys: 1, maxKeys: 2 });

/** Overlays of generated checks and selectors, in order. */
const overlays = fc.array(
  fc.record({
    patches: fc.array(fc.tuple(fc.constantFrom('check-0', 'check-1', 'check-9'), fc.nat(1000)), { maxLength: 2 }),
    types: fc.option(fc.constantFrom<string[]>(['i915-*'], ['nvidia-*', 'mtty-*'], ['*']), { nil: undefined }),
    disable: fc.option(fc.constant<string[]>(['check-1']), { nil: undefined }),
  }),
  { maxLength: 2 },
);

function host(name: string, parents: unknown, facts?: Record<string, unknown>) {
  const loaded = parseText(JSON.stringify(hostDoc(name, parents as Record<string, unknown>, facts)), `${name}.json`);
  return loaded.value ? hostFromDocument(loaded.value).value : undefined;
}

/** Every rule's outcome of a run, as one comparable line: result, and absent-both where the rule can be skipped. */
const outcomesOf = (r: CandidateRun) => r.outcomes.map((o) => `${o.name}:${o.result}${o.absentBoth === undefined ? '' : `/${o.absentBoth}`}`);
const CODE = { [FAIL]: 'fail', [PASS]: 'pass', [SKIPPED]: 'skip' } as Record<number, string>;

/** Every candidate of a destination through the three evaluators, rule by rule, with and without failOnSkip. */
async function compareCandidates(devices: SourceDevice[], dst: Host): Promise<void> {
  for (const s of devices) {
    for (const p of dst.parents) {
      for (const t of p.types) {
        const reference = await runRules(s, dst, p, t);
        const where = `${s.device.uuid} → ${p.id}/${t.id}`;
        for (const failOnSkip of [false, true]) {
          const compatible = finishRun(s, p.id, t, reference.facts, reference.outcomes, failOnSkip).compatible;
          const bulk = runBulk(s, dst, p, t, failOnSkip);
          const compiled = runSpecialised(s, dst, p, t, failOnSkip);
          assert.equal(outcomesOf(bulk), outcomesOf(reference), `bulk outcomes, ${where}`);
          assert.equal(outcomesOf(compiled), outcomesOf(reference), `specialised outcomes, ${where}`);
          assert.is(bulk.compatible, compatible, `bulk compatible (failOnSkip ${failOnSkip}), ${where}`);
          assert.is(compiled.compatible, compatible, `specialised compatible (failOnSkip ${failOnSkip}), ${where}`);
          const spec = specialise(s, failOnSkip);
          assert.is(spec.verdict(dst, p, t), compatible, `specialised verdict (failOnSkip ${failOnSkip}), ${where}`);
          // The codes the every-rule function writes: skip exactly where the reference's absent-both held.
          const codes = new Uint8Array(spec.count).fill(255);
          spec.outcomes(dst, p, t, codes);
          assert.equal(
            [...codes].map((c) => CODE[c]),
            reference.outcomes.map((o) => (o.absentBoth === true ? 'skip' : o.result ? 'pass' : 'fail')),
            `specialised codes, ${where}`,
          );
          // Explanations are built lazily from the same condition trees.
          assert.equal(compiled.outcomes.map((o) => o.conditions()), bulk.outcomes.map((o) => o.conditions()), `annotated conditions, ${where}`);
        }
      }
    }
  }
}

test('bulk evaluator = specialised rules = json-rules-engine: outcomes, verdict, check results and claim plan, with overlays', async () => {
  let compared = 0;
  await fc.assert(
    fc.asyncProperty(checks, overlays, fc.constantFrom(...MODE_NAMES), source, destination, hostFacts, hostFacts, fc.integer(), async (written, layers, mode, s, d, sf, df, seed) => {
      const base = parseText(policyText(written), 'p.yaml').value!;
      const policy = policyFromDocument(base);
      if (!policy.value) return;
      // Overlay checks: generated whole, under the ids the layer names (patches of existing ids or new ones).
      const rng = fc.sample(fc.tuple(...layers.flatMap((l) => l.patches.map(([id]) => check(id)))), { numRuns: 1, seed })[0] ?? [];
      let k = 0;
      const overlayDocs: OverlaySource[] = layers.map((l, i) => {
        const doc: WrittenOverlay = {
          apiVersion: 'mdev-policy/v1',
          kind: 'Overlay',
          metadata: { name: `o${i}`, version: '1.0.0' },
          spec: { extends: { policy: 'case', version: '^1.0.0' }, ...(l.types ? { selector: { types: l.types } } : {}), checks: l.patches.map(() => rng[k++]!), ...(l.disable ? { disable: l.disable } : {}) },
        };
        return { written: doc };
      });
      const set = resolvePolicySet(policy.value, overlayDocs, mode);
      if (!set.value) return;
      const src = host('src', { p0: s }, sf);
      const dst = host('dst', d, df);
      if (!src || !dst) return;
      const { devices, errors } = selectSourceDevices(src, undefined, set.value);
      if (errors.length > 0) return;
      compared++;
      const reference = await evaluateDestination(devices, dst, { engine: 'rules' });
      const bulk = await evaluateDestination(devices, dst, { engine: 'bulk' });
      assert.equal(bulk, reference);
      const compiled = await evaluateDestination(devices, dst, { engine: 'compiled' });
      assert.equal(compiled, reference);
      const strictReference = await evaluateDestination(devices, dst, { engine: 'rules', failOnSkip: true });
      assert.equal(await evaluateDestination(devices, dst, { engine: 'compiled', failOnSkip: true }), strictReference);
      assert.equal(await evaluateDestination(devices, dst, { engine: 'bulk', failOnSkip: true }), strictReference);
      await compareCandidates(devices, dst);
      const pruned = await evaluateDestination(devices, dst, { engine: 'bulk', prune: true, detail: 'failing' });
      assert.is(pruned.compatible, reference.compatible);
      assert.equal(pruned.placement, reference.placement);
    }),
    { numRuns: 2000 },
  );
  assert.ok(compared > 1000, `enough cases were compared (${compared})`);
});

test.run();
