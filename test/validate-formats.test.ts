// `validate --format text|json|sarif|github` (README "Commands"): the table
// cases of test/cases/validate-formats.yaml run in every format, which must
// agree on the exit code and on each diagnostic's code, level and position;
// the SARIF log is validated against the vendored SARIF 2.1.0 JSON Schema;
// goldens of one validation with errors and warnings (test/golden/formats/
// validate-*, UPDATE_GOLDEN=1 rewrites them); and input that tries to forge a
// GitHub workflow command stays inside its own, escaped.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES, diagnostic, warning, type Diagnostic } from '../src/errors.js';
import type { ValidationReport } from '../src/formats/diagnostics-json.js';
import { escapeData, escapeProperty, renderGithub } from '../src/formats/github.js';
import { artifactUri, RULE_DESCRIPTIONS, sarifLog } from '../src/formats/sarif.js';
import { toolInfo } from '../src/trace.js';
import { cli, cliInProcess, type CliRun } from './cli.js';
import { readCases, ROOT } from './helpers.js';

// ajv 8 and ajv-formats (a dev dependency) as the project has them.
const require = createRequire(import.meta.url);
const Ajv = require('ajv') as typeof import('ajv').default;
const addFormats = require('ajv-formats') as (ajv: InstanceType<typeof Ajv>) => unknown;

// The schema's `language` pattern is no valid regular expression with the u flag: compiled without it.
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
addFormats(ajv);
const validateSarif = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/formats/sarif-2.1.0.schema.json'), 'utf8')) as object);

function assertSarifValid(log: unknown): void {
  assert.ok(validateSarif(log), JSON.stringify(validateSarif.errors, null, 1));
}

type Level = 'error' | 'warning';
/** [code, level, line, col]: what every format must say about one diagnostic. */
type Expected = [string, Level, number | null, number | null];

interface FormatsCase {
  name: string;
  files: string[];
  status: number;
  diagnostics: Expected[];
}

const FORMATS = ['text', 'json', 'sarif', 'github'] as const;
const PROPERTY_ESCAPES: Record<string, string> = { '%25': '%', '%0D': '\r', '%0A': '\n', '%3A': ':', '%2C': ',' };

/** A property value or message of a workflow command, unescaped (the runner's reading). */
function unescapeCommand(s: string): string {
  return s.replace(/%(25|0D|0A|3A|2C)/g, (e) => PROPERTY_ESCAPES[e]!);
}

interface Command {
  level: Level;
  properties: Record<string, string>;
  message: string;
}

/** A line of --format github as the runner parses it: `::level k=v,k=v::message`, or undefined for a plain line. */
function parseCommand(line: string): Command | undefined {
  const m = /^::(error|warning) ([^:]*)::(.*)$/.exec(line);
  if (!m) return undefined;
  const properties = Object.fromEntries(m[2]!.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), unescapeCommand(kv.slice(kv.indexOf('=') + 1))]));
  return { level: m[1] as Level, properties, message: unescapeCommand(m[3]!) };
}

/** Where a text line names its code: after the position, `warning ` before it for a warning. */
const TEXT_CODE = new RegExp(`: (warning )?(${ERROR_CODES.join('|')}): `);

/** The path from the current directory with forward slashes: what sarif and github name a file by. */
function fromCwd(file: string): string {
  return path.relative(process.cwd(), file).split(path.sep).join('/');
}

