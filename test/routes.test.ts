// One host, three routes in (DESIGN §2.3): the same GVT-g host collected from
// a sysfs tree (files end in a newline), imported from mdevctl's JSON (the
// real tool's shape: `types --dumpjson` trims each description and joins its
// lines with ", "), and written by hand (descriptions as YAML blocks with a
// trailing newline). Between every ordered pair of routes, `eval` with the
// shipped default policy (base + every vendor overlay, intel-gvt-g's
// description check among them) says compatible, on the reference path and
// on the fleet (NDJSON) path. And the normalisation every route goes through.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { cli } from './cli.js';
import { hostDoc, hostFrom, ROOT } from './helpers.js';
import { buildTree, type TreeParent } from './sysfs-tree.js';

const FIXTURES = path.join(ROOT, 'test/fixtures/routes');
const DEVICE = '83b8f4f2-509f-382f-3c1e-e6bfe0fa3001';

/** The kernel's GVT-g types (i915 gvt/vgpu.c): each file as sysfs shows it (the tree adds the final newline). */
const GVT_TREE: TreeParent[] = [
  {
    id: '0000:00:02.0',
    devpath: 'pci0000:00/0000:00:02.0',
    types: {
      'i915-GVTg_V5_4': {
        attrs: { name: 'GVTg_V5_4', device_api: 'vfio-pci', available_instances: '1', description: 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4' },
      },
      'i915-GVTg_V5_8': {
        attrs: { name: 'GVTg_V5_8', device_api: 'vfio-pci', available_instances: '2', description: 'low_gm_size: 64MB\nhigh_gm_size: 384MB\nfence: 4\nresolution: 1024x768\nweight: 2' },
      },
    },
    devices: [{ uuid: DEVICE, type: 'i915-GVTg_V5_4' }],
  },
];

/** Every check of the effective policy for a GVT-g candidate, and its result when the two hosts are the same host. */
const EXPECTED_CHECKS = {
  'device-api': 'pass',
  'mdev-type': 'pass',
  'software-version': 'skip',
  'compatible-attributes': 'skip',
  'compatible-type': 'skip',
  capacity: 'pass',
  'dynamic-resources': 'skip',
  'gvt-vgpu-shape': 'pass',
  // The platform overlay (every type): no route gives libvirt, QEMU or kernel versions, so they are skipped.
  'libvirt-version': 'skip',
  'qemu-version': 'skip',
  'kernel-version': 'skip',
};

interface Route {
  name: string;
  file: string;
}

function routes(): Route[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-routes-'));
  const collected = cli(['collect', '--root', buildTree(GVT_TREE), '--name', 'gvt-collected']);
  assert.is(collected.status, 0, collected.stderr);
  writeFileSync(path.join(dir, 'collected.yaml'), collected.stdout);
  const imported = cli(['import', 'mdevctl', path.join(FIXTURES, 'gvt-types.json'), path.join(FIXTURES, 'gvt-list.json'), '--name', 'gvt-imported']);
  assert.is(imported.status, 0, imported.stderr);
  writeFileSync(path.join(dir, 'imported.yaml'), imported.stdout);
  return [
    { name: 'collect', file: path.join(dir, 'collected.yaml') },
    { name: 'import mdevctl', file: path.join(dir, 'imported.yaml') },
    { name: 'by hand', file: path.join(FIXTURES, 'gvt-host.yaml') },
  ];
}

const ROUTES = routes();
const description = (file: string, type = 'i915-GVTg_V5_4') =>
  (parse(readFileSync(file, 'utf8')) as { spec: { parents: Record<string, { types: Record<string, { description: string }> }> } }).spec.parents['0000:00:02.0']!.types[type]!.description;

test('the three routes really write the description three ways', () => {
  const [collected, imported, byHand] = ROUTES.map((r) => description(r.file));
  assert.is(collected, 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4');
  assert.is(imported, 'low_gm_size: 128MB, high_gm_size: 512MB, fence: 4, resolution: 1920x1200, weight: 4');
  assert.is(byHand, 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n');
});

for (const source of ROUTES) {
  for (const dest of ROUTES) {
    if (source === dest) continue;
    test(`${source.name} → ${dest.name}: compatible with the shipped default policy, every check as expected`, () => {
      const r = cli(['eval', '-s', source.file, '-d', dest.file, '--json']);
      assert.is(r.status, 0, r.stdout + r.stderr);
      const d = JSON.parse(r.stdout) as {
        compatible: boolean;
        policy: { overlays: { name: string }[] };
        destinations: { compatible: boolean; placement: unknown[]; candidates: { type: string; compatible: boolean; checks: { id: string; result: string }[] }[] }[];
      };
      assert.is(d.compatible, true);
      assert.ok(d.policy.overlays.some((o) => o.name === 'intel-gvt-g'), 'the default policy includes the intel-gvt-g overlay');
      const [destination] = d.destinations;
      assert.is(destination!.compatible, true);
      assert.equal(destination!.placement, [{ device: DEVICE, parent: '0000:00:02.0', type: 'i915-GVTg_V5_4', set: {} }]);
      const same = destination!.candidates.find((c) => c.type === 'i915-GVTg_V5_4')!;
      assert.equal(Object.fromEntries(same.checks.map((k) => [k.id, k.result])), EXPECTED_CHECKS);
      // The other type of the parent is refused for its id and its shape, whichever way its description was written.
      const other = destination!.candidates.find((c) => c.type === 'i915-GVTg_V5_8')!;
      assert.equal(other.checks.filter((k) => k.result === 'fail').map((k) => k.id).sort(), ['gvt-vgpu-shape', 'mdev-type']);

      const fleet = cli(['eval', '-s', source.file, '-d', dest.file, '--format', 'ndjson']);
      assert.is(fleet.status, 0, fleet.stdout + fleet.stderr);
      const [line] = fleet.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; compatible: boolean });
      assert.equal([line!.kind, line!.compatible], ['DestinationResult', true]);
    });
  }
}

test('one NDJSON inventory holding the host as imported and as collected: both destinations take the hand-written source', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-routes-fleet-'));
  const imported = cli(['import', 'mdevctl', path.join(FIXTURES, 'gvt-types.json'), path.join(FIXTURES, 'gvt-list.json'), '--name', 'gvt-imported', '--format', 'ndjson']);
  const collected = cli(['collect', '--root', buildTree(GVT_TREE), '--name', 'gvt-collected', '--format', 'json']);
  assert.is(imported.status, 0, imported.stderr);
  assert.is(collected.status, 0, collected.stderr);
  const inventory = path.join(dir, 'fleet.ndjson');
  writeFileSync(inventory, `${imported.stdout}${JSON.stringify(JSON.parse(collected.stdout))}\n`);
  const r = cli(['eval', '-s', path.join(FIXTURES, 'gvt-host.yaml'), '-d', inventory, '--format', 'ndjson']);
  assert.is(r.status, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; host?: string; compatible: boolean; compatibleDestinations?: number });
  assert.equal(
    lines.filter((l) => l.kind === 'DestinationResult').map((l) => [l.host, l.compatible]),
    [
      ['gvt-imported', true],
      ['gvt-collected', true],
    ],
  );
  assert.is(lines.at(-1)!.compatibleDestinations, 2);
});

test('loading trims the trailing newline and whitespace of every string: type attributes, device attributes, list elements', () => {
  const host = hostFrom(
    hostDoc('h', {
      matrix: {
        types: { 'vfio_ap-passthrough': { name: 'VFIO AP Passthrough Device\n', device_api: 'vfio-ap \n', available_instances: 1, description: '  two\nlines \n\n', compatible_x: ['a ', 'b\n'] } },
        devices: { [DEVICE]: { type: 'vfio_ap-passthrough', attributes: { assign_adapter: ['0x05\n', '0x06 '], assign_domain: '0x0004\n', matrix: '05.0004\n06.0004\n' } } },
      },
    }),
  );
  assert.equal({ ...host.parents[0]!.types[0]!.attributes }, { name: 'VFIO AP Passthrough Device', device_api: 'vfio-ap', available_instances: 1, description: '  two\nlines', compatible_x: ['a', 'b'] });
  assert.equal({ ...host.devices[0]!.attributes }, { assign_adapter: ['0x05', '0x06'], assign_domain: '0x0004', matrix: '05.0004\n06.0004' });
});

test.run();
