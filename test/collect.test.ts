// `collect` over sysfs trees built by the tests: the kernel's layout, and the
// hostile cases (a link out of the root, a link cycle, an unreadable file, a
// write-only file, an over-long file, an empty bus, a missing root, attribute
// names the Host schema refuses and names that only look like Object.prototype's), and
// vfio-ap's AP matrix, read from what the kernel shows.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { checkProducedHost } from '../src/import/index.js';
import { readBounded } from '../src/load.js';
import { collectHost } from '../src/sysfs.js';
import { ROOT } from './helpers.js';
import { AP_WRITE_ONLY, apTree, buildTree, STANDARD, type TreeParent } from './sysfs-tree.js';

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

test('round trip: a collected host evaluated against its twin is compatible', () => {
  const root = buildTree(STANDARD);
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-rt-'));
  const out = cli('collect', '--root', root, '--name', 'self');
  assert.is(out.status, 0, out.stderr);
  writeFileSync(path.join(dir, 'self.yaml'), out.stdout);
  // The same tree collected under another name: the source host itself is never a destination.
  const twin = cli('collect', '--root', root, '--name', 'twin');
  writeFileSync(path.join(dir, 'twin.yaml'), twin.stdout);
  const r = cli('eval', '-s', path.join(dir, 'self.yaml'), '-d', path.join(dir, 'twin.yaml'), '--json');
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
  assert.ok(r.warnings.some((w) => w.file === '/sys/class/mdev_bus/evil' && /leaves the root/.test(w.message)));
  assert.not.ok(JSON.stringify(r.warnings).includes(outside), 'the warning names the link, never its target');
});

