// Hardening of the load stage (issue 11, items 1, 5, 7 and the loading part
// of 9): pipes are read to their end, whatever the route; entries of a
// directory are read only when regular files; inputs that used to take
// quadratic time finish in linear time with their errors capped; documents
// whose values would not fit in memory are refused, coded, before any value is
// built. Big inputs are generated here, in a temporary directory, and removed.
// Time bounds are generous: they prove termination, not speed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { DEFAULT_LIMITS, hostFromDocument, parseJsonLine, parseText, validateDocument, type Diagnostic } from '../src/index.js';
import { jsonValuesOver, scanJson } from '../src/json-text.js';
import { readBounded } from '../src/load.js';
import { ROOT } from './helpers.js';

const BIN = path.join(ROOT, 'bin/run.js');
const HOST_A = path.join(ROOT, 'examples/host-a.yaml');
const HOST_B = path.join(ROOT, 'examples/host-b.yaml');
const HOST_C = path.join(ROOT, 'examples/host-c.yaml');
const BASE_POLICY = path.join(ROOT, 'policies/vfio-mdev.yaml');
const dir = mkdtempSync(path.join(tmpdir(), 'mdev-hardening-load-'));
const NATIVE_TRACE = /node::|v8::|^\s+at .+:\d+:\d+\)?$/m;
const MIB = 1024 * 1024;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The CLI in a child process, killed after `timeout` ms (status null then). */
function cli(args: readonly string[], { input, timeout = 60_000, node = [] }: { input?: string; timeout?: number; node?: string[] } = {}): Run {
  const started = Date.now();
  const r = spawnSync(process.execPath, [...node, BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout,
    maxBuffer: 256 * MIB,
    ...(input === undefined ? {} : { input }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/** A FIFO and a writer process that writes `text` into it in 30 KB pieces, pausing between them. */
function fifoWith(name: string, text: string): { file: string; writer: ChildProcess } {
  const file = path.join(dir, name);
  const src = path.join(dir, `${name}.src`);
  writeFileSync(src, text);
  spawnSync('mkfifo', [file]);
  const writer = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('fs'); const b = fs.readFileSync(process.argv[1]); const fd = fs.openSync(process.argv[2], 'w');
       for (let o = 0; o < b.length; o += 30000) { fs.writeSync(fd, b.subarray(o, o + 30000)); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); }
       fs.closeSync(fd);`,
      src,
      file,
    ],
    { stdio: 'ignore' },
  );
  return { file, writer };
}

function stop(writer: ChildProcess): void {
  if (writer.exitCode === null) writer.kill();
}

/** The shipped base policy, then 1,500 checks that decide nothing, then one that refuses host-b for host-a: well past 64 KiB. */
function bigPolicy(): string {
  let text = readFileSync(BASE_POLICY, 'utf8').trimEnd();
  for (let i = 0; i < 1500; i++) {
    text += `\n    - id: pad-${i}\n      description: a check that decides nothing, here to push the policy past one pipe buffer\n      attribute: pad_${i}\n      match: ignore`;
  }
  return `${text}\n    - id: exact-version\n      attribute: software_version\n      match: equal\n`;
}

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^\S.*: [a-z-]+: /.test(l));
}

// --- item 1: every reader reads a pipe to its end ---------------------------

test('a policy over 64 KiB whose last check refuses: incompatible from a file, a FIFO and /dev/stdin alike', async () => {
  const policy = bigPolicy();
  assert.ok(policy.length > 200 * 1024);
  const file = path.join(dir, 'big-policy.yaml');
  writeFileSync(file, policy);
  const args = (p: string) => ['eval', '-s', HOST_A, '-d', HOST_B, '-p', p, '--format', 'json'];
  const regular = cli(args(file));
  assert.is(regular.status, 1, regular.stderr);
  const { file: fifo, writer } = fifoWith('policy-fifo', policy);
  try {
    const piped = cli(args(fifo), { timeout: 30_000 });
    assert.is(piped.status, 1, piped.stderr);
    assert.equal(JSON.parse(piped.stdout).destinations, JSON.parse(regular.stdout).destinations);
    assert.match(piped.stdout, /exact-version/);
  } finally {
    stop(writer);
  }
  const stdin = cli(args('/dev/stdin'), { input: policy });
  assert.is(stdin.status, 1, stdin.stderr);
  assert.match(stdin.stdout, /exact-version/);
});

test('a pipe longer than --max-bytes is refused: input-too-large, exit 2', () => {
  const policy = bigPolicy();
  const r = cli(['eval', '-s', HOST_A, '-d', HOST_B, '-p', '/dev/stdin', '--max-bytes', '100000'], { input: policy });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^\/dev\/stdin: input-too-large: document is larger than 100000 bytes/m);
  assert.not.match(r.stderr, NATIVE_TRACE);
  const { file, writer } = fifoWith('too-long-fifo.yaml', policy);
  try {
    const f = cli(['validate', file, '--max-bytes', '100000'], { timeout: 30_000 });
    assert.is(f.status, 2, f.stderr);
    assert.match(f.stdout, /input-too-large/);
  } finally {
    stop(writer);
  }
});

test('hosts, inventories, overlays, suites and imports are read to the end of a pipe too', () => {
  const pad = 'x'.repeat(100 * 1024);
  const hostB = parse(readFileSync(HOST_B, 'utf8')) as { metadata: Record<string, unknown> };
  // Host: the description comes first, so the types come after the first 64 KiB.
  const bigHost = JSON.stringify({ ...hostB, metadata: { ...hostB.metadata, description: pad } });
  const dest = cli(['eval', '-s', HOST_A, '-d', '/dev/stdin'], { input: bigHost });
  assert.is(dest.status, 0, dest.stderr);
  const source = cli(['eval', '-s', '/dev/stdin', '-d', HOST_B], { input: readFileSync(HOST_A, 'utf8') + `# ${pad}\n` });
  assert.is(source.status, 0, source.stderr);

  // NDJSON through a FIFO: three hosts of ~40 KB each, every one decided.
  const line = (name: string) => JSON.stringify({ ...hostB, metadata: { ...hostB.metadata, name, description: 'y'.repeat(40_000) } });
  const { file: ndjson, writer } = fifoWith('fleet-fifo.ndjson', ['n1', 'n2', 'n3'].map(line).join('\n'));
  try {
    const r = cli(['eval', '-s', HOST_A, '-d', ndjson, '--format', 'ndjson'], { timeout: 30_000 });
    assert.is(r.status, 0, r.stderr);
    const hosts = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; host?: string }).filter((l) => l.kind === 'DestinationResult').map((l) => l.host);
    assert.equal(hosts, ['n1', 'n2', 'n3']);
  } finally {
    stop(writer);
  }

  // Overlay: the shipped mtty overlay, padded with a comment before it.
  const overlay = `# ${pad}\n${readFileSync(path.join(ROOT, 'policies/vendors/mtty-sample.yaml'), 'utf8')}`;
  const mtty = path.join(ROOT, 'policies/hosts/mtty-src.yaml');
  const ov = cli(['policy', 'show', '-p', BASE_POLICY, '-o', '/dev/stdin', '-t', 'mtty-1'], { input: overlay });
  assert.is(ov.status, 0, ov.stderr);
  assert.match(ov.stdout, /port-count/);

  // Test suite: 400 passing cases, then one that fails.
  const good = { name: 'same', source: { file: mtty }, destination: { file: path.join(ROOT, 'policies/hosts/mtty-dst.yaml') }, expect: { compatible: true } };
  const cases = Array.from({ length: 400 }, (_, i) => ({ ...good, name: `same host type, case ${i} ${'z'.repeat(100)}` }));
  cases.push({ ...good, name: 'the last case fails', expect: { compatible: false, failing: ['device-api'] } } as typeof good);
  const suite = JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'TestSuite', metadata: { name: 'big' }, spec: { policy: BASE_POLICY, overlays: [path.join(ROOT, 'policies/vendors/mtty-sample.yaml')], cases } });
  assert.ok(suite.length > 100 * 1024);
  const { file: suiteFifo, writer: suiteWriter } = fifoWith('suite-fifo.test.json', suite);
  try {
    const r = cli(['test', suiteFifo], { timeout: 60_000 });
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /400 passed, 1 failed/);
  } finally {
    stop(suiteWriter);
  }

  // Import: mdevctl's JSON with 1,000 types; the last one must be in the Host written.
  const types = Array.from({ length: 1000 }, (_, i) => ({ [`vfio_ap-type${i}`]: { available_instances: 1, device_api: 'vfio-ap', name: `type ${i} ${'w'.repeat(60)}` } }));
  const dump = JSON.stringify([{ matrix: types }]);
  assert.ok(dump.length > 100 * 1024);
  const imp = cli(['import', 'mdevctl', '/dev/stdin', '--name', 'big', '--json'], { input: dump });
  assert.is(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, /vfio_ap-type999/);
});

