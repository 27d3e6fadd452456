// `mdev-policy test` in its four formats (text, json, junit, tap), with
// --run and --coverage: the table test/cases/test-formats.yaml runs each case
// in every format and reads the same facts back from each (exit status,
// counts, cases and their status, error codes, the check ids a failure names,
// coverage figures). Then golden outputs (test/golden/formats/test-*.txt, one
// real process each; UPDATE_GOLDEN=1 rewrites them), the JUnit XML parsed
// back and checked structurally, hostile names in JUnit and TAP, the usage
// errors of --run, and the shipped policies' own coverage.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { escapeForTerminal } from '../src/terminal.js';
import { cli, cliInProcess, type CliRun } from './cli.js';
import { readCases, ROOT } from './helpers.js';

type Status = 'pass' | 'fail' | 'error';

interface FormatCase {
  name: string;
  paths: string[];
  flags?: string[];
  exit: 0 | 1 | 2;
  passed: number;
  failed: number;
  /** Suite → case → status, in order; or `error` for a suite that could not be run. */
  suites: Record<string, Record<string, Status> | 'error'>;
  errors?: string[];
  failing?: Record<string, string[]>;
  coverage?: { overall: number; documents: Record<string, { percent: number; uncovered: string[] }> };
  below?: string[];
}

const DIR = 'test/fixtures/formats/suites';
const FORMATS = ['text', 'json', 'junit', 'tap'] as const;
type Format = (typeof FORMATS)[number];

/** What every format must agree on. */
interface Seen {
  passed: number;
  failed: number;
  suites: Record<string, Record<string, Status> | 'error'>;
  /** Case → the text its failure is described by. */
  messages: Record<string, string>;
}

const codes = (stderr: string) => [...stderr.matchAll(/^(?:\S+?:(?:\d+:\d+:)? )?([a-z-]+): /gm)].map((m) => m[1]!).filter((c) => !['hint', 'coverage', 'coverage-threshold'].includes(c)).sort();
const key = (name: string | undefined, file: string) => name ?? path.basename(file);

function seenInText(run: CliRun): Seen {
  const seen: Seen = { passed: -1, failed: -1, suites: {}, messages: {} };
  let last: string | undefined;
  for (const line of run.stdout.split('\n')) {
    const m = /^([✓✗]) (.*?) › (.*)$/.exec(line);
    if (m) {
      const cases = (seen.suites[m[2]!] ??= {}) as Record<string, Status>;
      cases[m[3]!] = m[1] === '✓' ? 'pass' : 'fail';
      last = m[3]!;
      continue;
    }
    if (last && line.startsWith('    ')) seen.messages[last] = `${seen.messages[last] ?? ''}${line}\n`;
    else last = undefined;
    const s = /^(\d+) passed, (\d+) failed$/.exec(line);
    if (s) [seen.passed, seen.failed] = [Number(s[1]), Number(s[2])];
  }
  return seen;
}

interface JsonReport {
  apiVersion: string;
  kind: string;
  tool: { name: string; version: string };
  passed: number;
  failed: number;
  suites: { file: string; name?: string; cases: { name: string; passed: boolean; problems: { kind: string; expected: unknown; actual: unknown }[]; errors: { code: string }[] }[]; errors: { code: string }[] }[];
  errors: { code: string }[];
  coverage?: { covered: number; total: number; percent: number; documents: { name: string; version: string; percent: number; uncovered: string[] }[]; threshold?: number; below?: string[] };
}

function seenInJson(report: JsonReport): Seen {
  const seen: Seen = { passed: report.passed, failed: report.failed, suites: {}, messages: {} };
  for (const s of report.suites) {
    if (s.errors.length > 0) {
      seen.suites[key(s.name, s.file)] = 'error';
      continue;
    }
    seen.suites[key(s.name, s.file)] = Object.fromEntries(s.cases.map((c) => [c.name, c.errors.length > 0 ? 'error' : c.passed ? 'pass' : 'fail']));
    for (const c of s.cases) {
      const ids = c.problems.filter((p) => p.kind === 'failing').flatMap((p) => [...(p.expected as string[]), ...(p.actual as string[])]);
      if (ids.length > 0) seen.messages[c.name] = ids.join(' ');
    }
  }
  return seen;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) });

interface JunitCase {
  '@_classname': string;
  '@_name': string;
  '@_file'?: string;
  failure?: { '@_message': string; '@_type'?: string } | '';
  error?: { '@_message': string; '@_type'?: string } | '';
}
interface JunitSuite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  '@_errors': string;
  properties?: { property: { '@_name': string; '@_value': string }[] };
  testcase?: JunitCase[];
}

