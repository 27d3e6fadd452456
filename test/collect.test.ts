// `collect` over sysfs trees built by the tests: the kernel's layout, and the
// hostile cases (a link out of the root, a link cycle, an unreadable file, a
// write-only file, an over-long file, an empty bus, a missing root).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { collectHost } from '../src/sysfs.js';
import { ROOT } from './helpers.js';
import { buildTree, STANDARD } from './sysfs-tree.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/run.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const now = new Date('2026-11-25T10:00:00Z');

test('collects parents, types, devices and attribute groups as the kernel lays them out', async () => {
  const root = buildTree(STANDARD);
  const r = await collectHost({ root, name: 'h', now });
  assert.equal(r.errors, []);
  assert.equal(r.warnings, []);
  const parents = r.value!.spec.parents;
  assert.equal(Object.keys(parents).sort(), ['0.0.26ab', '0000:00:02.0', 'mtty']);
  const gvt = parents['0000:00:02.0']!;
  assert.equal(gvt.types!['i915-GVTg_V5_4'], {
    available_instances: 1,
    compatible_pci_ids: '5931, 591b',
    compatible_type: 'i915-GVTg_V5_8',
    description: 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n',
    device_api: 'vfio-pci',
    dynamic_resources: 'aggregator, fps',
    name: 'GVTg_V5_4',
    software_version: '1.2.0',
  });
  assert.equal(gvt.devices, { '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001': { type: 'i915-GVTg_V5_4', attributes: { aggregator: '2', fps: '60' } } });
  assert.equal(parents.mtty!.devices!['2b1d8f3e-7c4a-4f0e-9d6b-1a2b3c4d5e6f'], {
    type: 'mtty-2',
    attributes: { sample_mdev_dev: 'This is MDEV 2b1d8f3e-7c4a-4f0e-9d6b-1a2b3c4d5e6f' },
  });
  assert.equal(parents['0.0.26ab']!.types!['vfio_ccw-io']!.device_api, 'vfio-ccw');
  assert.is(r.value!.metadata.collectedAt, '2026-11-25T10:00:00Z');
});

test('round trip: a collected host evaluated against itself is compatible', () => {
  const root = buildTree(STANDARD);
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-rt-'));
  const out = cli('collect', '--root', root, '--name', 'self');
  assert.is(out.status, 0, out.stderr);
  writeFileSync(path.join(dir, 'self.yaml'), out.stdout);
  const r = cli('eval', '-s', path.join(dir, 'self.yaml'), '-d', path.join(dir, 'self.yaml'), '--json');
  assert.is(r.status, 0, r.stdout + r.stderr);
  const d = JSON.parse(r.stdout);
  assert.is(d.compatible, true);
  assert.is(d.destinations[0].placement.length, 2);
  const json = cli('collect', '--root', root, '--name', 'self', '--format', 'json');
  assert.equal(JSON.parse(json.stdout).spec, parse(out.stdout).spec, 'YAML and JSON say the same');
});

test('a link out of the root is never followed, and its content never appears', async () => {
  const outside = mkdtempSync(path.join(tmpdir(), 'mdev-outside-'));
  mkdirSync(path.join(outside, 'mdev_supported_types/evil-1'), { recursive: true });
  writeFileSync(path.join(outside, 'mdev_supported_types/evil-1/device_api'), 'TOP-SECRET\n');
  const root = buildTree(STANDARD);
  symlinkSync(outside, path.join(root, 'sys/class/mdev_bus/evil'));
  // And an attribute file that is a link out of the root.
  symlinkSync(path.join(outside, 'mdev_supported_types/evil-1/device_api'), path.join(root, 'sys/devices/css0/0.0.26ab/mdev_supported_types/vfio_ccw-io/secret'));
  const r = await collectHost({ root, name: 'h', now });
  assert.not.ok(JSON.stringify(r.value).includes('TOP-SECRET'));
  assert.not.ok('evil' in r.value!.spec.parents);
  assert.ok(r.warnings.some((w) => w.file === '/sys/class/mdev_bus/evil' && /outside the root/.test(w.message)));
});

test('a link cycle ends with a warning', async () => {
  const root = buildTree(STANDARD);
  symlinkSync('loop', path.join(root, 'sys/class/mdev_bus/loop'));
  symlinkSync('a', path.join(root, 'sys/bus/mdev/devices/b'));
  symlinkSync('b', path.join(root, 'sys/bus/mdev/devices/a'));
  const r = await collectHost({ root, name: 'h', now });
  assert.equal(Object.keys(r.value!.spec.parents).sort(), ['0.0.26ab', '0000:00:02.0', 'mtty']);
  assert.equal(r.warnings.map((w) => w.file).sort(), ['/sys/bus/mdev/devices/a', '/sys/bus/mdev/devices/b', '/sys/class/mdev_bus/loop']);
});

test('unreadable, write-only, over-long and non-regular files: warnings or silence, never a stop', async () => {
  const root = buildTree(STANDARD);
  const t = path.join(root, 'sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1');
  writeFileSync(path.join(t, 'description'), 'x');
  chmodSync(path.join(t, 'description'), 0o000);
  writeFileSync(path.join(t, 'huge'), 'y'.repeat(100_000));
  spawnSync('mkfifo', [path.join(t, 'pipe')]);
  const r = await collectHost({ root, name: 'h', now, maxFileBytes: 4096 });
  const warned = r.warnings.map((w) => `${path.basename(w.file!)}: ${w.code}`).sort();
  assert.equal(warned, ['description: file-unreadable', 'huge: file-unreadable']);
  const attrs = r.value!.spec.parents.mtty!.types!['mtty-1']!;
  assert.equal(Object.keys(attrs).sort(), ['available_instances', 'device_api', 'name'], 'create (write-only) and the fifo are skipped silently');
});

test('an mdev bus with no parents is an empty Host (exit 0)', () => {
  const root = buildTree([]);
  const r = cli('collect', '--root', root, '--name', 'empty', '--json');
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).spec, { parents: {} });
});

test('a missing root, or a root with no mdev bus, is a coded error (exit 2)', () => {
  const missing = cli('collect', '--root', '/nonexistent/root');
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /^\/nonexistent\/root: file-unreadable: /m);
  const bare = mkdtempSync(path.join(tmpdir(), 'mdev-bare-'));
  const r = cli('collect', '--root', bare);
  assert.is(r.status, 2);
  assert.match(r.stderr, /file-unreadable: no mdev bus/);
  assert.is(r.stdout, '');
});

test.run();