// --- item 7: a directory's entries are read only when regular files ------------

test('--dest DIR: links to a FIFO and to /dev/zero are refused, coded; both good hosts are decided; exit 2, promptly', () => {
  const fleet = path.join(dir, 'fleet-dir');
  mkdirSync(fleet);
  writeFileSync(path.join(fleet, 'a-good.yaml'), readFileSync(HOST_B));
  writeFileSync(path.join(fleet, 'd-good.yaml'), readFileSync(HOST_C));
  const fifo = path.join(dir, 'nobody-writes-here');
  spawnSync('mkfifo', [fifo]);
  symlinkSync(fifo, path.join(fleet, 'b-fifo.yaml'));
  symlinkSync('/dev/zero', path.join(fleet, 'c-zero.json'));
  symlinkSync(fifo, path.join(fleet, 'e-fifo.ndjson'));
  const r = cli(['eval', '-s', HOST_A, '-d', fleet, '--format', 'ndjson'], { timeout: 30_000 });
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
  assert.is(r.status, 2, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; host?: string; destinations?: number; errors?: Diagnostic[] });
  assert.equal(lines.filter((l) => l.kind === 'DestinationResult').map((l) => l.host), ['host-b', 'host-c']);
  const summary = lines[lines.length - 1]!;
  assert.is(summary.destinations, 2);
  assert.equal(
    summary.errors!.map((e) => [e.code, path.basename(e.file!)]),
    [
      ['file-unreadable', 'b-fifo.yaml'],
      ['file-unreadable', 'c-zero.json'],
      ['file-unreadable', 'e-fifo.ndjson'],
    ],
  );
  assert.match(summary.errors![0]!.message, /fifo, not a regular file/);
  assert.match(summary.errors![1]!.message, /character device, not a regular file/);
  assert.not.match(r.stderr, NATIVE_TRACE);
});