function parseJunit(text: string): { '@_tests': string; '@_failures': string; '@_errors': string; testsuite?: JunitSuite[] } {
  assert.is(XMLValidator.validate(text), true, 'well-formed XML');
  return (xml.parse(text) as { testsuites: ReturnType<typeof parseJunit> }).testsuites;
}

function seenInJunit(text: string): Seen {
  const root = parseJunit(text);
  const seen: Seen = { passed: 0, failed: 0, suites: {}, messages: {} };
  for (const s of root.testsuite ?? []) {
    const file = s.properties?.property.find((p) => p['@_name'] === 'file')?.['@_value'] ?? '';
    const cases = s.testcase ?? [];
    if (cases.length === 1 && cases[0]!['@_name'] === 'suite could not be run') {
      seen.suites[s['@_name'] === file ? path.basename(file) : s['@_name']] = 'error';
      continue;
    }
    seen.suites[s['@_name']] = Object.fromEntries(cases.map((c) => [c['@_name'], c.error !== undefined ? 'error' : c.failure !== undefined ? 'fail' : 'pass']));
    for (const c of cases) {
      assert.is(c['@_classname'], s['@_name'], 'classname is the suite name');
      assert.is(c['@_file'], file, 'each case names its suite file');
      if (c.failure !== undefined || c.error !== undefined) seen.failed++;
      else seen.passed++;
      const f = c.failure || c.error;
      if (f) seen.messages[c['@_name']] = f['@_message'];
    }
  }
  return seen;
}

/** TAP version 14, read strictly enough: the version, the plan, numbered points in order, YAML blocks, comments. */
function parseTap(text: string): { points: { ok: boolean; description: string; block?: Record<string, unknown> }[]; comments: string[] } {
  const lines = text.replace(/\n$/, '').split('\n');
  assert.is(lines[0], 'TAP version 14');
  const plan = /^1\.\.(\d+)$/.exec(lines[1] ?? '');
  assert.ok(plan, `a plan: ${lines[1]}`);
  const points: ReturnType<typeof parseTap>['points'] = [];
  const comments: string[] = [];
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i]!;
    const p = /^(ok|not ok) (\d+) - (.*)$/.exec(line);
    if (p) {
      assert.is(Number(p[2]), points.length + 1, 'points numbered in order');
      points.push({ ok: p[1] === 'ok', description: p[3]! });
      continue;
    }
    if (line === '  ---') {
      const end = lines.indexOf('  ...', i);
      assert.ok(end > i, 'a YAML block ends');
      const body = lines.slice(i + 1, end);
      for (const l of body) assert.ok(l.startsWith('  '), `YAML block lines are indented: ${l}`);
      points.at(-1)!.block = parseYaml(body.map((l) => l.slice(2)).join('\n')) as Record<string, unknown>;
      i = end;
      continue;
    }
    assert.ok(line.startsWith('# '), `only points, blocks and comments: ${JSON.stringify(line)}`);
    comments.push(line.slice(2));
  }
  assert.is(points.length, Number(plan[1]), 'the plan counts the points');
  return { points, comments };
}

