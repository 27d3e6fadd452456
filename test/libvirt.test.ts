// The VM as the source (eval --domain, table cases in test/cases/domains.yaml),
// the executable claim plan (golden script; run under a fake mdevctl that
// records its arguments and keeps state, twice), the domain XML rewritten for
// a destination (golden), annotate → hook round trips, and the metadata
// round trip (property: the same decision from the facts in the XML as from
// the source host itself).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from './cli.js';
import { hostFrom, readCases, ROOT, unstamped } from './helpers.js';
import { annotateDomain, evaluate, loadHost, loadPolicySet, parseDomain, readSourceFacts, DEFAULT_LIMITS, type Decision } from '../src/index.js';

const D = 'test/fixtures/domains';
const at = (f: string) => (f.startsWith('examples/') ? f : path.join(D, f));
const noTrace = (s: string) => assert.not.match(s, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
const coded = (stderr: string) => [...stderr.matchAll(/^(\S+?):(\d+):(\d+): (?:warning )?([a-z-]+): /gm)].map((m) => [m[4], path.relative(D, m[1]!), Number(m[2]), Number(m[3])]);

interface DomainCase {
  name: string;
  command: 'eval' | 'annotate';
  domain?: string;
  source: string;
  dest?: string[];
  flags?: string[];
  expect: number;
  devices?: [string, string][];
  vm?: Record<string, string>;
  compatible?: string[];
  failing?: string[];
  reasonCode?: string;
  errors?: [string, string, number, number][];
  usage?: boolean;
}

for (const c of readCases<DomainCase>('domains.yaml')) {
  test(`domains: ${c.name}`, () => {
    const args = [c.command, '--source', at(c.source), ...(c.domain ? ['--domain', at(c.domain)] : []), ...(c.dest ?? []).flatMap((d) => ['--dest', at(d)]), ...(c.flags ?? [])];
    const r = cli(c.command === 'eval' ? [...args, '--format', 'json'] : args);
    noTrace(r.stderr);
    assert.is(r.status, c.expect, r.stderr);
    if (c.errors) {
      assert.is(r.stdout, '');
      assert.equal(coded(r.stderr), c.errors, r.stderr);
      return;
    }
    if (c.usage) {
      assert.match(r.stderr, /^usage: /m);
      return;
    }
    if (c.command === 'annotate') {
      const back = parseDomain(r.stdout, 'annotated.xml', 64);
      assert.ok(back.ok && readSourceFacts(back.value, DEFAULT_LIMITS).value, 'the annotated XML carries the facts');
      return;
    }
    const decision = JSON.parse(r.stdout) as Decision;
    if (c.devices) assert.equal(decision.source.devices.map((d) => [d.uuid, d.type]), c.devices);
    if (c.vm) assert.equal(decision.source.vm, c.vm);
    if (c.compatible) assert.equal(decision.destinations.filter((d) => d.compatible).map((d) => d.host), c.compatible);
    if (c.reasonCode) assert.equal(decision.destinations.map((d) => d.reasonCode), [c.reasonCode]);
    if (c.failing) {
      const failed = new Set(decision.destinations.flatMap((d) => d.candidates.flatMap((k) => k.checks.filter((x) => x.result === 'fail' && x.severity !== 'warning').map((x) => x.id))));
      assert.equal([...failed].sort(), c.failing);
    }
  });
}

// --- the plan ----------------------------------------------------------------

/** Decision id and times vary from run to run; everything else of a plan or an XML is pinned. */
const unstampedText = (s: string) =>
  s
    .replace(/decision [0-9a-f-]{36} at \S+/g, 'decision ID at TIME')
    .replace(/written="[^"]*"/g, 'written="TIME"')
    .replace(/by="mdev-policy [^"]*"/g, 'by="mdev-policy VERSION"')
    .replace(/by mdev-policy \S+/g, 'by mdev-policy VERSION');

function golden(name: string, actual: string): void {
  const file = path.join(ROOT, 'test/golden/libvirt', name);
  const text = unstampedText(actual);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, text);
  assert.fixture(text, readFileSync(file, 'utf8'));
}

test('plan: golden script for the GVT-g guest (first compatible destination)', () => {
  const r = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-c.yaml', '-d', 'examples/host-b.yaml', '--domain', at('gvt-g.xml'), '--format', 'plan']);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  golden('plan-gvt-g.sh', r.stdout);
});

