// Machine outputs keep their contracts: the Decision JSON validates against
// schemas/decision.schema.json, NDJSON is one destination per line then a
// summary, `compile` prints one rule per check, and every shipped document
// validates against its schema. Also what users read: the README's commands
// and Decision example, the help topics, and the overlays `compile` and
// `policy show` leave out without --device-api.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadFile, overlayFromDocument, parseText, policyFromDocument, resolvePolicySet, schemaErrors, typeForSelection, validateDocument } from '../src/index.js';
import { overlaysLeftOut, renderOverlaysLeftOut } from '../src/report.js';
import { cli as run } from './cli.js';
import { ROOT } from './helpers.js';

const cli = (...args: string[]) => run(args);

test('--format json prints a Decision valid against decision.schema.json', () => {
  for (const args of [
    ['-d', 'examples/host-b.yaml', '-d', 'examples/host-c.yaml'],
    ['-d', 'test/fixtures/fleet', '--mode', 'superset'],
  ]) {
    const r = cli('eval', '-s', 'examples/host-a.yaml', ...args, '--format', 'json');
    const doc = parseText(r.stdout, 'decision.json').value!;
    assert.equal(schemaErrors(doc, 'Decision'), []);
    const d = doc.data as { kind: string; compatible: boolean; errors: unknown[] };
    assert.is(d.kind, 'Decision');
    assert.is(r.status, d.errors.length > 0 ? 2 : d.compatible ? 0 : 1);
  }
});

test('--json is --format json, and keeps the exit code', () => {
  const r = cli('eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-c.yaml', '--json');
  assert.is(JSON.parse(r.stdout).compatible, false);
  assert.is(r.status, 1);
});