const untap = (s: string) => s.replace(/\\([\\#])/g, '$1');

function seenInTap(text: string): Seen {
  const { points, comments } = parseTap(text);
  const seen: Seen = { passed: -1, failed: -1, suites: {}, messages: {} };
  for (const p of points) {
    const description = untap(p.description);
    const at = description.indexOf(' › ');
    if (at < 0) {
      seen.suites[path.basename(description)] = 'error';
      assert.ok(!p.ok && p.block?.errors, 'a suite that cannot be run is not ok, with its errors');
      continue;
    }
    const [suite, name] = [description.slice(0, at), description.slice(at + 3)];
    (seen.suites[suite] ??= {} as Record<string, Status>);
    (seen.suites[suite] as Record<string, Status>)[name] = p.ok ? 'pass' : 'fail';
    if (!p.ok) {
      assert.ok(p.block, 'a failing point has a YAML block');
      assert.ok(p.block.expected && typeof p.block.message === 'string', 'with its message and expectation');
      seen.messages[name] = p.block.message as string;
    }
  }
  const counts = /^(\d+) passed, (\d+) failed$/.exec(comments.at(-1) ?? '');
  assert.ok(counts, 'the last comment counts the cases');
  [seen.passed, seen.failed] = [Number(counts[1]), Number(counts[2])];
  return seen;
}

/** The coverage table (text, and stderr of junit and tap): per document its percentage and the checks never exercised. */
function coverageInText(text: string): FormatCase['coverage'] {
  const documents: Record<string, { percent: number; uncovered: string[] }> = {};
  let current: { percent: number; uncovered: string[] } | undefined;
  let overall = -1;
  for (const line of text.split('\n')) {
    const d = /^ {2}(?:policy|overlay) (\S+): \d+ of \d+ checks? \(([\d.]+)%\)$/.exec(line);
    if (d) documents[d[1]!] = current = { percent: Number(d[2]), uncovered: [] };
    const c = /^ {4}✗ (\S+) +never exercised$/.exec(line);
    if (c) current!.uncovered.push(c[1]!);
    const o = /^ {2}overall: \d+ of \d+ checks? \(([\d.]+)%\)$/.exec(line);
    if (o) overall = Number(o[1]);
  }
  return { overall, documents };
}

function expectedSeen(c: FormatCase, format: Format): Pick<Seen, 'passed' | 'failed' | 'suites'> {
  // Text shows no line for a suite that cannot be run (its errors are on stderr); text and TAP show a case that could not be evaluated as failed.
  const suites = Object.fromEntries(
    Object.entries(c.suites)
      .filter(([, v]) => format !== 'text' || v !== 'error')
      .map(([k, v]) => [k, v === 'error' ? v : Object.fromEntries(Object.entries(v).map(([n, s]) => [n, (format === 'text' || format === 'tap') && s === 'error' ? 'fail' : s]))]),
  );
  // JUnit and TAP report an error outside any suite (a usage error) as a suite of its own, named after the command.
  if ((format === 'junit' || format === 'tap') && c.errors?.includes('usage')) suites['mdev-policy test'] = 'error';
  return { passed: c.passed, failed: c.failed, suites };
}

for (const c of readCases<FormatCase>('test-formats.yaml')) {
  for (const format of FORMATS) {
    test(`test --format ${format}: ${c.name}`, async () => {
      const run = await cliInProcess(['test', ...c.paths.map((p) => path.join(DIR, p)), ...(c.flags ?? []), '--format', format]);
      assert.is(run.status, c.exit, run.stdout + run.stderr);
      assert.equal(codes(run.stderr), [...(c.errors ?? [])].sort(), run.stderr);
      let seen: Seen;
      let coverage: FormatCase['coverage'] | undefined;
      let below: string[] | undefined;
      if (format === 'json') {
        const report = JSON.parse(run.stdout) as JsonReport;
        assert.equal([report.apiVersion, report.kind, report.tool.name], ['mdev-policy/v1', 'TestReport', 'mdev-policy']);
        assert.equal(report.errors.map((e) => e.code).sort(), [...(c.errors ?? [])].sort(), 'every error is in `errors`');
        seen = seenInJson(report);
        if (report.coverage) {
          coverage = { overall: report.coverage.percent, documents: Object.fromEntries(report.coverage.documents.map((d) => [`${d.name}@${d.version}`, { percent: d.percent, uncovered: d.uncovered }])) };
          below = report.coverage.below;
        }
      } else {
        seen = format === 'text' ? seenInText(run) : format === 'junit' ? seenInJunit(run.stdout) : seenInTap(run.stdout);
        if (c.coverage) coverage = coverageInText(format === 'text' ? run.stdout : run.stderr);
        if (c.below) below = [...run.stderr.matchAll(/^coverage-threshold: (?:policy|overlay) `(\S+)`/gm)].map((m) => m[1]!);
      }
      assert.equal({ passed: seen.passed, failed: seen.failed, suites: seen.suites }, expectedSeen(c, format));
      for (const [name, ids] of Object.entries(c.failing ?? {})) {
        for (const id of ids) assert.ok(seen.messages[name]?.includes(id), `the failure of ${name} names ${id}: ${seen.messages[name]}`);
      }
      assert.equal(coverage, c.coverage);
      if (c.below) assert.equal(below, c.below);
      if (format === 'junit' || format === 'tap') assert.not.match(run.stdout, /coverage:/, 'coverage stays off the machine-readable stdout');
    });
  }
}

// --- golden outputs ---------------------------------------------------------------

const GOLDEN = path.join(ROOT, 'test/golden/formats');

for (const name of readdirSync(GOLDEN).filter((f) => /^test-.*\.txt$/.test(f)).sort()) {
  test(`golden: formats/${name}`, () => {
    const file = path.join(GOLDEN, name);
    const text = readFileSync(file, 'utf8');
    const args = /^args: (.*)$/m.exec(text)![1]!.split(' ');
    const r = cli(args);
    if (process.env.UPDATE_GOLDEN) {
      writeFileSync(file, `args: ${args.join(' ')}\nstatus: ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
      return;
    }
    assert.is(r.stdout, text.split('--- stdout\n')[1]!.split('--- stderr\n')[0]!);
    assert.is(r.stderr, text.split('--- stderr\n')[1]!);
    assert.is(r.status, Number(/^status: (\d+)$/m.exec(text)![1]));
  });
}

// --- JUnit, structurally ------------------------------------------------------------

test('junit: one testsuite per suite file, one testcase per case, failures naming the failing checks, an error for the unreadable suite', async () => {
  const run = await cliInProcess(['test', `${DIR}/mixed.test.yaml`, `${DIR}/case-error.test.yaml`, `${DIR}/broken.test.yaml`, '--format', 'junit']);
  assert.is(run.status, 2);
  const root = parseJunit(run.stdout);
  const suites = root.testsuite ?? [];
  assert.equal(
    suites.map((s) => s['@_name']),
    ['mixed', 'case-error', 'broken'].map((n, i) => (i === 2 ? `${DIR}/${n}.test.yaml` : n)),
  );
  assert.equal(
    suites.map((s) => (s.testcase ?? []).length),
    [4, 2, 1],
  );
  assert.equal([root['@_tests'], root['@_failures'], root['@_errors']], ['7', '2', '2']);
  assert.equal(
    suites.map((s) => [s['@_tests'], s['@_failures'], s['@_errors']]),
    [
      ['4', '2', '0'],
      ['2', '0', '1'],
      ['1', '0', '1'],
    ],
  );
  for (const s of suites) assert.equal(s.properties?.property.map((p) => p['@_name']), ['file']);
  const failures = suites.flatMap((s) => (s.testcase ?? []).flatMap((c) => (c.failure ? [[c['@_name'], c.failure]] : []))) as [string, { '@_message': string; '@_type': string }][];
  assert.equal(
    failures.map(([n, f]) => [n, f['@_type']]),
    [
      ['wrong verdict and wrong failing set', 'verdict,failing'],
      ['wrong claim plan', 'set'],
    ],
  );
  const [, verdict] = failures[0]!;
  assert.match(verdict['@_message'], /\[mdev-type\].*\[capacity\]/, 'expected then actual failing check ids');
  const broken = suites[2]!.testcase![0]!;
  assert.is((broken.error as { '@_type': string })['@_type'], 'yaml-syntax');
  assert.is(broken['@_file'], `${DIR}/broken.test.yaml`);
  assert.not.ok(/time=|timestamp=/.test(run.stdout), 'no durations or timestamps');
});

// --- hostile names ----------------------------------------------------------------

const hostile = parseYaml(readFileSync(path.join(ROOT, DIR, 'hostile.test.yaml'), 'utf8')) as { metadata: { name: string }; spec: { cases: { name: string }[] } };

test('junit: hostile suite and case names stay well-formed XML, each name read back as written (control characters as visible escapes)', async () => {
  const run = await cliInProcess(['test', `${DIR}/hostile.test.yaml`, '--format', 'junit']);
  assert.is(run.status, 1);
  const [suite] = parseJunit(run.stdout).testsuite!;
  assert.is(suite!['@_name'], escapeForTerminal(hostile.metadata.name));
  assert.equal(
    suite!.testcase!.map((c) => c['@_name']),
    hostile.spec.cases.map((c) => escapeForTerminal(c.name)),
  );
  assert.equal(
    suite!.testcase!.map((c) => c.failure !== undefined),
    [false, true],
  );
});

test('tap: hostile suite and case names keep each test point on one line, `#` and `\\` escaped, the YAML block valid', async () => {
  const run = await cliInProcess(['test', `${DIR}/hostile.test.yaml`, '--format', 'tap']);
  assert.is(run.status, 1);
  const { points } = parseTap(run.stdout);
  assert.is(points.length, 2);
  assert.equal(
    points.map((p) => untap(p.description)),
    hostile.spec.cases.map((c) => escapeForTerminal(`${hostile.metadata.name} › ${c.name}`)),
  );
  for (const p of points) assert.not.match(p.description, /(^|[^\\])#/, 'no bare # (a directive)');
  assert.equal(
    points.map((p) => p.ok),
    [true, false],
  );
  assert.equal((points[1]!.block!.expected as { failing: string[] }).failing, ['<capacity>']);
  assert.not.match(run.stdout, /^not ok 99/m, 'a newline in a name cannot forge a test point');
});

test('json: hostile names come back exactly as written', async () => {
  const run = await cliInProcess(['test', `${DIR}/hostile.test.yaml`, '--json']);
  assert.is(run.status, 1);
  const report = JSON.parse(run.stdout) as JsonReport;
  assert.is(report.suites[0]!.name, hostile.metadata.name);
  assert.equal(
    report.suites[0]!.cases.map((c) => c.name),
    hostile.spec.cases.map((c) => c.name),
  );
});

// --- --run usage errors ---------------------------------------------------------

for (const format of FORMATS) {
  test(`--run with an invalid regular expression is a usage error, exit 2, nothing run (${format})`, async () => {
    const run = await cliInProcess(['test', `${DIR}/mixed.test.yaml`, '--run', '(unclosed', '--format', format]);
    assert.is(run.status, 2);
    assert.is(run.stdout, '');
    assert.equal(codes(run.stderr), ['usage']);
    assert.is(run.stderr.split('\n')[0]!.includes('(unclosed'), true, 'the one line names the pattern');
  });
}

test('--coverage-threshold outside 0–100 is a usage error', async () => {
  for (const value of ['101', '-1', 'all']) {
    const run = await cliInProcess(['test', `${DIR}/mixed.test.yaml`, '--coverage-threshold', value]);
    assert.is(run.status, 2, value);
    assert.equal(codes(run.stderr), ['usage'], run.stderr);
  }
});

test('junit: a case that expected only a verdict still names the checks that refused it', async () => {
  const run = await cliInProcess(['test', `${DIR}/verdict-only/verdict.test.yaml`, '--format', 'junit']);
  assert.is(run.status, 1);
  assert.match(run.stdout, /<failure message="expected compatible, got not compatible \(failing: capacity\)"/);
});

test('--json with another --format is a usage error, not a silent switch to JSON', async () => {
  const run = await cliInProcess(['test', `${DIR}/mixed.test.yaml`, '--format', 'junit', '--json']);
  assert.is(run.status, 2);
  assert.is(run.stdout, '');
  assert.equal(codes(run.stderr), ['usage']);
});

test('--coverage-threshold takes a plain percentage (80, 62.5, 80%), never 0x10, 1e2 or +50', async () => {
  for (const value of ['0x10', '1e2', '+50', '']) {
    const run = await cliInProcess(['test', `${DIR}/mixed.test.yaml`, '--coverage-threshold', value]);
    assert.is(run.status, 2, value);
  }
  for (const value of ['0', '0%', '12.5']) {
    const run = await cliInProcess(['test', `${DIR}/verdict-only/verdict.test.yaml`, '--coverage-threshold', value]);
    assert.is(run.status, 1, `${value}: the case fails, the threshold holds`);
    assert.not.match(run.stderr, /coverage-threshold/);
  }
});

test('--run is a Unicode pattern: \\p{L} is a letter class', async () => {
  const run = await cliInProcess(['test', `${DIR}/verdict-only/verdict.test.yaml`, '--run', '^\\p{L}+ ', '--json']);
  assert.is(run.status, 1, run.stderr);
  assert.is((JSON.parse(run.stdout) as JsonReport).failed, 1);
});

test('coverage counts every policy and overlay under the directories given, a suite loading it or not (0 % for one without)', () => {
  const run = cli(['test', 'test/fixtures/formats/orphan', '--coverage-threshold', '100', '--json']);
  assert.is(run.status, 1, run.stderr);
  const report = JSON.parse(run.stdout) as JsonReport;
  const orphan = report.coverage!.documents.find((d) => d.name === 'no-suite');
  assert.ok(orphan, 'the overlay without a suite is listed');
  assert.equal(report.coverage!.below, ['no-suite@1.0.0']);
  assert.match(run.stderr, /overlay `no-suite@1.0.0` covers 0%/);
});

// --- the shipped policies -------------------------------------------------------

test('the shipped suites exercise every check of every shipped policy and overlay (test policies --coverage-threshold 100)', () => {
  const run = cli(['test', 'policies', '--coverage-threshold', '100', '--json']);
  assert.is(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as JsonReport;
  assert.is(report.failed, 0);
  assert.equal(report.coverage!.below, []);
  assert.is(report.coverage!.percent, 100);
  const names = report.coverage!.documents.map((d) => d.name);
  for (const shipped of ['vfio-mdev', 'nova-2024-1', 'intel-gvt-g', 'mtty-sample', 'nvidia-vgpu', 'platform', 's390-vfio-ap', 's390-vfio-ccw']) assert.ok(names.includes(shipped), shipped);
});

test.run();