test('a FIFO inside a directory is refused at once by the reader; named, it is read', async () => {
  const fifo = path.join(dir, 'listed-fifo');
  spawnSync('mkfifo', [fifo]);
  const started = Date.now();
  const refused = await readBounded(fifo, 1000);
  assert.is(refused.ok, false);
  assert.is(refused.errors[0]!.code, 'file-unreadable');
  assert.ok(Date.now() - started < 5000);
  const { file, writer } = fifoWith('named-fifo', 'hello');
  try {
    const read = await readBounded(file, 1000, { named: true });
    assert.is(read.ok && read.value.toString(), 'hello');
  } finally {
    stop(writer);
  }
});

// --- item 5: linear time, errors capped -----------------------------------------

const uuid = (i: number) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;

function manyDevicesHost(n: number): string {
  const devices: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) devices[uuid(i)] = { type: 'mtty-1' };
  return JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: 'many' }, spec: { parents: { mtty: { types: { 'mtty-1': { name: 'x', device_api: 'vfio-pci', available_instances: 100_000 } }, devices } } } });
}

test('a 10,000-device JSON host: decided as a destination, refused (coded) as a source, in bounded time', () => {
  const file = path.join(dir, 'devices.json');
  writeFileSync(file, manyDevicesHost(10_000));
  const src = path.join(dir, 'one-mtty.json');
  writeFileSync(src, JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: 'src' }, spec: { parents: { mtty: { types: { 'mtty-1': { name: 'x', device_api: 'vfio-pci', available_instances: 1 } }, devices: { [uuid(99_999)]: { type: 'mtty-1' } } } } } }));
  const asDest = cli(['eval', '-s', src, '-d', file]);
  assert.ok(asDest.ms < 20_000, `took ${asDest.ms} ms`);
  assert.is(asDest.status, 0, asDest.stderr);
  const asSource = cli(['eval', '-s', file, '-d', src]);
  assert.ok(asSource.ms < 20_000, `took ${asSource.ms} ms`);
  assert.is(asSource.status, 2);
  assert.match(asSource.stderr, /input-too-large: 10000 source devices/);
  const valid = cli(['validate', file]);
  assert.is(valid.status, 0, valid.stderr);
  assert.ok(valid.ms < 20_000);
});