test('a link cycle ends with a warning', async () => {
  const root = buildTree(STANDARD);
  symlinkSync('loop', path.join(root, 'sys/class/mdev_bus/loop'));
  // Device entries are named by uuid (any other name is an error: see hardening-collect.test.ts).
  const [a, b] = ['aaaaaaaa-0000-4000-8000-00000000000a', 'aaaaaaaa-0000-4000-8000-00000000000b'];
  symlinkSync(a, path.join(root, 'sys/bus/mdev/devices', b));
  symlinkSync(b, path.join(root, 'sys/bus/mdev/devices', a));
  const r = await collectHost({ root, name: 'h', now });
  assert.equal(Object.keys(r.value!.spec.parents).sort(), ['0.0.26ab', '0000:00:02.0', 'mtty']);
  assert.equal(r.warnings.map((w) => [w.file, w.message]).sort(), [
    [`/sys/bus/mdev/devices/${a}`, 'a link cycle: skipped'],
    [`/sys/bus/mdev/devices/${b}`, 'a link cycle: skipped'],
    ['/sys/class/mdev_bus/loop', 'a link cycle: skipped'],
  ]);
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

const SAMPLE_DEVICE = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

test('an attribute file named __proto__, constructor or prototype is skipped with a warning naming it (its checks fail closed); the rest is collected', async () => {
  // Computed keys: `['__proto__']: …` is an own property, where `__proto__: …` would set the literal's prototype.
  // A parent, type or device with such a name is an error instead: hardening-collect.test.ts.
  const hostile: TreeParent[] = [
    ...STANDARD,
    {
      id: 'sample',
      devpath: 'virtual/sample/sample',
      types: {
        'sample-1': { attrs: { name: 'sample', device_api: 'vfio-pci', available_instances: '2', ['__proto__']: 'polluted', constructor: 'c', prototype: 'p' } },
      },
      devices: [{ uuid: SAMPLE_DEVICE, type: 'sample-1', attrs: { aggregator: '1', ['__proto__']: 'polluted' }, groups: { vendor: { constructor: 'c' } } }],
    },
  ];
  const root = buildTree(hostile);
  const r = await collectHost({ root, name: 'h', now });
  assert.ok(r.ok, JSON.stringify(r.errors));
  const sample = '/sys/devices/virtual/sample/sample';
  assert.equal(
    r.warnings.map((w) => [w.code, w.file, w.message]).sort(),
    [
      ['schema-violation', `${sample}/${SAMPLE_DEVICE}/__proto__`, '`__proto__` is a reserved name: skipped'],
      ['schema-violation', `${sample}/${SAMPLE_DEVICE}/vendor/constructor`, '`constructor` is a reserved name: skipped'],
      ['schema-violation', `${sample}/mdev_supported_types/sample-1/__proto__`, '`__proto__` is a reserved name: skipped'],
      ['schema-violation', `${sample}/mdev_supported_types/sample-1/constructor`, '`constructor` is a reserved name: skipped'],
      ['schema-violation', `${sample}/mdev_supported_types/sample-1/prototype`, '`prototype` is a reserved name: skipped'],
    ].sort(),
  );
  const parents = r.value!.spec.parents;
  assert.equal(Object.keys(parents).sort(), ['0.0.26ab', '0000:00:02.0', 'mtty', 'sample']);
  assert.equal(parents.sample, {
    types: { 'sample-1': { available_instances: 2, device_api: 'vfio-pci', name: 'sample' } },
    devices: { [SAMPLE_DEVICE]: { type: 'sample-1', attributes: { aggregator: '1' } } },
  });
  assert.equal(Object.getPrototypeOf(parents), Object.prototype);
  assert.is(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
  assert.ok(checkProducedHost(r.value!, root).ok, 'what is collected is a valid Host');
});

test('names that Object.prototype also has (toString, valueOf) are kept as own data properties and evaluate like any other', async () => {
  const named: TreeParent[] = [
    {
      id: 'toString',
      devpath: 'virtual/mtty/toString',
      types: {
        valueOf: { attrs: { name: 'n', device_api: 'vfio-pci', available_instances: '2', dynamic_resources: 'toString, valueOf', toString: 'kept', valueOf: '1' } },
      },
      devices: [{ uuid: SAMPLE_DEVICE, type: 'valueOf', attrs: { toString: '3', valueOf: '4' } }],
    },
  ];
  const root = buildTree(named);
  const r = await collectHost({ root, name: 'h', now });
  assert.equal(r.warnings, []);
  const parents = r.value!.spec.parents;
  assert.ok(Object.hasOwn(parents, 'toString'));
  // Read through Maps: TypeScript types `parents.toString` as Object.prototype's method.
  const parent = new Map(Object.entries(parents)).get('toString')!;
  const type = new Map(Object.entries(parent.types!)).get('valueOf')!;
  assert.ok(Object.hasOwn(type, 'toString') && Object.hasOwn(type, 'valueOf'));
  assert.is(type.toString, 'kept');
  assert.is(type.valueOf, '1');
  assert.equal(parent.devices![SAMPLE_DEVICE], { type: 'valueOf', attributes: { toString: '3', valueOf: '4' } });

  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-named-'));
  for (const name of ['src', 'dst']) {
    const out = cli('collect', '--root', root, '--name', name);
    assert.is(out.status, 0, out.stderr);
    writeFileSync(path.join(dir, `${name}.yaml`), out.stdout);
  }
  const valid = cli('validate', path.join(dir, 'src.yaml'), path.join(dir, 'dst.yaml'));
  assert.is(valid.status, 0, valid.stdout + valid.stderr);
  const e = cli('eval', '-s', path.join(dir, 'src.yaml'), '-d', path.join(dir, 'dst.yaml'), '--json');
  assert.is(e.status, 0, e.stdout + e.stderr);
  const d = JSON.parse(e.stdout);
  assert.is(d.compatible, true);
  assert.equal(d.destinations[0].placement, [{ device: SAMPLE_DEVICE, parent: 'toString', type: 'valueOf', set: { toString: '3', valueOf: '4' } }]);
});

// --- vfio-ap: assign_* are write-only; the kernel shows `matrix` and `control_domains` ---

test('a vfio-ap device: assign_* derived from matrix and control_domains (kept too), write-only files skipped silently; the suite host is what collect writes', async () => {
  const root = buildTree(apTree());
  const r = await collectHost({ root, name: 'ap-src-collected', now });
  assert.equal(r.errors, []);
  assert.equal(r.warnings, [], 'the write-only assign_*/unassign_* files are not warnings');
  const devices = r.value!.spec.parents.matrix!.devices!;
  assert.equal(devices['4f8a6b2e-9c3d-4e5f-8a7b-1c2d3e4f5a6b'], {
    type: 'vfio_ap-passthrough',
    attributes: { control_domains: '0004', matrix: '05.0004\n06.0004', assign_adapter: ['0x05', '0x06'], assign_domain: '0x0004', assign_control_domain: '0x0004' },
  });
  assert.equal(devices['4f8a6b2e-9c3d-4e5f-8a7b-1c2d3e4f5a6c']!.attributes, { control_domains: '', matrix: '07.0005', assign_adapter: '0x07', assign_domain: '0x0005' });
  const suiteHost = parse(readFileSync(path.join(ROOT, 'policies/vendors/hosts/ap-src-collected.yaml'), 'utf8')) as { spec: unknown };
  assert.equal(suiteHost.spec, JSON.parse(JSON.stringify(r.value!.spec)), 'policies/vendors/hosts/ap-src-collected.yaml is what collect writes for this tree');
});

const apDevice = (attrs: Record<string, string>, writeOnly = AP_WRITE_ONLY): TreeParent[] => [
  {
    id: 'matrix',
    devpath: 'vfio_ap/matrix',
    types: { 'vfio_ap-passthrough': { attrs: { name: 'VFIO AP Passthrough Device', device_api: 'vfio-ap', available_instances: '65535' } } },
    devices: [{ uuid: SAMPLE_DEVICE, type: 'vfio_ap-passthrough', attrs, writeOnly }],
  },
];
const apAttributes = async (attrs: Record<string, string>, writeOnly?: string[]) => {
  const r = await collectHost({ root: buildTree(apDevice(attrs, writeOnly)), name: 'h', now });
  return { attributes: r.value!.spec.parents.matrix!.devices![SAMPLE_DEVICE]!.attributes, warnings: r.warnings.map((w) => [w.code, path.basename(w.file!), w.message]) };
};

test('vfio-ap matrix forms: adapters only (`05.`), domains only (`.0004`), many APQNs, several control domains', async () => {
  assert.equal((await apAttributes({ matrix: '05.\n0a.', control_domains: '' })).attributes, { control_domains: '', matrix: '05.\n0a.', assign_adapter: ['0x05', '0x0a'] });
  assert.equal((await apAttributes({ matrix: '.0004\n.00ab', control_domains: '00ab' })).attributes, { control_domains: '00ab', matrix: '.0004\n.00ab', assign_domain: ['0x0004', '0x00ab'], assign_control_domain: '0x00ab' });
  const cross = await apAttributes({ matrix: '05.0004\n05.0005\n06.0004\n06.0005', control_domains: '0004\n0005\n00ff' });
  assert.equal(cross.attributes, {
    control_domains: '0004\n0005\n00ff',
    matrix: '05.0004\n05.0005\n06.0004\n06.0005',
    assign_adapter: ['0x05', '0x06'],
    assign_domain: ['0x0004', '0x0005'],
    assign_control_domain: ['0x0004', '0x0005', '0x00ff'],
  });
  assert.equal(cross.warnings, []);
});

test('vfio-ap: an unparseable matrix or control_domains, or no matrix at all, derives nothing and says why', async () => {
  const bad = await apAttributes({ matrix: '05.0004\nnonsense', control_domains: '0004' });
  assert.equal(bad.attributes, { control_domains: '0004', matrix: '05.0004\nnonsense' });
  assert.equal(bad.warnings, [['schema-violation', 'matrix', '`matrix` line `nonsense` is not an APQN (`AA.DDDD`, `AA.` or `.DDDD`): assign_* not derived']]);
  const badControl = await apAttributes({ matrix: '05.0004', control_domains: 'zz' });
  assert.equal(badControl.warnings, [['schema-violation', 'matrix', '`control_domains` line `zz` is not a domain number: assign_* not derived']]);
  const none = await apAttributes({ control_domains: '0004' });
  assert.equal(none.attributes, { control_domains: '0004' });
  assert.equal(none.warnings.map((w) => w[1]), ['matrix']);
});

test('vfio-ap: assign_* readable as files win over the derived ones; a file with no permission at all is still a warning', async () => {
  const readable = await apAttributes({ matrix: '05.0004', control_domains: '0004', assign_adapter: '9' }, []);
  assert.equal(readable.attributes, { assign_adapter: '9', control_domains: '0004', matrix: '05.0004' });
  const root = buildTree(apDevice({ matrix: '05.0004', control_domains: '0004' }));
  const file = path.join(root, 'sys/devices/vfio_ap/matrix', SAMPLE_DEVICE, 'control_domains');
  chmodSync(file, 0o000);
  const r = await collectHost({ root, name: 'h', now });
  assert.equal(r.warnings.map((w) => [path.basename(w.file!), w.message]), [['control_domains', 'not readable: skipped']]);
  assert.equal(r.value!.spec.parents.matrix!.devices![SAMPLE_DEVICE]!.attributes, { matrix: '05.0004', assign_adapter: '0x05', assign_domain: '0x0004' });
});

test('the bounded reader tells a file over the limit from one it cannot read', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-read-'));
  writeFileSync(path.join(dir, 'ten'), '0123456789');
  assert.equal((await readBounded(path.join(dir, 'ten'), 10)).value?.toString(), '0123456789');
  const over = await readBounded(path.join(dir, 'ten'), 9, { trustSize: false });
  assert.equal(over.errors.map((e) => e.code), ['input-too-large']);
  const missing = await readBounded(path.join(dir, 'none'), 10);
  assert.equal(missing.errors.map((e) => [e.code, e.message]), [['file-unreadable', 'cannot read: no such file or directory']]);
});

test.run();
