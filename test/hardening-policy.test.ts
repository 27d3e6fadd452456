// Hardening of policies and decisions (issue 11): selector globs matched in
// linear time (a pathological glob cannot hang eval or validate), a bound on
// the candidates one destination makes, overlays that share a name, and a
// broken shipped overlay. Big inputs are generated here, never committed;
// time bounds are generous: they prove termination, not speed.
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { globMatch } from '../src/selector.js';
import { cli } from './cli.js';
import { hostDoc, hostFrom, readCases, ROOT } from './helpers.js';
import { HostBuilder } from '../src/import/host-builder.js';
import { mergeFacts } from '../src/import/facts.js';
import type { WrittenFacts } from '../src/types.js';

for (const [glob, text, want] of readCases<[string, string, boolean]>('globs.yaml')) {
  test(`glob ${JSON.stringify(glob)} on ${JSON.stringify(text.slice(0, 20))}`, () => {
    assert.is(globMatch(glob, text), want);
  });
}

test('globMatch agrees with a reference regex on small inputs', () => {
  const reference = (glob: string, text: string) => new RegExp(`^${[...glob].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('')}$`).test(text);
  const chars = fc.constantFrom('a', 'b', '*', '?', '-', '[', '.');
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 7 }).map((x) => x.join('')), fc.array(fc.constantFrom('a', 'b', '-', '[', '.'), { maxLength: 8 }).map((x) => x.join('')), (glob, text) => {
      assert.is(globMatch(glob, text), reference(glob, text), `${glob} ~ ${text}`);
    }),
    { numRuns: 3000 },
  );
});

const dir = () => mkdtempSync(path.join(tmpdir(), 'mdev-harden-'));
const host = (name: string, parents: unknown) => ({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name }, spec: { parents } });
const overlay = (name: string, types: string[]) => ({
  apiVersion: 'mdev-policy/v1',
  kind: 'Overlay',
  metadata: { name, version: '1.0.0' },
  spec: { extends: { policy: 'vfio-mdev', version: '^1.0.0' }, selector: { types }, checks: [{ id: `${name}-check`, attribute: 'name', match: 'equal' }] },
});

test('a pathological selector glob (item 6) cannot hang eval or validate', () => {
  const d = dir();
  const longId = `${'a'.repeat(200)}`;
  writeFileSync(path.join(d, 'evil.json'), JSON.stringify(overlay('evil', ['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*ab'])));
  const typeOf = { [longId]: { device_api: 'vfio-pci', available_instances: 1, name: 'x' } };
  writeFileSync(path.join(d, 'src.json'), JSON.stringify(host('src', { p: { types: typeOf, devices: { '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001': { type: longId } } } })));
  writeFileSync(path.join(d, 'dst.json'), JSON.stringify(host('dst', { p: { types: typeOf } })));
  const e = cli(['eval', '-s', path.join(d, 'src.json'), '-d', path.join(d, 'dst.json'), '-o', path.join(d, 'evil.json')], { timeout: 30_000 });
  assert.is(e.status, 0, e.stderr);
  assert.ok(e.ms < 20_000, `eval took ${e.ms} ms`);
  const v = cli(['validate', path.join(d, 'evil.json'), path.join(ROOT, 'policies/vendors/nvidia-vgpu.yaml')], { timeout: 30_000 });
  assert.is(v.status, 0, v.stdout);
  assert.ok(v.ms < 20_000, `validate took ${v.ms} ms`);
});

test('a destination making too many candidates (item 9) is refused with a coded error; the others are still decided', () => {
  const d = dir();
  const types: Record<string, unknown> = {};
  for (let i = 0; i < 20_000; i++) types[`mtty-${i}`] = { device_api: 'vfio-pci', available_instances: 1, name: 'Single port serial' };
  const devices: Record<string, unknown> = {};
  for (let i = 0; i < 64; i++) devices[`00000000-0000-0000-0000-${String(i).padStart(12, '0')}`] = { type: 'mtty-1' };
  writeFileSync(path.join(d, 'src.json'), JSON.stringify(host('src', { mtty: { types: { 'mtty-1': { device_api: 'vfio-pci', available_instances: 0, name: 'Single port serial' } }, devices } })));
  writeFileSync(path.join(d, 'huge.json'), JSON.stringify(host('huge', { mtty: { types } })));
  writeFileSync(path.join(d, 'small.json'), JSON.stringify(host('small', { mtty: { types: { 'mtty-1': { device_api: 'vfio-pci', available_instances: 64, name: 'Single port serial' } } } })));
  const r = cli(['eval', '-s', path.join(d, 'src.json'), '-d', path.join(d, 'huge.json'), '-d', path.join(d, 'small.json'), '--format', 'ndjson'], { timeout: 60_000 });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^[^\n]*huge\.json: input-too-large: /m);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; host?: string; compatible?: boolean });
  assert.equal(lines.filter((l) => l.kind === 'DestinationResult').map((l) => [l.host, l.compatible]), [['small', true]]);
  assert.ok(r.ms < 30_000, `took ${r.ms} ms`);
});