test('a YAML map of 100,000 keys (930 KB): a coded error at once by default; parsed in linear time when allowed; a duplicate key at its end found', () => {
  const keys = Array.from({ length: 100_000 }, (_, i) => `k${i.toString(36)}: x`);
  const text = `apiVersion: mdev-policy/v1\nkind: Host\nmetadata: { name: keys }\nspec:\n  parents:\n    p:\n      types:\n        t: {${keys.join(', ')}}\n`;
  assert.ok(text.length > 900_000 && text.length < 1024 * 1024);
  const file = path.join(dir, 'keys.yaml');
  writeFileSync(file, text);
  const r = cli(['validate', file]);
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
  assert.is(r.status, 2);
  assert.match(r.stdout + r.stderr, /keys\.yaml:8:\d+: input-too-large: more than 100000 items in one YAML document/);
  const limits = { ...DEFAULT_LIMITS, maxYamlItems: 1_000_000 };
  let started = Date.now();
  const parsed = parseText(text, 'keys.yaml', limits);
  assert.ok(parsed.ok, parsed.errors.map((e) => e.message).join());
  assert.ok(validateDocument(parsed.value!).ok);
  assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  started = Date.now();
  const dupText = text.replace(/\}\n$/, ', k0: y}\n');
  const dup = parseText(dupText, 'keys.yaml', limits);
  assert.ok(Date.now() - started < 20_000);
  const at = dupText.lastIndexOf('k0: y');
  assert.equal(dup.errors.map((e) => [e.code, e.line, e.col, e.message]), [['duplicate-key', 8, at - dupText.lastIndexOf('\n', at), 'duplicate key `k0`']]);
});

test('16,000 schema errors: exit 2 in bounded time, 100 reported and one line counting the rest', () => {
  const types: Record<string, unknown> = {};
  for (let i = 0; i < 16_000; i++) types[`t${i}`] = { x: [1] };
  const file = path.join(dir, 'errors.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: 'errs' }, spec: { parents: { p: { types } } } }));
  const r = cli(['validate', file]);
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
  assert.is(r.status, 2);
  // validate prints its findings on stdout.
  const lines = errorLines(r.stdout);
  assert.is(lines.length, 101);
  assert.is(lines.filter((l) => /schema-violation: `x` must be a string/.test(l)).length, 100);
  assert.match(lines[100]!, /schema-violation: … and 15900 more errors in this document$/);
  assert.match(r.stdout, /101 errors in 1 document read/);
  assert.not.match(r.stdout + r.stderr, NATIVE_TRACE);
});

test('20,000 bad checks in a policy (each validated by a referenced schema): exit 2 in bounded time', () => {
  const file = path.join(dir, 'bad-checks.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Policy', metadata: { name: 'p', version: '1.0.0' }, spec: { defaultMode: 'strict', modes: { strict: {} }, checks: Array(20_000).fill({ id: 'x', match: 'nope' }) } }));
  const r = cli(['eval', '-s', HOST_A, '-d', HOST_B, '-p', file]);
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
  assert.is(r.status, 2);
  assert.is(errorLines(r.stderr).length, 101);
  assert.match(r.stderr, /… and \d+ more errors in this document/);
});

test('a host of 10,000 repeated or unknown-type devices: 100 diagnostics of each kind and a count, in bounded time', () => {
  const devices: Record<string, unknown> = {};
  for (let i = 0; i < 10_000; i++) devices[uuid(i)] = { type: 'missing' };
  // Parent b lists every device of parent a again: 10,000 errors; a's devices name a type it lacks: 10,000 warnings.
  const types = { 'mtty-1': { device_api: 'vfio-pci' } };
  const text = JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: 'h' }, spec: { parents: { a: { types, devices }, b: { types, devices: Object.fromEntries(Object.keys(devices).map((k) => [k, { type: 'mtty-1' }])) } } } });
  const started = Date.now();
  const host = hostFromDocument(parseText(text, 'h.json').value!);
  assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  assert.is(host.errors.length, 101);
  assert.match(host.errors[100]!.message, /… and 9900 more errors/);
  assert.is(host.warnings.length, 101);
  assert.is(host.warnings[100]!.severity, 'warning');
  assert.match(host.warnings[100]!.message, /… and 9900 more warnings/);
});