test('--format ndjson: one destination per line, failing checks only, then a summary', () => {
  const r = cli('eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '-d', 'examples/host-c.yaml', '--format', 'ndjson');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.map((l) => l.kind), ['DestinationResult', 'DestinationResult', 'Summary']);
  assert.equal(lines.slice(0, 2).map((l) => l.host), ['host-b', 'host-c']);
  const checks = lines[1].candidates.flatMap((c: { checks: { result: string; id: string }[] }) => c.checks);
  assert.equal(checks.map((c: { id: string }) => c.id), ['software-version']);
  assert.is(lines[2].compatibleDestinations, 1);
  assert.is(r.status, 0);
});

test('compile prints one json-rules-engine rule per check, named by the check id', async () => {
  const r = cli('compile', '--mode', 'cross-type');
  const compiled = JSON.parse(r.stdout);
  const policy = (await loadFile(path.join(ROOT, 'policies/vfio-mdev.yaml'))).value!.data as { spec: { checks: { id: string }[] } };
  // Without --type, the overlays without a selector apply: the shipped platform overlay adds its checks after the base's.
  const platform = (await loadFile(path.join(ROOT, 'policies/vendors/platform.yaml'))).value!.data as { spec: { checks: { id: string }[] } };
  assert.equal(compiled.rules.map((x: { name: string }) => x.name), [...policy.spec.checks, ...platform.spec.checks].map((c) => c.id));
  for (const rule of compiled.rules) assert.is(rule.event.params.id, rule.name);
  assert.ok(JSON.stringify(compiled.rules).includes('"listed-in"'), 'cross-type mode compiles equal-or-listed');
  assert.is(r.status, 0);
});

test('every shipped policy, host, suite and example validates against its schema', async () => {
  const dirs = ['policies', 'policies/hosts', 'policies/vendors', 'policies/vendors/hosts', 'examples'];
  let n = 0;
  for (const d of dirs) {
    for (const f of readdirSync(path.join(ROOT, d)).filter((x) => /\.(ya?ml|json)$/.test(x))) {
      const doc = (await loadFile(path.join(ROOT, d, f))).value!;
      const v = validateDocument(doc);
      assert.equal(v.errors, [], `${d}/${f}`);
      n++;
    }
  }
  assert.ok(n >= 40);
});

test('provenance in the Decision: the overlays that applied, and every check result\'s origin', () => {
  const r = cli('eval', '-s', 'policies/vendors/hosts/nv-src.yaml', '-d', 'policies/vendors/hosts/nv-dst-same.yaml', '--json');
  const d = JSON.parse(r.stdout);
  assert.equal(d.policy.overlays, [{ name: 'nvidia-vgpu', version: '2.0.0' }, { name: 'platform', version: '1.0.0' }]);
  const origins = Object.fromEntries(d.destinations[0].candidates[0].checks.map((k: { id: string; origin: string }) => [k.id, k.origin]));
  assert.is(origins['device-api'], 'vfio-mdev@1.0.0');
  assert.is(origins['software-version'], 'vfio-mdev@1.0.0');
  assert.is(origins['board-profile'], 'nvidia-vgpu@2.0.0');
  assert.is(origins['driver-version'], 'nvidia-vgpu@2.0.0');
  assert.is(origins['kernel-version'], 'platform@1.0.0');
  assert.is(r.status, 0);
  const base = JSON.parse(cli('eval', '-s', 'policies/vendors/hosts/nv-src.yaml', '-d', 'policies/vendors/hosts/nv-dst-same.yaml', '--json', '--policy', 'policies/vfio-mdev.yaml').stdout);
  assert.equal(base.policy.overlays, [], '--policy replaces the default policy and its overlays');
});

test('policy show --format json: each check with its origin and the overlays that touched it', () => {
  const r = cli('policy', 'show', '--type', 'nvidia-11', '--device-api', 'vfio-pci', '--format', 'json', '--mode', 'cross-type');
  const d = JSON.parse(r.stdout);
  assert.is(d.kind, 'EffectivePolicy');
  assert.is(d.mode, 'cross-type');
  assert.equal(d.overlays.filter((o: { applies: boolean }) => o.applies).map((o: { name: string }) => o.name), ['nvidia-vgpu', 'platform']);
  const byId = Object.fromEntries(d.checks.map((c: { id: string }) => [c.id, c]));
  assert.is(byId['mdev-type'].match, 'equal', 'nvidia-vgpu keeps the same type in cross-type mode');
  assert.equal(byId['mdev-type'].overlays, ['nvidia-vgpu@2.0.0']);
  assert.is(byId['capacity'].origin, 'vfio-mdev@1.0.0');
  assert.is(r.status, 0);
});

test('compile --type applies the overlays selected for that type', () => {
  const nv = JSON.parse(cli('compile', '--type', 'nvidia-11', '--device-api', 'vfio-pci').stdout);
  const none = JSON.parse(cli('compile').stdout);
  assert.ok(nv.rules.some((r: { name: string }) => r.name === 'board-profile'));
  assert.not.ok(none.rules.some((r: { name: string }) => r.name === 'board-profile'));
  assert.equal(nv.overlays, [{ name: 'nvidia-vgpu', version: '2.0.0' }, { name: 'platform', version: '1.0.0' }]);
});

test('--engine rules (json-rules-engine), bulk and compiled print the same Decision (but for its id and time)', () => {
  for (const args of [
    ['-d', 'examples/host-b.yaml', '-d', 'examples/host-c.yaml', '--mode', 'cross-type'],
    ['-d', 'test/fixtures/fleet'],
  ]) {
    const rules = cli('eval', '-s', 'examples/host-a.yaml', ...args, '--json', '--engine', 'rules');
    for (const engine of ['bulk', 'compiled']) {
      const other = cli('eval', '-s', 'examples/host-a.yaml', ...args, '--json', '--engine', engine);
      // The same Decision but for its id and time (each run makes a new one).
      const { id: _a, time: _b, ...got } = JSON.parse(other.stdout) as Record<string, unknown>;
      const { id: _c, time: _d, ...want } = JSON.parse(rules.stdout) as Record<string, unknown>;
      assert.equal(got, want, engine);
      assert.is(other.status, rules.status);
    }
  }
});

test('fleet: --only-compatible drops incompatible destinations from the output, not from the counts; - reads stdin', () => {
  const r = cli('eval', '-s', 'examples/host-a.yaml', '-d', 'test/fixtures/fleet', '--format', 'ndjson', '--only-compatible');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const dests = lines.filter((l) => l.kind === 'DestinationResult');
  assert.ok(dests.length > 0 && dests.every((d) => d.compatible));
  const summary = lines[lines.length - 1];
  assert.is(summary.kind, 'Summary');
  assert.is(summary.compatibleDestinations, dests.length);
  assert.ok(summary.destinations > dests.length, 'incompatible destinations still counted');
  assert.is(summary.errors.length, 3, 'the broken inputs are reported');
  assert.is(r.status, 2);
  const inventory = readFileSync(path.join(ROOT, 'test/fixtures/fleet/d-inventory.ndjson'), 'utf8');
  const stdin = run(['eval', '-s', 'examples/host-a.yaml', '-d', '-', '--format', 'ndjson'], { input: inventory });
  const fromStdin = stdin.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(fromStdin.filter((l) => l.kind === 'DestinationResult').map((l) => l.host), ['fleet-d1', 'fleet-d3']);
  assert.match(stdin.stderr, /^<stdin>:2:\d+: yaml-syntax: /m);
  assert.is(stdin.status, 2);
});

test('fleet: candidates of another type are pruned and counted, and --explain lists every candidate', () => {
  const r = cli('eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--format', 'ndjson');
  const d = JSON.parse(r.stdout.split('\n')[0]!);
  assert.equal(d.pruned, { candidates: 1, by: ['mdev-type'] });
  assert.is(d.candidates.length, 1);
  const explained = JSON.parse(cli('eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--format', 'ndjson', '--explain').stdout.split('\n')[0]!);
  assert.is(explained.pruned, undefined);
  assert.is(explained.candidates.length, 2);
});

test('fleet: a progress line on stderr only when stderr is a terminal', () => {
  const args = ['eval', '-s', 'examples/host-a.yaml', '-d', 'test/fixtures/fleet', '--format', 'ndjson'];
  assert.not.match(cli(...args).stderr, /hosts read/, 'not on a pipe');
  // util-linux `script` gives the command a pseudo-terminal (present on Debian; skipped where it is not).
  const tty = spawnSync('script', ['-qec', `${process.execPath} bin/run.js ${args.join(' ')} > /dev/null`, '/dev/null'], { cwd: ROOT, encoding: 'utf8' });
  if (tty.error) return;
  assert.match(tty.stdout, /\d+ hosts read, \d+ compatible, \d+ hosts\/s/);
});

test('a destination directory lists its files only: a link to itself does not loop', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-loop-'));
  writeFileSync(path.join(dir, 'host-b.yaml'), readFileSync(path.join(ROOT, 'examples/host-b.yaml')));
  symlinkSync('.', path.join(dir, 'loop.json'));
  symlinkSync('.', path.join(dir, 'loop2.yaml'));
  const r = cli('eval', '-s', 'examples/host-a.yaml', '-d', dir, '--format', 'ndjson');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.filter((l) => l.kind === 'DestinationResult').length, 1);
  assert.is(r.status, 0);
});