for (const c of readCases<FormatsCase>('validate-formats.yaml')) {
  test(`validate formats: ${c.name}`, async () => {
    const files = c.files.map((f) => path.join(ROOT, f));
    const byFile = new Map<string, string>();
    // One run at a time: cliInProcess swaps the process's streams while it runs.
    const runs: Partial<Record<(typeof FORMATS)[number], CliRun>> = {};
    for (const f of FORMATS) runs[f] = await cliInProcess(['validate', '--format', f, ...files]);
    for (const f of FORMATS) {
      assert.is(runs[f]!.status, c.status, `${f}: exit code\n${runs[f]!.stderr}`);
      assert.is(runs[f]!.stderr, '', `${f}: nothing on stderr`);
    }
    const errors = c.diagnostics.filter((d) => d[1] === 'error').length;

    // json: one ValidationReport document.
    const report = JSON.parse(runs.json!.stdout) as ValidationReport;
    assert.is(report.kind, 'ValidationReport');
    assert.equal(report.tool, toolInfo());
    assert.is(report.valid, c.status === 0);
    assert.equal([report.errors, report.warnings], [errors, c.diagnostics.length - errors]);
    assert.equal(
      report.diagnostics.map((d) => [d.code, d.severity, d.line ?? null, d.col ?? null]),
      c.diagnostics,
    );
    for (const d of report.diagnostics) if (d.file !== undefined) byFile.set(d.file, fromCwd(d.file));

    // sarif: schema-valid, one run, a rule per code used, a result per diagnostic.
    const log = JSON.parse(runs.sarif!.stdout) as Log;
    assertSarifValid(log);
    assert.is(log.runs.length, 1);
    const run = log.runs[0]!;
    assert.is(run.tool.driver.name, 'mdev-policy');
    assert.is(run.tool.driver.version, toolInfo().version);
    assert.equal(run.tool.driver.rules?.map((r) => r.id), [...new Set(c.diagnostics.map((d) => d[0]))].sort());
    const results = run.results ?? [];
    assert.equal(
      results.map((r) => [r.ruleId, r.level, r.locations?.[0]?.physicalLocation?.region?.startLine ?? null, r.locations?.[0]?.physicalLocation?.region?.startColumn ?? null]),
      c.diagnostics,
    );
    results.forEach((r, i) => {
      const file = report.diagnostics[i]!.file!;
      const uri = r.locations![0]!.physicalLocation!.artifactLocation!.uri!;
      assert.is(uri, artifactUri(file, process.cwd()));
      assert.is(decodeURIComponent(uri), byFile.get(file));
      assert.is(run.tool.driver.rules![r.ruleIndex!]!.id, r.ruleId);
      if (r.locations![0]!.physicalLocation!.region === undefined) assert.is(report.diagnostics[i]!.line, undefined, 'no region without a line');
    });

    // github: a command per diagnostic, then the summary line (the text output's last).
    const lines = runs.github!.stdout.split('\n');
    assert.is(lines.pop(), '', 'ends with a newline');
    const summary = lines.pop();
    assert.is(summary, runs.text!.stdout.trimEnd().split('\n').pop(), 'the summary line is the text output\'s');
    const commands = lines.map(parseCommand);
    assert.ok(commands.every((x) => x !== undefined), `every line but the last is a workflow command:\n${runs.github!.stdout}`);
    assert.equal(
      commands.map((x) => [x!.properties.title, x!.level, x!.properties.line === undefined ? null : Number(x!.properties.line), x!.properties.col === undefined ? null : Number(x!.properties.col)]),
      c.diagnostics,
    );
    commands.forEach((x, i) => assert.is(x!.properties.file, byFile.get(report.diagnostics[i]!.file!)));

    // text: the same problems, one line each (a hint below), and warnings marked.
    const text = runs.text!.stdout.split('\n').filter((l) => l && !l.startsWith('  hint: ') && l !== summary);
    assert.equal(
      text.map((l) => TEXT_CODE.exec(l)).map((m) => m && [m[2], m[1] ? 'warning' : 'error']),
      c.diagnostics.map((d) => [d[0], d[1]]),
    );
  });
}

test('validate formats: --json is --format json; with another --format, a usage error', async () => {
  const file = path.join(ROOT, 'test/fixtures/formats/validate/overlay-first.yaml');
  const json = await cliInProcess(['validate', '--json', file]);
  assert.is(json.status, 0);
  assert.is(json.stdout, (await cliInProcess(['validate', '--format', 'json', file])).stdout);
  assert.is((JSON.parse(json.stdout) as ValidationReport).valid, true);
  assert.is((await cliInProcess(['validate', '--json', '--format', 'json', file])).status, 0);
  const both = await cliInProcess(['validate', '--json', '--format', 'sarif', file]);
  assert.is(both.status, 2);
  assert.is(both.stdout, '');
  assert.match(both.stderr, /^usage: /);
  const unknown = await cliInProcess(['validate', '--format', 'xml', file]);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /^usage: .*text, json, sarif, github/);
});

