// Table cases (test/cases/reporting.yaml): the source host met among the
// destinations, and the checks a "compatible" rests on without verifying
// them — in the Decision, the NDJSON lines and the text — through both
// evaluators, with and without --fail-on-skip.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluate, exitCodeOf, loadEffectivePolicy, renderNdjsonDestination, renderNdjsonSummary, renderText, type EffectivePolicy, type WrittenCheck } from '../src/index.js';
import { effectivePolicy, hostDoc, hostFrom, policyText, readCases, UUID } from './helpers.js';

interface ReportingCase {
  name: string;
  failOnSkip?: boolean;
  policy?: WrittenCheck[];
  source: Record<string, { types: unknown; devices: Record<string, unknown> }>;
  destinations: { name: string; parents: Record<string, unknown> }[];
  expect: {
    compatible: boolean;
    counted: number;
    compatibleCount: number;
    sources?: string[];
    skipped?: Record<string, string[]>;
    ignored?: Record<string, string[]>;
    failing?: Record<string, string[]>;
    exit: 0 | 1 | 2;
  };
}

const withUuids = (parents: ReportingCase['source']) =>
  Object.fromEntries(Object.entries(parents).map(([id, p]) => [id, { ...p, devices: Object.fromEntries(Object.entries(p.devices).map(([k, d]) => [UUID[Number(k)]!, d])) }]));

for (const c of readCases<ReportingCase>('reporting.yaml')) {
  for (const engine of ['rules', 'bulk'] as const) {
    test(`reporting (${engine}): ${c.name}`, async () => {
      let policy: EffectivePolicy;
      if (c.policy) {
        const p = effectivePolicy(policyText(c.policy));
        assert.ok(p.policy, JSON.stringify(p.errors));
        policy = p.policy!;
      } else {
        policy = (await loadEffectivePolicy()).value!;
      }
      const source = hostFrom(hostDoc('src', withUuids(c.source)));
      const counts = { destinations: 0, compatible: 0 };
      const lines: string[] = [];
      const decision = await evaluate({
        policy,
        source,
        destinations: c.destinations.map((d) => ({ host: hostFrom(hostDoc(d.name, d.parents)), errors: [] })),
        destination: { engine, failOnSkip: c.failOnSkip ?? false },
        counts,
        onDestination: (d) => lines.push(renderNdjsonDestination(d)),
      });
      const e = c.expect;
      assert.is(decision.compatible, e.compatible);
      assert.is(exitCodeOf(decision), e.exit);
      assert.equal(counts, { destinations: e.counted, compatible: e.compatibleCount });
      assert.equal(decision.destinations.filter((d) => d.isSource).map((d) => d.host), e.sources ?? []);
      for (const d of decision.destinations.filter((x) => x.isSource)) assert.equal([d.compatible, d.candidates.length, d.placement.length], [false, 0, 0], 'the source is never a candidate');
      for (const [host, ids] of Object.entries(e.skipped ?? {})) {
        const d = decision.destinations.find((x) => x.host === host)!;
        assert.equal(d.skipped ?? [], ids, `skipped on ${host}`);
        const placed = d.candidates.find((k) => k.compatible)!;
        // Reported as skip; under --fail-on-skip only a warning-severity check can be skipped on a placed candidate, and it warns.
        const shown = c.failOnSkip ? placed.checks.filter((k) => k.result === 'fail' && k.severity === 'warning') : placed.checks.filter((k) => k.result === 'skip' && k.match !== 'ignore');
        assert.equal(shown.map((k) => k.id), ids, 'the placed candidate reports them');
      }
      for (const [host, ids] of Object.entries(e.ignored ?? {})) {
        const placed = decision.destinations.find((x) => x.host === host)!.candidates.find((k) => k.compatible)!;
        assert.equal(placed.checks.filter((k) => k.result === 'skip' && k.match === 'ignore').map((k) => k.id), ids, 'ignored checks stay skip');
      }
      for (const [host, ids] of Object.entries(e.failing ?? {})) {
        const d = decision.destinations.find((x) => x.host === host)!;
        const got = [...new Set(d.candidates.flatMap((k) => k.checks.filter((x) => x.result === 'fail').map((x) => x.id)))].sort();
        assert.equal(got, [...ids].sort(), `failing on ${host}`);
      }
      // Every format says the same: the NDJSON lines carry isSource and skipped, the summary counts agree, the text names them.
      const parsed = lines.map((l) => JSON.parse(l) as { host: string; isSource?: boolean; skipped?: string[] });
      assert.equal(parsed.filter((l) => l.isSource).map((l) => l.host), e.sources ?? []);
      for (const [host, ids] of Object.entries(e.skipped ?? {})) assert.equal(parsed.find((l) => l.host === host)!.skipped ?? [], ids);
      const summary = JSON.parse(renderNdjsonSummary(decision)) as { destinations: number; compatibleDestinations: number };
      assert.equal([summary.destinations, summary.compatibleDestinations], [e.counted, e.compatibleCount]);
      const text = renderText(decision);
      for (const ids of Object.values(e.skipped ?? {})) for (const id of ids) assert.ok(text.includes(id), `the text names ${id}`);
      for (const host of e.sources ?? []) assert.match(text, new RegExp(`^- ${host} `, 'm'));
      assert.match(text, new RegExp(`: ${e.compatibleCount} of ${e.counted} destination`));
    });
  }
}

test.run();