// --- the README tells the truth ---------------------------------------------------

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
/** The command lines of the README's sh blocks, comments dropped, the CLI as `node bin/run.js`. */
const readmeCommands = [...README.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split('\n'))
  .map((l) => l.replace(/\s+#.*$/, '').trim())
  .filter(Boolean)
  .map((l) => l.replace(/(^|\| )(?:\.\/bin\/run\.js|mdev-policy) /g, '$1node bin/run.js '));

test('README: every fleet command that names the shipped inventory runs from the repository root', () => {
  const fleet = readmeCommands.filter((l) => l.includes('examples/fleet.ndjson'));
  assert.ok(fleet.length >= 3, `README fleet commands: ${fleet.join('\n')}`);
  for (const line of fleet) {
    const r = spawnSync('bash', ['-c', line], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.is(r.status, 0, `${line}\n${r.stderr}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.is(summary.kind, 'Summary', line);
    assert.equal([summary.destinations, summary.compatibleDestinations, summary.errors], [6, 2, []], line);
  }
});

test('README: every examples/ file its commands name is shipped', () => {
  const named = new Set(readmeCommands.flatMap((l) => [...l.matchAll(/examples\/[\w.-]+/g)].map((m) => m[0])));
  assert.ok(named.size >= 4);
  for (const f of named) assert.ok(readdirSync(path.join(ROOT, 'examples')).includes(path.basename(f)), f);
});

test("README: the Decision example is eval's real output, trimmed", () => {
  const json = /### The Decision[\s\S]*?```json\n([\s\S]*?)```/.exec(README)![1]!;
  const shown = JSON.parse(json);
  const command = /`mdev-policy (eval [^`]*--json)`/.exec(README.split('### The Decision')[1]!)![1]!.split(' ');
  const r = run(command);
  const real = JSON.parse(r.stdout);
  assert.is(r.status, 0);
  for (const key of ['apiVersion', 'kind', 'tool', 'compatible', 'mode', 'source', 'errors']) assert.equal(shown[key], real[key], key);
  // The policy as shown; its digest changes with any shipped policy file, so only its form is held to the real one.
  assert.equal({ ...shown.policy, digest: undefined }, { ...real.policy, digest: undefined }, 'policy');
  for (const d of [shown, real]) {
    assert.match(d.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(d.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(d.policy.digest, /^sha256:[0-9a-f]{64}$/);
  }
  assert.ok(shown.policy.overlays.length > 0, 'the example shows an overlay that applied');
  const [want, got] = [shown.destinations[0], real.destinations[0]];
  for (const key of ['host', 'compatible', 'placement', 'file']) assert.equal(want[key], got[key], key);
  const realChecks = new Map(got.candidates[0].checks.map((c: { id: string }) => [c.id, c]));
  for (const c of want.candidates[0].checks) {
    const { source: _s, destination: _d, ...rest } = c;
    const { source: _rs, destination: _rd, ...realRest } = realChecks.get(c.id) as typeof c;
    assert.equal(rest, realRest, c.id);
  }
});

test('help: the hook, import and policy topics are described as topics, not as one of their commands', () => {
  const topics = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).oclif.topics as Record<string, { description: string }>;
  assert.equal(Object.keys(topics).sort(), ['hook', 'import', 'policy']);
  const root = run(['--help']).stdout.replace(/\s+/g, ' ');
  for (const [name, { description }] of Object.entries(topics)) {
    assert.ok(root.includes(` ${name} ${description}`), `${name} in mdev-policy --help`);
    const own = run([name, '--help']);
    assert.is(own.stdout.split('\n')[0], description);
    assert.is(own.status, 0);
  }
});

// --- overlays left out for want of --device-api (compile, policy show) ------------

test('compile and policy show --format json list the overlays left out without --device-api, and the flag that includes them', () => {
  const leftOut = [{ name: 'nvidia-vgpu', version: '2.0.0', needs: { flag: '--device-api', values: ['vfio-pci'] } }];
  const compiled = run(['compile', '--type', 'nvidia-11']);
  const c = JSON.parse(compiled.stdout);
  assert.equal(c.overlaysLeftOut, leftOut);
  assert.equal(c.overlays, [{ name: 'platform', version: '1.0.0' }], 'the platform overlay has no selector: it applies to every type');
  assert.match(compiled.stderr, /^note: overlay `nvidia-vgpu@2\.0\.0` left out: .*\n {2}hint: add --device-api vfio-pci to include it\n$/);
  assert.is(compiled.status, 0);
  const shown = run(['policy', 'show', '--type', 'nvidia-11', '--format', 'json']);
  assert.equal(JSON.parse(shown.stdout).overlaysLeftOut, leftOut);
  assert.is(shown.stderr, '', 'JSON mode says it in the document only');
  // The flag it names does include it, and then nothing is left out.
  const flag = [leftOut[0]!.needs.flag, leftOut[0]!.needs.values[0]!];
  const withFlag = run(['compile', '--type', 'nvidia-11', ...flag]);
  assert.equal(JSON.parse(withFlag.stdout).overlays, [{ name: 'nvidia-vgpu', version: '2.0.0' }, { name: 'platform', version: '1.0.0' }]);
  assert.equal(JSON.parse(withFlag.stdout).overlaysLeftOut, []);
  assert.is(withFlag.stderr, '');
  const d = JSON.parse(run(['policy', 'show', '--type', 'nvidia-11', ...flag, '--json']).stdout);
  assert.equal(d.overlaysLeftOut, []);
  assert.equal(d.overlays.filter((o: { applies: boolean }) => o.applies).map((o: { name: string }) => o.name), ['nvidia-vgpu', 'platform']);
});

test('overlaysLeftOut: every device_api that would include an overlay, none for selectors that do not match the type', () => {
  const base = policyFromDocument(parseText(readFileSync(path.join(ROOT, 'policies/vfio-mdev.yaml'), 'utf8'), 'vfio-mdev.yaml').value!).value!;
  const overlay = (name: string, selector: unknown) =>
    overlayFromDocument(
      parseText(JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Overlay', metadata: { name, version: '1.0.0' }, spec: { extends: { policy: 'vfio-mdev', version: '^1.0.0' }, selector } }), `${name}.json`).value!,
    ).value!;
  const set = resolvePolicySet(base, [overlay('pci-or-platform', { deviceApi: ['vfio-pci', 'vfio-platform'] }), overlay('ccw', { types: ['vfio_ccw-*'], deviceApi: ['vfio-ccw'] }), overlay('any', undefined)]).value!;
  assert.equal(overlaysLeftOut(set, typeForSelection()), [{ name: 'pci-or-platform', version: '1.0.0', needs: { flag: '--device-api', values: ['vfio-pci', 'vfio-platform'] } }]);
  assert.equal(overlaysLeftOut(set, typeForSelection('vfio_ccw-io')).map((o) => [o.name, o.needs.values]), [['pci-or-platform', ['vfio-pci', 'vfio-platform']], ['ccw', ['vfio-ccw']]]);
  assert.equal(overlaysLeftOut(set, typeForSelection('vfio_ccw-io', 'vfio-ap')), [], 'a given device_api leaves nothing unknown');
  assert.match(renderOverlaysLeftOut(overlaysLeftOut(set, typeForSelection())), /hint: add --device-api vfio-pci or --device-api vfio-platform to include it\n$/);
  assert.is(renderOverlaysLeftOut([]), '');
});

test.run();