test('validate formats: --quiet leaves out the summary of a valid run in text and github, never a document', async () => {
  const file = path.join(ROOT, 'examples/host-a.yaml');
  for (const [format, empty] of [['text', true], ['github', true], ['json', false], ['sarif', false]] as const) {
    const r = await cliInProcess(['validate', '-q', '--format', format, file]);
    assert.is(r.status, 0);
    assert.is(r.stdout === '', empty, format);
  }
  const bad = await cliInProcess(['validate', '-q', '--format', 'github', path.join(ROOT, 'test/fixtures/formats/validate/injection.json')]);
  assert.is(bad.status, 2);
  assert.match(bad.stdout, /\n1 error in 0 documents read\n$/);
});

// --- goldens: one validation with errors and warnings, from the project root, in a real process ---

const GOLDEN_FILES = [
  'test/fixtures/formats/validate/host a, b: c.yaml',
  'test/fixtures/formats/validate/host-duplicate-key.yaml',
  'test/fixtures/formats/validate/injection.json',
  'test/fixtures/formats/validate/overlay-first.yaml',
  'test/fixtures/formats/validate/overlay-second.yaml',
  'test/fixtures/formats/validate/policy-schema.yaml',
];

/** The tool's version as `@VERSION@`, so a release does not rewrite the goldens. */
function unversioned(out: string): string {
  return out.replace(/("name": "mdev-policy",\s*"(?:rules": \[[^]*?\],\s*")?version": )"[^"]*"/, '$1"@VERSION@"');
}

for (const [format, golden] of [
  ['json', 'validate-errors-and-warnings.json'],
  ['sarif', 'validate-errors-and-warnings.sarif'],
  ['github', 'validate-errors-and-warnings.github.txt'],
] as const) {
  test(`validate formats: golden ${golden}`, () => {
    const file = path.join(ROOT, 'test/golden/formats', golden);
    const r = cli(['validate', '--format', format, ...GOLDEN_FILES]);
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stderr, '');
    const got = unversioned(r.stdout);
    assert.ok(got !== r.stdout || format === 'github', 'the version is stamped out');
    if (process.env.UPDATE_GOLDEN) {
      writeFileSync(file, got);
      return;
    }
    assert.fixture(got, readFileSync(file, 'utf8'));
    if (format === 'sarif') assertSarifValid(JSON.parse(r.stdout));
  });
}

// --- forged workflow commands and hostile names ---

test('validate formats: a file name with a newline and a forged ::error stays in one escaped command', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-formats-'));
  const name = 'evil\n::error file=forged.yaml,line=1::forged, : %0A.yaml';
  const file = path.join(dir, name);
  writeFileSync(file, 'apiVersion: mdev-policy/v1\nkind: Host\nmetadata: {name: h}\nmetadata: {name: h}\nspec: {parents: {}}\n');
  const github = await cliInProcess(['validate', '--format', 'github', file]);
  assert.is(github.status, 2);
  const lines = github.stdout.trimEnd().split('\n');
  assert.is(lines.length, 2, github.stdout);
  const command = parseCommand(lines[0]!)!;
  assert.ok(command, lines[0]);
  assert.is(command.level, 'error');
  assert.is(command.properties.title, 'duplicate-key');
  assert.is(command.properties.file, fromCwd(file), 'the whole name, unescaped by the runner');
  assert.is(lines[1], '1 error in 0 documents read');
  assert.not.match(github.stdout, /forged.yaml,line/, 'no property of the forged command is readable as one');

  const sarif = await cliInProcess(['validate', '--format', 'sarif', file]);
  assert.is(sarif.status, 2);
  const log = JSON.parse(sarif.stdout) as Log;
  assertSarifValid(log);
  const uri = log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri!;
  assert.match(uri, /evil%0A%3A%3Aerror%20file=forged.yaml,line=1%3A%3Aforged,%20%3A%20%250A.yaml$/);
  assert.is(decodeURIComponent(uri), fromCwd(file));

  const text = await cliInProcess(['validate', file]);
  assert.is(text.status, 2);
  assert.ok(text.stdout.split('\n').every((l) => !l.startsWith('::')), 'text too keeps the name on its line');
});

