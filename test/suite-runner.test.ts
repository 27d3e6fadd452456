// The suite runner (`mdev-policy test`, DESIGN §6) under test, from the table
// test/cases/suites.yaml: each fixture suite under test/fixtures/suites/ runs
// through the library (per case: passed, and the kinds of its problems) and
// through the CLI (exit status, the `N passed, N failed` line, coded errors
// at file:line:col). A suite whose wrong expectations passed would fail here.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSuiteFile, sortDiagnostics, type CaseReport } from '../src/index.js';
import { readCases, ROOT } from './helpers.js';

type Kind = CaseReport['problems'][number]['kind'];

interface SuiteCase {
  name: string;
  suite: string;
  /** Case name → kinds of its problems, in order; [] = passed. */
  cases: Record<string, Kind[]>;
  errors?: [string, number, number][];
  hint?: boolean;
  /** Also run `mdev-policy validate` on the suite: the same (schema) errors, exit 2. */
  validate?: boolean;
  exit: 0 | 1 | 2;
}

const DIR = path.join(ROOT, 'test/fixtures/suites');
const BIN = path.join(ROOT, 'bin/run.js');
const table = readCases<SuiteCase>('suites.yaml');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.not.match(r.stdout + r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
  return r;
}

/** The counts of the summary line, which must be the last line of stdout (CI greps it). */
function summary(stdout: string): [number, number] {
  const m = /^(\d+) passed, (\d+) failed\n$/m.exec(stdout.slice(stdout.lastIndexOf('\n', stdout.length - 2) + 1));
  assert.ok(m, `a summary line ends stdout: ${JSON.stringify(stdout.slice(-80))}`);
  return [Number(m[1]), Number(m[2])];
}

const coded = (stderr: string) => [...stderr.matchAll(/^(\S+?):(\d+):(\d+): ([a-z-]+): /gm)].map((m) => [m[4], Number(m[2]), Number(m[3])]);

for (const c of table) {
  test(`suite runner: ${c.name}`, async () => {
    const file = path.join(DIR, c.suite);
    const report = await runSuiteFile(file);
    const errors = sortDiagnostics(report.errors);
    assert.equal(
      errors.map((e) => [e.code, e.line, e.col]),
      c.errors ?? [],
      errors.map((e) => `${e.line}:${e.col} ${e.code}: ${e.message}`).join(' | '),
    );
    for (const e of errors) assert.is(e.file, file);
    if (c.hint) assert.ok(errors.every((e) => e.hint), 'every suite error has a hint');
    assert.equal(
      report.cases.map((r) => [r.name, r.problems.map((p) => p.kind)]),
      Object.entries(c.cases),
      JSON.stringify(report.cases.map((r) => [r.name, r.problems, r.errors.map((e) => e.code)])),
    );
    for (const r of report.cases) {
      assert.equal(r.errors, [], `${r.name}: no errors`);
      assert.is(r.passed, r.problems.length === 0, `${r.name}: passed exactly when nothing differed`);
    }

    const run = cli('test', file);
    assert.is(run.status, c.exit, run.stdout + run.stderr);
    const passed = Object.values(c.cases).filter((k) => k.length === 0).length;
    assert.equal(summary(run.stdout), [passed, Object.keys(c.cases).length - passed]);
    const relative = path.relative(ROOT, file);
    assert.equal(coded(run.stderr), (c.errors ?? []).map(([code, line, col]) => [code, line, col]), run.stderr);
    for (const [code, line, col] of c.errors ?? []) assert.ok(run.stderr.includes(`${file}:${line}:${col}: ${code}: `) || run.stderr.includes(`${relative}:${line}:${col}: ${code}: `), run.stderr);

    if (c.validate) {
      const v = cli('validate', file);
      assert.is(v.status, 2, v.stdout + v.stderr);
      assert.equal(coded(v.stdout + v.stderr), c.errors ?? [], v.stdout + v.stderr);
    }
  });
}

test('suite runner: a directory runs every suite in it, errors win the exit status, and the counts add up', () => {
  const run = cli('test', DIR);
  assert.is(run.status, 2, run.stderr);
  const cases = table.flatMap((c) => Object.values(c.cases));
  const passed = cases.filter((k) => k.length === 0).length;
  assert.equal(summary(run.stdout), [passed, cases.length - passed]);
  assert.equal(coded(run.stderr).map(([code]) => code).sort(), table.flatMap((c) => (c.errors ?? []).map(([code]) => code)).sort());
});

test('suite runner: the shipped suites all pass', () => {
  const run = cli('test', 'policies');
  assert.is(run.status, 0, run.stdout + run.stderr);
  const [passed, failed] = summary(run.stdout);
  assert.ok(passed > 0);
  assert.is(failed, 0);
});

test.run();