test('plan: golden script for two vGPUs and for an s390 guest (repeated vfio-ap attributes, one modify each, in order)', () => {
  const nv = cli(['eval', '-s', at('hosts/vgpu-src.yaml'), '-d', at('hosts/vgpu-dst-ok.yaml'), '--domain', at('nvidia.xml'), '--format', 'plan']);
  assert.is(nv.status, 0, nv.stderr);
  golden('plan-nvidia.sh', nv.stdout);
  const s390 = cli(['eval', '-s', at('hosts/s390-src.yaml'), '-d', at('hosts/s390-dst.yaml'), '--domain', at('s390.xml'), '--format', 'plan']);
  assert.is(s390.status, 0, s390.stderr);
  golden('plan-s390.sh', s390.stdout);
});

test('plan: --to a refused destination is exit 1, nothing on stdout, the failing check named; --to an unknown host is a usage error', () => {
  const refused = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/', '--domain', at('gvt-g.xml'), '--format', 'plan', '--to', 'HOST-C']);
  assert.is(refused.status, 1, refused.stderr);
  assert.is(refused.stdout, '');
  assert.match(refused.stderr, /^host-c cannot take the VM: .*software-version/m);
  const none = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--domain', at('gvt-g.xml'), '--format', 'plan', '--to', 'nowhere']);
  assert.is(none.status, 2);
  assert.match(none.stderr, /^usage: no destination named `nowhere`/m);
  const self = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--domain', at('gvt-g.xml'), '--format', 'plan', '--to', 'host-a']);
  assert.is(self.status, 2);
  const named = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/', '--domain', at('gvt-g.xml'), '--format', 'plan', '--to', 'host-b']);
  assert.is(named.status, 0, named.stderr);
  assert.match(named.stdout, /^# mdev-policy claim plan for host-b:/m);
  const nothing = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-c.yaml', '--domain', at('gvt-g.xml'), '--format', 'plan']);
  assert.is(nothing.status, 1);
  assert.is(nothing.stdout, '');
  assert.match(nothing.stderr, /^no plan: host-c cannot take the VM: .*software-version/m, 'one destination: its own reason');
  const neither = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-c.yaml', '-d', at('hosts/vgpu-dst-bad.yaml'), '--domain', at('gvt-g.xml'), '--format', 'plan']);
  assert.is(neither.status, 1);
  assert.match(neither.stderr, /^no plan: none of the 2 destinations decided can take every device$/m);
});

/** A fake mdevctl: records each call's arguments (one JSON array per line) and keeps the devices it defined and started. */
function fakeMdevctl(): { dir: string; log: string; state: string; calls(): string[][] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdevctl-'));
  const log = path.join(dir, 'calls.ndjson');
  const state = path.join(dir, 'state.json');
  const bin = path.join(dir, 'mdevctl');
  writeFileSync(
    bin,
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n');
const file = ${JSON.stringify(state)};
const st = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
const opt = (n) => { for (let i = 0; i < args.length; i++) { if (args[i].startsWith('--' + n + '=')) return args[i].slice(n.length + 3); if (args[i] === '--' + n) return args[i + 1]; } };
const u = opt('uuid'), d = st[u];
switch (args[0]) {
  case 'list': {
    const defined = args.includes('--defined');
    if (d && (defined || d.running) && (!opt('parent') || opt('parent') === d.parent)) process.stdout.write(u + ' ' + d.parent + ' ' + d.type + ' auto' + (defined ? (d.running ? ' (active)' : '') : ' (defined)') + '\\n');
    break;
  }
  case 'define': st[u] = { parent: opt('parent'), type: opt('type'), attrs: [], running: false }; break;
  case 'undefine': delete st[u]; break;
  case 'modify': d.attrs.push([opt('addattr'), opt('value')]); break;
  case 'start': d.running = true; break;
  default: process.exit(3);
}
fs.writeFileSync(file, JSON.stringify(st));
`,
  );
  chmodSync(bin, 0o755);
  return { dir, log, state, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : []) };
}

const runScript = (script: string, fake: { dir: string }) =>
  spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${fake.dir}:/usr/bin:/bin`, HOME: fake.dir } });