test('10,000 checks reusing one id: positions through an index, 100 errors and a count, in bounded time', () => {
  const checks = Array.from({ length: 20_000 }, (_, i) => ({ id: i % 2 === 0 ? 'same' : `c${i}`, attribute: `a${i}`, match: 'equal' }));
  const file = path.join(dir, 'same-ids.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Policy', metadata: { name: 'p', version: '1.0.0' }, spec: { defaultMode: 'strict', modes: { strict: {} }, checks } }, null, 1));
  const r = cli(['validate', file]);
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
  assert.is(r.status, 2);
  const lines = errorLines(r.stdout);
  assert.is(lines.length, 101);
  assert.match(lines[0]!, /same-ids\.json:\d+:\d+: duplicate-check: /);
  assert.match(lines[100]!, /… and 9899 more errors in this document$/);
});

test('positions found through the index are those a scan finds', () => {
  const doc = { a: [1, { b: 'x', 'c/d': [true, null] }], e: { f: { g: 2 } }, '': 3 };
  const text = JSON.stringify(doc, null, 2);
  const loaded = parseText(text, 'p.json').value!;
  const paths: (string | number)[][] = [['a', 1, 'c/d', 1], ['a', 0], ['e', 'f', 'g'], ['e', 'x'], ['a', 7], ['a', '01'], [''], []];
  // The first 16 positions are scans; ask that many first, then compare the indexed answers with them.
  const scanned = paths.map((p) => [loaded.locate(p), loaded.locate(p, true), loaded.sourceText(p)]);
  for (let k = 0; k < 16; k++) loaded.locate(['a']);
  assert.equal(paths.map((p) => [loaded.locate(p), loaded.locate(p, true), loaded.sourceText(p)]), scanned);
  assert.equal(scanned[0]![0], { file: 'p.json', line: 8, col: 9 });
});

// --- item 9 (loading): values bounded per document, before they are built ------

test('a 64 MiB NDJSON line of `{},` and a 64 MiB map of empty maps: coded input-too-large, exit 2, no native trace, in a 512 MiB heap', () => {
  const objects = path.join(dir, 'objects.ndjson');
  const n = Math.floor((64 * MIB - 3) / 3);
  writeFileSync(objects, `[${'{},'.repeat(n - 1)}{}]\n`);
  const small = ['--max-old-space-size=512'];
  const a = cli(['eval', '-s', HOST_A, '-d', objects], { node: small });
  rmSync(objects);
  assert.is(a.status, 2, a.stderr.slice(0, 2000));
  assert.match(a.stderr, /objects\.ndjson:1:\d+: input-too-large: more than 250000 values in one document/);
  assert.not.match(a.stderr, NATIVE_TRACE);
  assert.ok(a.ms < 60_000, `took ${a.ms} ms`);

  const map = path.join(dir, 'map.json');
  const parts: string[] = [];
  let size = 2;
  for (let i = 0; size < 64 * MIB - 40; i++) {
    const member = `"${i.toString(36)}":{}`;
    parts.push(member);
    size += member.length + 1;
  }
  writeFileSync(map, `{${parts.join(',')}}`);
  parts.length = 0;
  const b = cli(['eval', '-s', HOST_A, '-d', map], { node: small });
  rmSync(map);
  assert.is(b.status, 2, b.stderr.slice(0, 2000));
  assert.match(b.stderr, /map\.json:1:\d+: input-too-large: more than 250000 values in one document/);
  assert.not.match(b.stderr, NATIVE_TRACE);
  assert.ok(b.ms < 60_000, `took ${b.ms} ms`);
});