test('validate formats: a message with a carriage return and ::error is escaped in its command', async () => {
  const r = await cliInProcess(['validate', '--format', 'github', path.join(ROOT, 'test/fixtures/formats/validate/injection.json')]);
  const first = r.stdout.split('\n')[0]!;
  assert.ok(first.includes('`x%0D::error file=forged.yaml,line=1::forged`'), first);
  assert.not.match(r.stdout, /\r/);
  assert.is(parseCommand(first)!.message, 'duplicate key `x\r::error file=forged.yaml,line=1::forged` (hint: each key may appear once in a map)');
});

// --- the renderers as library functions ---

test('github: the actions toolkit escaping, and visible escapes for terminal controls', () => {
  assert.is(escapeData('100% done\r\nnext'), '100%25 done%0D%0Anext');
  assert.is(escapeProperty('a:b,c%d\r\ne'), 'a%3Ab%2Cc%25d%0D%0Ae');
  assert.is(escapeData('::error::x'), '::error::x', 'a message may hold ::, it cannot start a line');
  assert.is(escapeData('red \u001b[31m and \u202e'), 'red \\x1b[31m and \\u202e');
});

test('github and sarif: a diagnostic without a file has no location; without a line, no position', () => {
  const ds: Diagnostic[] = [
    diagnostic('internal', 'no file here'),
    warning('unknown-type', 'a file, no line', { file: 'dir/a b.yaml' }),
    diagnostic('schema-violation', 'a line, no column', { file: 'x.yaml', line: 3 }, { hint: 'a hint' }),
  ];
  const out = renderGithub(ds, { cwd: '/repo', summary: '2 errors in 1 document read' });
  assert.is(
    out,
    [
      '::error title=internal::no file here',
      '::warning file=dir/a b.yaml,title=unknown-type::a file, no line',
      '::error file=x.yaml,line=3,title=schema-violation::a line, no column (hint: a hint)',
      '2 errors in 1 document read',
      '',
    ].join('\n'),
  );
  assert.is(renderGithub([], {}), '');

  const log = sarifLog(ds, { cwd: '/repo' });
  assertSarifValid(log);
  const results = log.runs[0]!.results!;
  assert.is(results[0]!.locations, undefined);
  assert.equal(results[1]!.locations![0]!.physicalLocation, { artifactLocation: { uri: 'dir/a%20b.yaml', index: 0 } });
  assert.equal(results[2]!.locations![0]!.physicalLocation!.region, { startLine: 3 });
  assert.is(results[2]!.message.text, 'a line, no column — hint: a hint');
  assert.equal(log.runs[0]!.tool.driver.rules!.map((r) => r.id), ['internal', 'schema-violation', 'unknown-type']);
});

test('sarif: artifact URIs are relative, with forward slashes, percent-encoded where a URI must be', () => {
  assert.is(artifactUri('/repo/policies/a.yaml', '/repo'), 'policies/a.yaml');
  assert.is(artifactUri('policies/a.yaml', '/repo'), 'policies/a.yaml');
  assert.is(artifactUri('/elsewhere/a.yaml', '/repo'), '../elsewhere/a.yaml');
  assert.is(artifactUri('/repo/host a, b: c.yaml', '/repo'), 'host%20a,%20b%3A%20c.yaml');
  assert.is(artifactUri('/repo/50%+#?ü\\.yaml', '/repo'), '50%25%2B%23%3F%C3%BC%5C.yaml');
  assert.is(artifactUri('/repo/lone\uD800.yaml', '/repo'), 'lone%EF%BF%BD.yaml');
});

test('sarif: every error code has a rule description', () => {
  assert.equal(Object.keys(RULE_DESCRIPTIONS).sort(), [...ERROR_CODES].sort());
  for (const text of Object.values(RULE_DESCRIPTIONS)) assert.ok(text.length > 0 && text.length < 100 && !text.includes('\n'), text);
  // Every code as a rule of one log: the log is still schema-valid.
  assertSarifValid(sarifLog(ERROR_CODES.map((code) => diagnostic(code, code, { file: 'f.yaml', line: 1, col: 1 }))));
});

test.run();