test('plan: run under a fake mdevctl — hostile values stay one argument each, unexpanded; a second run changes nothing', () => {
  const hostile = "2'; touch /tmp/mdev-policy-pwned; echo '$(id) `id` \"x\" \\ --value=9 *";
  const r = cli(['eval', '-s', at('hosts/hostile-src.yaml'), '-d', 'examples/host-b.yaml', '--domain', at('gvt-g.xml'), '--format', 'plan']);
  assert.is(r.status, 0, r.stderr);
  golden('plan-hostile.sh', r.stdout);
  const fake = fakeMdevctl();
  try {
    rmSync('/tmp/mdev-policy-pwned', { force: true });
    const first = runScript(r.stdout, fake);
    assert.is(first.status, 0, first.stderr);
    const u = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
    const id = ['--uuid', u, '--parent', '0000:00:02.0'];
    assert.equal(fake.calls(), [
      ['list', '--uuid', u],
      ['list', '--defined', ...id],
      ['define', ...id, '--type', 'i915-GVTg_V5_4', '--auto'],
      ['modify', ...id, '--addattr=aggregator', `--value=${hostile}`],
      ['modify', ...id, '--addattr=fps', '--value=-60\n--addattr=x'],
      ['start', ...id],
    ]);
    assert.not.ok(existsSync('/tmp/mdev-policy-pwned'), 'nothing in a value ran');
    const state = JSON.parse(readFileSync(fake.state, 'utf8'));
    assert.equal(state[u].attrs, [['aggregator', hostile], ['fps', '-60\n--addattr=x']]);
    // Again: the device runs as planned, so only the list call is made.
    const before = fake.calls().length;
    const second = runScript(r.stdout, fake);
    assert.is(second.status, 0, second.stderr);
    assert.equal(fake.calls().slice(before), [['list', '--uuid', u]]);
    assert.match(second.stderr, /already runs on 0000:00:02\.0 as i915-GVTg_V5_4: left as it is/);
    // A device of that uuid running as another type stops the script before anything is changed.
    writeFileSync(fake.state, JSON.stringify({ [u]: { parent: '0000:00:02.0', type: 'i915-GVTg_V5_8', attrs: [], running: true } }));
    const clash = runScript(r.stdout, fake);
    assert.is(clash.status, 1);
    assert.match(clash.stderr, /already runs, not as i915-GVTg_V5_4 on 0000:00:02\.0/);
    // A definition left over (not running) is replaced, not appended to.
    writeFileSync(fake.state, JSON.stringify({ [u]: { parent: '0000:00:02.0', type: 'i915-GVTg_V5_4', attrs: [['aggregator', '1']], running: false } }));
    const stale = runScript(r.stdout, fake);
    assert.is(stale.status, 0, stale.stderr);
    assert.equal(JSON.parse(readFileSync(fake.state, 'utf8'))[u].attrs, [['aggregator', hostile], ['fps', '-60\n--addattr=x']]);
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('plan: without mdevctl the script stops before doing anything', () => {
  const r = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--domain', at('gvt-g.xml'), '--format', 'plan']);
  const dir = mkdtempSync(path.join(tmpdir(), 'nomdevctl-'));
  try {
    const run = runScript(r.stdout, { dir });
    assert.is(run.status, 1);
    assert.match(run.stderr, /mdevctl is not installed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// --- the domain XML for the destination ---------------------------------------

test('domain-xml: golden — uuids kept where free, a new (stable) uuid where the destination has the uuid as another device; every other byte kept', () => {
  const kept = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--domain', at('gvt-g.xml'), '--format', 'domain-xml']);
  assert.is(kept.status, 0, kept.stderr);
  assert.is(kept.stdout, readFileSync(at('gvt-g.xml'), 'utf8'), 'nothing to change: the same bytes');
  const moved = cli(['eval', '-s', 'examples/host-a.yaml', '-d', at('hosts/taken-dst.yaml'), '--domain', at('gvt-g.xml'), '--format', 'domain-xml']);
  assert.is(moved.status, 0, moved.stderr);
  golden('domain-taken.xml', moved.stdout);
  const again = cli(['eval', '-s', 'examples/host-a.yaml', '-d', at('hosts/taken-dst.yaml'), '--domain', at('gvt-g.xml'), '--format', 'domain-xml']);
  assert.is(again.stdout, moved.stdout, 'the new uuid is the same every time');
  const plan = cli(['eval', '-s', 'examples/host-a.yaml', '-d', at('hosts/taken-dst.yaml'), '--domain', at('gvt-g.xml'), '--format', 'plan']);
  const newUuid = /address uuid='([0-9a-f-]{36})'/.exec(moved.stdout)![1]!;
  assert.is.not(newUuid, '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001');
  assert.ok(plan.stdout.includes(`mdevctl define --uuid '${newUuid}'`), 'the plan creates the device the XML names');
});

test('domain-xml: the VM device the plan already created on the destination is its own (released, uuid kept); without --domain it takes the instance', () => {
  const withVm = cli(['eval', '-s', 'examples/host-a.yaml', '-d', at('hosts/prepared-dst.yaml'), '--domain', at('gvt-g.xml'), '--format', 'domain-xml']);
  assert.is(withVm.status, 0, withVm.stderr);
  assert.is(withVm.stdout, readFileSync(at('gvt-g.xml'), 'utf8'));
  const without = cli(['eval', '-s', 'examples/host-a.yaml', '-d', at('hosts/prepared-dst.yaml')]);
  assert.is(without.status, 1);
});

test('domain-xml: two vGPUs and the s390 guest, golden', () => {
  const nv = cli(['eval', '-s', at('hosts/vgpu-src.yaml'), '-d', at('hosts/vgpu-dst-ok.yaml'), '--domain', at('nvidia.xml'), '--format', 'domain-xml']);
  assert.is(nv.status, 0, nv.stderr);
  golden('domain-nvidia.xml', nv.stdout);
});

test('eval --domain -: the domain XML from stdin, every format; with --dest - it is a usage error', () => {
  const input = readFileSync(at('gvt-g.xml'), 'utf8');
  for (const format of ['text', 'json', 'ndjson', 'plan', 'domain-xml']) {
    const r = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--domain', '-', '--format', format], { input });
    assert.is(r.status, 0, `${format}: ${r.stderr}`);
    assert.ok(r.stdout.length > 0, format);
  }
  const both = cli(['eval', '-s', 'examples/host-a.yaml', '-d', '-', '--domain', '-'], { input });
  assert.is(both.status, 2);
  assert.match(both.stderr, /^usage: /m);
  const garbage = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--domain', '-'], { input: '\u0000\u0001 not xml' });
  assert.is(garbage.status, 2);
  assert.match(garbage.stderr, /^<stdin>:1:1: yaml-syntax: /m);
  noTrace(garbage.stderr);
});

// --- annotate → hook -------------------------------------------------------------

const hook = (args: string[], input: string) => cli(['hook', 'libvirt-qemu', ...args], { input });

test('annotate → hook: accepted on a compatible destination (exit 0, the XML rewritten: uuid, metadata now describing the destination)', () => {
  const annotated = cli(['annotate', '--domain', at('nvidia.xml'), '--source', at('hosts/vgpu-src.yaml')]);
  assert.is(annotated.status, 0, annotated.stderr);
  assert.match(annotated.stdout, /<metadata>\n\s+<mdev-policy:source xmlns:mdev-policy="urn:mdev-policy:source:1" host="gpu-a"/, 'a <metadata> made where there was none');
  const r = hook(['--host', at('hosts/vgpu-dst-ok.yaml'), '--', 'vm-vgpu', 'migrate', 'begin', '-'], annotated.stdout);
  assert.is(r.status, 0, r.stderr);
  golden('hook-accept-nvidia.xml', r.stdout);
  assert.match(r.stdout, /host="gpu-b"/);
  // The XML the hook printed carries the destination's facts: the next migration is decided from there.
  const next = parseDomain(r.stdout, 'next.xml', 64);
  assert.ok(next.ok);
  assert.is(readSourceFacts(next.value, DEFAULT_LIMITS).value?.name, 'gpu-b');
});

test('annotate → hook: refused on an incompatible destination (non-zero, one line naming the check)', () => {
  const annotated = cli(['annotate', '--domain', at('nvidia.xml'), '--source', at('hosts/vgpu-src.yaml')]);
  const r = hook(['--host', at('hosts/vgpu-dst-bad.yaml'), '--', 'vm-vgpu', 'migrate', 'begin', '-'], annotated.stdout);
  assert.is(r.status, 1);
  assert.is(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^mdev-policy refused the migration of vm-vgpu: .*gpu-c cannot take the VM: .*driver-version/);
});

test('hook: every operation but migrate begin exits 0 at once, prints nothing, reads nothing — whatever the flags or stdin', () => {
  for (const [op, sub] of [['prepare', 'begin'], ['start', 'begin'], ['started', 'begin'], ['stopped', 'end'], ['release', 'end'], ['migrate', 'end'], ['restore', 'begin'], ['reconnect', 'begin'], ['attach', 'begin']]) {
    const r = hook(['--host', 'no/such/file', '--bogus-flag', '--', 'vm', op!, sub!, '-'], 'garbage');
    assert.is(r.status, 0, `${op} ${sub}: ${r.stderr}`);
    assert.is(r.stdout, '');
    assert.is(r.stderr, '');
  }
  // As libvirt calls the linked script: its arguments only.
  const linked = spawnSync(process.execPath, ['bin/libvirt-qemu-hook.js', '--help', 'started', 'begin', '-'], { cwd: ROOT, encoding: 'utf8', input: 'x' });
  assert.is(linked.status, 0);
  assert.is(linked.stdout + linked.stderr, '');
});

test('hook: garbage, no metadata, a bad policy, a missing host — each refuses (exit 2) with one coded line, no stack trace', () => {
  const annotated = cli(['annotate', '--domain', at('gvt-g.xml'), '--source', 'examples/host-a.yaml']).stdout;
  const cases: [string[], string, string][] = [
    [['--host', 'examples/host-b.yaml'], 'not xml at all', 'yaml-syntax'],
    [['--host', 'examples/host-b.yaml'], '', 'yaml-syntax'],
    [['--host', 'examples/host-b.yaml'], readFileSync(at('gvt-g.xml'), 'utf8'), 'missing-metadata'],
    [['--host', 'examples/host-b.yaml'], readFileSync(at('entities.xml'), 'utf8'), 'schema-violation'],
    [['--host', 'examples/host-b.yaml', '--policy', 'test/fixtures/bad-policy.yaml'], annotated, 'schema-violation'],
    [['--host', 'no/such/host.yaml'], annotated, 'file-unreadable'],
    [['--root', 'no/such/root'], annotated, 'file-unreadable'],
    [['--host', 'examples/host-a.yaml'], annotated, 'missing-metadata'],
    [['--host', 'examples/host-b.yaml'], annotated.replace('"aggregator":"2"', '"aggregator":2'), 'schema-violation'],
  ];
  for (const [flags, input, code] of cases) {
    const r = hook([...flags, '--', 'vm-gvt', 'migrate', 'begin', '-'], input);
    assert.is(r.status, 2, `${code}: ${r.stderr}`);
    assert.is(r.stdout, '');
    noTrace(r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`^mdev-policy refused the migration of vm-gvt: error (\\S+: )?${code}: `), r.stderr);
  }
});

test('hook: a VM without mdevs is left alone (exit 0, nothing printed)', () => {
  const r = hook(['--host', 'examples/host-b.yaml', '--', 'vm-nic', 'migrate', 'begin', '-'], readFileSync(at('no-mdev.xml'), 'utf8'));
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout + r.stderr, '');
});

test('hook: the time limit refuses with the timeout code (stdin held open and never closed)', () => {
  const node = JSON.stringify(process.execPath);
  const r = spawnSync('sh', ['-c', `sleep 4 | ${node} bin/run.js hook libvirt-qemu --timeout 1 --host examples/host-b.yaml -- vm migrate begin -`], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^mdev-policy refused the migration of vm: error timeout: no decision within 1 s/m);
});

test('eval --domain without --source: the source host is the one the annotated domain carries; none carried is missing-metadata', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'annotated-'));
  try {
    const file = path.join(dir, 'vm.xml');
    writeFileSync(file, cli(['annotate', '--domain', at('nvidia.xml'), '--source', at('hosts/vgpu-src.yaml')]).stdout);
    const viaXml = cli(['eval', '--domain', file, '-d', at('hosts/vgpu-dst-ok.yaml'), '-d', at('hosts/vgpu-dst-bad.yaml'), '--format', 'json']);
    const direct = cli(['eval', '--domain', file, '-s', at('hosts/vgpu-src.yaml'), '-d', at('hosts/vgpu-dst-ok.yaml'), '-d', at('hosts/vgpu-dst-bad.yaml'), '--format', 'json']);
    assert.is(viaXml.status, 0, viaXml.stderr);
    const strip = (t: string) => {
      const d = JSON.parse(t) as Decision;
      return { ...unstamped(d), destinations: d.destinations.map(({ file: _f, ...rest }) => rest) };
    };
    assert.equal(strip(viaXml.stdout), strip(direct.stdout));
    const none = cli(['eval', '--domain', at('gvt-g.xml'), '-d', 'examples/host-b.yaml']);
    assert.is(none.status, 2);
    assert.equal(coded(none.stderr), [['missing-metadata', 'gvt-g.xml', 1, 1]]);
    const neither = cli(['eval', '-d', 'examples/host-b.yaml']);
    assert.is(neither.status, 2);
    assert.match(neither.stderr, /^usage: /m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('annotate: several mdev-policy elements (or one in a namespace declared on an ancestor) become one; the hook then reads it', () => {
  for (const f of ['two-metadata.xml', 'ns-on-parent.xml']) {
    const once = cli(['annotate', '--domain', at(f), '--source', 'examples/host-a.yaml']);
    assert.is(once.status, 0, once.stderr);
    assert.is((once.stdout.match(/urn:mdev-policy:source:1/g) ?? []).length, f === 'ns-on-parent.xml' ? 2 : 1, once.stdout);
    const back = parseDomain(once.stdout, f, 64);
    assert.ok(back.ok);
    assert.is(readSourceFacts(back.value, DEFAULT_LIMITS).value?.name, 'host-a', f);
    const r = hook(['--host', 'examples/host-b.yaml', '--', 'vm', 'migrate', 'begin', '-'], once.stdout);
    assert.is(r.status, 0, `${f}: ${r.stderr}`);
  }
});

test('hook: libvirt arguments without --, or three of them, are still a migrate begin (a misplaced wrapper never lets a migration through unchecked)', () => {
  const annotated = cli(['annotate', '--domain', at('gvt-g.xml'), '--source', 'examples/host-a.yaml']).stdout;
  for (const args of [
    ['--host', 'examples/host-c.yaml', 'vm', 'migrate', 'begin'],
    ['--host', 'examples/host-c.yaml', 'vm', 'migrate', 'begin', '-'],
    ['--host', 'examples/host-c.yaml', '--', 'vm', 'migrate', 'begin'],
  ]) {
    const r = hook(args, annotated);
    assert.is(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^mdev-policy refused the migration of vm: .*software-version/);
  }
  const badFlag = hook(['--bogus', '--', 'vm', 'migrate', 'begin', '-'], annotated);
  assert.is(badFlag.status, 2);
  assert.match(badFlag.stderr, /^mdev-policy refused the migration of vm: error usage: .*--bogus\n$/);
});

test('the plan ran before: its derived uuid is found again (released, kept), not a second one made; the hook points the VM at it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ran-'));
  try {
    const first = cli(['eval', '-s', 'examples/host-a.yaml', '-d', at('hosts/taken-dst.yaml'), '--domain', at('gvt-g.xml'), '--format', 'plan']);
    const derived = /mdevctl define --uuid '([0-9a-f-]{36})'/.exec(first.stdout)![1]!;
    // host-d after the plan ran: the derived device runs as planned and took the one free V5_4 instance there was.
    const ran = readFileSync(at('hosts/taken-dst.yaml'), 'utf8')
      .replace('available_instances: 2', 'available_instances: 0')
      .replace('        83b8f4f2-509f-382f-3c1e-e6bfe0fa1001:\n          type: i915-GVTg_V5_8', `        83b8f4f2-509f-382f-3c1e-e6bfe0fa1001:\n          type: i915-GVTg_V5_8\n        ${derived}:\n          type: i915-GVTg_V5_4\n          attributes: { aggregator: "2", fps: "60" }`);
    assert.ok(ran.includes(derived));
    writeFileSync(path.join(dir, 'host-d.yaml'), ran);
    const again = cli(['eval', '-s', 'examples/host-a.yaml', '-d', path.join(dir, 'host-d.yaml'), '--domain', at('gvt-g.xml'), '--format', 'plan']);
    assert.is(again.status, 0, again.stderr);
    assert.equal([...again.stdout.matchAll(/mdevctl define --uuid '([0-9a-f-]{36})'/g)].map((m) => m[1]), [derived]);
    const annotated = cli(['annotate', '--domain', at('gvt-g.xml'), '--source', 'examples/host-a.yaml']).stdout;
    const r = hook(['--host', path.join(dir, 'host-d.yaml'), '--', 'vm-gvt', 'migrate', 'begin', '-'], annotated);
    assert.is(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(`<address uuid='${derived}'/>`));
    assert.is(r.stderr, '', 'the device is there: nothing to create');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the VM device already there with other values: refused with or without --domain (plan), in cross-type too', () => {
  const plan = cli(['eval', '-s', 'examples/host-a.yaml', '-d', at('hosts/prepared-wrongattr.yaml'), '--format', 'plan']);
  assert.is(plan.status, 1);
  assert.is(plan.stdout, '');
  assert.match(plan.stderr, /^no plan: host-e cannot take the VM: `83b8f4f2-509f-382f-3c1e-e6bfe0fa1001` already runs here .* with aggregator `1`, not `2`/m);
  const cross = cli(['eval', '-s', 'examples/host-a.yaml', '-d', at('hosts/prepared-wrongattr.yaml'), '--domain', at('gvt-g.xml'), '--mode', 'cross-type', '--format', 'json']);
  assert.is(cross.status, 1);
  assert.equal((JSON.parse(cross.stdout) as Decision).destinations.map((d) => d.reasonCode), ['prepared-mismatch']);
});

test('hook: wrapper shapes — no --, flags after the arguments, a VM named -- or migrate — act on migrate begin only', () => {
  const annotated = cli(['annotate', '--domain', at('gvt-g.xml'), '--source', 'examples/host-a.yaml']).stdout;
  const refusedFor = (vm: string) => new RegExp(`^mdev-policy refused the migration of ${vm}: .*software-version`);
  for (const [args, status, vm] of [
    [['vm', 'migrate', 'begin', '-', '--host', 'examples/host-c.yaml'], 1, 'vm'],
    [['--host', 'examples/host-c.yaml', '--', '--', 'migrate', 'begin', '-'], 1, '--'],
    [['--host', 'examples/host-c.yaml', '--', 'migrate', 'migrate', 'begin', '-'], 1, 'migrate'],
  ] as [string[], number, string][]) {
    const r = hook(args, annotated);
    assert.is(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, refusedFor(vm));
  }
  for (const args of [['vm', 'reconnect', 'begin', '-'], ['vm', 'start', 'begin', '-', '--host', 'x'], ['migrate', 'started', 'begin', '-']]) {
    const r = hook(args, annotated);
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stdout + r.stderr, '');
  }
});

test('domain XML: a byte-order mark is kept in what is written back; a doctype with an internal subset is schema-violation too', () => {
  const input = `\ufeff${readFileSync(at('gvt-g.xml'), 'utf8')}`;
  const same = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--domain', '-', '--format', 'domain-xml'], { input });
  assert.is(same.stdout, input);
  const annotated = cli(['annotate', '--domain', '-', '--source', 'examples/host-a.yaml'], { input });
  assert.ok(annotated.stdout.startsWith('\ufeff<domain'));
  const subset = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--domain', '-'], { input: `<!DOCTYPE domain [ <!ELEMENT domain ANY> ]>\n${readFileSync(at('gvt-g.xml'), 'utf8')}` });
  assert.is(subset.status, 2);
  assert.match(subset.stderr, /^<stdin>:1:1: schema-violation: a doctype is refused/m);
});

test('plan: host and VM names in its comments cannot reorder or hide what is shown (bidi and control characters replaced)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bidi-'));
  try {
    writeFileSync(path.join(dir, 'b.yaml'), readFileSync('examples/host-b.yaml', 'utf8').replace('name: host-b', 'name: "host-\u202eb\u001b[2K"'));
    const r = cli(['eval', '-s', 'examples/host-a.yaml', '-d', path.join(dir, 'b.yaml'), '--domain', at('gvt-g.xml'), '--format', 'plan']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^# mdev-policy claim plan for host-\?b\?\[2K:/m);
    // eslint-disable-next-line no-control-regex
    assert.not.match(r.stdout, /[\u202e\u001b]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('plan: a value with a control or bidi character is not scripted (an escape sequence could hide a line from who reads it)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'esc-'));
  try {
    const src = readFileSync(at('hosts/hostile-src.yaml'), 'utf8').replace('fps: "-60\\n--addattr=x"', 'fps: "60\\u001b[2K\\u001b[1A"');
    assert.ok(src.includes('u001b'), 'the fixture was edited');
    writeFileSync(path.join(dir, 'src.yaml'), src);
    const r = cli(['eval', '-s', path.join(dir, 'src.yaml'), '-d', 'examples/host-b.yaml', '--domain', at('gvt-g.xml'), '--format', 'plan']);
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /schema-violation: a value for device `83b8f4f2-509f-382f-3c1e-e6bfe0fa1001` holds the character U\+001B/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval --domain: more than 64 mdev hostdevs is input-too-large, at once', () => {
  const many = domainWith(Array.from({ length: 65 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`));
  const r = cli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--domain', '-'], { input: many });
  assert.is(r.status, 2);
  assert.match(r.stderr, /^<stdin>:\d+:\d+: input-too-large: more than 64 mdev hostdevs/m);
});

test('annotate: the metadata replaces an earlier one in place (one element per namespace), other metadata kept', () => {
  const once = cli(['annotate', '--domain', at('gvt-g.xml'), '--source', 'examples/host-a.yaml']);
  const dir = mkdtempSync(path.join(tmpdir(), 'annotate-'));
  try {
    writeFileSync(path.join(dir, 'vm.xml'), once.stdout);
    const twice = cli(['annotate', '--domain', path.join(dir, 'vm.xml'), '--source', 'examples/host-a.yaml']);
    assert.is(twice.status, 0);
    assert.is(unstampedText(twice.stdout), unstampedText(once.stdout));
    assert.is((twice.stdout.match(/urn:mdev-policy:source:1/g) ?? []).length, 1);
    assert.match(twice.stdout, /<libosinfo:libosinfo/);
    golden('annotate-gvt-g.xml', once.stdout);
    const element = cli(['annotate', '--domain', at('gvt-g.xml'), '--source', 'examples/host-a.yaml', '--format', 'element']);
    assert.match(element.stdout, /^<mdev-policy:source xmlns:mdev-policy="urn:mdev-policy:source:1" host="host-a" [^>]*>\{.*\}<\/mdev-policy:source>\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// --- the metadata round trip ------------------------------------------------------

const domainWith = (uuids: string[]) =>
  `<domain type='kvm'>\n  <name>vm</name>\n  <devices>\n${uuids.map((u) => `    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n      <source>\n        <address uuid='${u}'/>\n      </source>\n    </hostdev>\n`).join('')}  </devices>\n</domain>\n`;

test('metadata round trip: the same decision from the facts the XML carries as from the source host itself, for hostile values too', async () => {
  const policy = await loadPolicySet({}, DEFAULT_LIMITS);
  const destinations = await Promise.all(['examples/host-b.yaml', 'examples/host-c.yaml', at('hosts/taken-dst.yaml')].map((f) => loadHost(f).then((h) => h.value!)));
  const text = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => s.trim() !== '');
  await fc.assert(
    fc.asyncProperty(text, text, text, fc.constantFrom('1.2.0', '1.3.0', '2.0.0'), async (aggregator, fps, fact, version) => {
      const source = hostFrom({
        apiVersion: 'mdev-policy/v1',
        kind: 'Host',
        metadata: { name: 'host-a' },
        spec: {
          host: { kernel_release: fact },
          parents: {
            '0000:00:02.0': {
              attributes: { pci_vendor: fact },
              types: {
                'i915-GVTg_V5_4': { device_api: 'vfio-pci', available_instances: 1, software_version: version, compatible_pci_ids: '5931, 591b', dynamic_resources: 'aggregator, fps', description: `low_gm_size: ${fact}\n` },
              },
              devices: { '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001': { type: 'i915-GVTg_V5_4', attributes: { aggregator, fps } } },
            },
          },
        },
      });
      const uuids = ['83b8f4f2-509f-382f-3c1e-e6bfe0fa1001'];
      const domain = parseDomain(domainWith(uuids), 'vm.xml', 64);
      assert.ok(domain.ok);
      const annotated = parseDomain(annotateDomain(domain.value, source, uuids), 'vm.xml', 64);
      assert.ok(annotated.ok, annotated.errors.map((e) => e.message).join());
      const carried = readSourceFacts(annotated.value, DEFAULT_LIMITS);
      assert.ok(carried.ok && carried.value, carried.errors.map((e) => e.message).join());
      const decide = (s: typeof source) => evaluate({ policy: policy.value!, source: s, devices: uuids, destinations: destinations.map((host) => ({ host, errors: [] })), destination: { engine: 'compiled' } });
      const [direct, viaXml] = await Promise.all([decide(source), decide(carried.value)]);
      assert.equal(unstamped(viaXml), unstamped(direct));
    }),
    { numRuns: 150 },
  );
});

test.run();