test('two overlays with one metadata.name are refused (item 15), naming both files', () => {
  const d = dir();
  writeFileSync(path.join(d, 'one.json'), JSON.stringify(overlay('twin', ['mtty-*'])));
  writeFileSync(path.join(d, 'two.yaml'), `# the same name again\n${JSON.stringify(overlay('twin', ['nvidia-*']))}\n`);
  const r = cli(['eval', '-s', 'policies/hosts/mtty-src.yaml', '-d', 'policies/hosts/mtty-dst.yaml', '-o', path.join(d, 'one.json'), '-o', path.join(d, 'two.yaml')]);
  assert.is(r.status, 2);
  const line = r.stderr.split('\n').find((l) => /two\.yaml:2:\d+: duplicate-overlay: /.test(l));
  assert.ok(line?.includes(path.join(d, 'one.json')), `the error names the other file: ${r.stderr}`);
  const v = cli(['validate', path.join(d, 'one.json'), path.join(d, 'two.yaml')]);
  assert.is(v.status, 2);
  assert.match(v.stdout, /two\.yaml:2:\d+: duplicate-overlay: /);
});

test('a broken overlay among the shipped ones (item 15) is a coded error for validate and eval, never internal', () => {
  // A copy of the installed package whose policies/vendors/ holds a broken overlay.
  const d = dir();
  for (const p of ['bin', 'dist', 'policies', 'schemas', 'package.json', 'oclif.manifest.json']) cpSync(path.join(ROOT, p), path.join(d, p), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(d, 'node_modules'));
  mkdirSync(path.join(d, 'policies/vendors'), { recursive: true });
  writeFileSync(path.join(d, 'policies/vendors/zz-broken.yaml'), 'apiVersion: mdev-policy/v1\nkind: Overlay\nmetadata: { name: broken, version: 1.0.0 }\nspec:\n  extends: { policy: vfio-mdev, version: ^1.0.0 }\n  checks:\n    - id: device-api\n      match: ignore\n');
  const run = (args: string[]) => spawnSync(process.execPath, [path.join(d, 'bin/run.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const v = run(['validate', 'policies/vendors/nvidia-vgpu.yaml']);
  assert.is(v.status, 2, v.stdout + v.stderr);
  assert.match(v.stdout, /zz-broken\.yaml:7:\d+: locked-check: /);
  assert.not.match(v.stdout + v.stderr, /internal|\n\s+at /);
  const e = run(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml']);
  assert.is(e.status, 2, e.stdout + e.stderr);
  assert.match(e.stderr, /zz-broken\.yaml:7:\d+: locked-check: /);
  assert.not.match(e.stdout + e.stderr, /internal|\n\s+at /);
});

test('a blank fact is no fact: normalisation leaves it out, and a --facts file cannot blank a fact that was read', () => {
  const h = hostFrom(hostDoc('h', { p: { attributes: { pci_device: '', driver: 'nvidia' }, types: {} } }, { kernel_release: '  ', os_id: 'rhel\n' }));
  assert.equal(h.facts, { os_id: 'rhel' });
  assert.equal(h.parents[0]!.attributes, { driver: 'nvidia' });
  const builder = new HostBuilder();
  builder.addParent('p');
  builder.addHostFacts([['kernel_release', '6.8.0-45-generic']]);
  const facts: WrittenFacts = { apiVersion: 'mdev-policy/v1', kind: 'Facts', metadata: { name: 'f' }, spec: { host: { kernel_release: '  ', qemu_version: '' } } };
  const warnings = mergeFacts(builder, [{ file: 'f.yaml', facts, locate: () => ({}) }]);
  assert.equal(warnings, []);
  assert.is(builder.hostFact('kernel_release'), '6.8.0-45-generic');
  assert.is(builder.hostFact('qemu_version'), undefined);
});

test.run();