test('a 630 KB YAML whose aliases expand to a million types: coded input-too-large before it is materialised', () => {
  let text = 'apiVersion: mdev-policy/v1\nkind: Host\nmetadata: {name: bomb}\nspec:\n  parents:\n';
  for (let a = 0; a < 100; a++) {
    text += `    a${a}:\n      types: &t${a}\n`;
    for (let i = 0; i < 100; i++) text += `        t${i}: {device_api: vfio-pci}\n`;
  }
  for (let a = 0; a < 100; a++) for (let u = 0; u < 99; u++) text += `    p${a}x${u}: {types: *t${a}}\n`;
  assert.ok(text.length > 600_000 && text.length < 1024 * 1024);
  const file = path.join(dir, 'aliases.yaml');
  writeFileSync(file, text);
  const r = cli(['eval', '-s', HOST_A, '-d', file], { node: ['--max-old-space-size=512'] });
  assert.is(r.status, 2, r.stderr.slice(0, 2000));
  assert.match(r.stderr, /aliases\.yaml:\d+:\d+: input-too-large: more than 250000 values in one document once its aliases are expanded/);
  assert.not.match(r.stderr, NATIVE_TRACE);
  assert.ok(r.ms < 60_000, `took ${r.ms} ms`);
});

test('alias counting: each alias counts what it names; an alias inside its own anchor is endless; depth through aliases', () => {
  const limits = (o: Partial<typeof DEFAULT_LIMITS>) => ({ ...DEFAULT_LIMITS, ...o });
  // 1 root + a + b + two copies of a's scalar: 5 values.
  assert.ok(parseText('a: &x 1\nb: [*x, *x]\n', 'v.yaml', limits({ maxValues: 5 })).ok);
  assert.equal(parseText('a: &x 1\nb: [*x, *x]\n', 'v.yaml', limits({ maxValues: 4 })).errors.map((e) => [e.code, e.line, e.col]), [['input-too-large', 2, 9]]);
  assert.equal(parseText('a: &a [*a]\n', 'c.yaml').errors.map((e) => [e.code, e.line, e.col]), [['input-too-large', 1, 8]]);
  // a's innermost list is 3 below it; through b's alias, 6 + 3 = 9 levels, then 10.
  assert.ok(parseText('a: &x [[[[1]]]]\nb: [[[[[*x]]]]]\n', 'd.yaml', limits({ maxDepth: 10 })).ok);
  assert.equal(parseText('a: &x [[[[1]]]]\nb: [[[[[[*x]]]]]]\n', 'd.yaml', limits({ maxDepth: 10 })).errors.map((e) => [e.code, e.line]), [['input-too-large', 2]]);
});

test('jsonValuesOver counts exactly the values JSON.parse builds; scanJson finds a path or its deepest ancestor', () => {
  const count = (v: unknown): number => (v === null || typeof v !== 'object' ? 1 : 1 + (Array.isArray(v) ? v : Object.values(v as object)).reduce((a: number, x) => a + count(x), 0));
  const samples = ['0', '[]', '{}', '[[]]', '[{}, {}]', '{"a": {}, "b": [1, "x,y[{", {"c": null}]}', ' [ 1 , [ ] , { } , "\\"," ] ', '{"k\\"": [true, false, {"z": []}]}'];
  for (const s of samples) {
    const n = count(JSON.parse(s));
    assert.is(jsonValuesOver(s, n), undefined, s);
    assert.ok(jsonValuesOver(s, n - 1) !== undefined, s);
  }
  const text = '{"a": {"b": [10, {"c": 20}]}, "d": 1}';
  assert.equal(scanJson(text, Infinity, ['a', 'b', 1, 'c']).found, { offset: text.indexOf('20'), keyOffset: text.indexOf('"c"'), depth: 4 });
  assert.is(scanJson(text, Infinity, ['a', 'b', 5]).found!.depth, 2);
  assert.is(scanJson(text, Infinity, ['a', 'x', 'y']).found!.offset, text.indexOf('{"b"'));
  // An NDJSON line over the value limit is refused at the value that passes it.
  const line = parseJsonLine('[0,0,0,0]', 'f.ndjson', 3, { ...DEFAULT_LIMITS, maxValues: 3 });
  assert.equal(line.errors.map((e) => [e.code, e.line, e.col]), [['input-too-large', 3, 5]]);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
