// Facts from real hosts (DESIGN §10, issue 12 items 3 and 4): what collect
// reads above the type (a PCI parent's ids, its driver and module version;
// the kernel, the OS and module versions of the host) on fake sysfs trees,
// and never a binary file or anything through a link out of the root;
// `--facts` documents merged into collected and imported Hosts, and their
// coded errors; libvirt parent facts; `import nvidia-smi` over real-shaped
// fixtures (table: test/cases/nvidia-smi.yaml); and a round trip of two
// hosts that differ only in their NVIDIA driver.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Decision } from '../src/index.js';
import { parseOsRelease, collectHost } from '../src/sysfs.js';
import { sysfsPciAddress, splitPciIdPair } from '../src/import/nvidia-smi.js';
import { readCases, ROOT } from './helpers.js';
import { addHostFiles, buildTree, STANDARD, type TreeParent } from './sysfs-tree.js';

const now = new Date('2026-11-25T10:00:00Z');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/run.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const tmp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
const FIXTURES = path.join(ROOT, 'test/fixtures');
const STACK = /^\s+at .+:\d+:\d+\)?$/m;
/** `file:line:col code` of every error and warning printed. */
const coded = (stderr: string, base = FIXTURES) =>
  [...stderr.matchAll(/^(\S+?):(\d+):(\d+): (?:warning )?([a-z-]+): /gm)].map((m) => [m[4], path.relative(base, m[1]!), Number(m[2]), Number(m[3])]);

/** Content that must never appear anywhere: planted in the binary files of a PCI device and behind links out of the root. */
const MARKER = 'MARKER-NEVER-READ';

const PCI_FILES = {
  vendor: '0x10de\n',
  device: '0x20b5\n',
  subsystem_vendor: '0x10de\n',
  subsystem_device: '0x1533\n',
  revision: '0xa1\n',
  class: '0x030200\n',
  // Binary files of every PCI device: reading config can have effects, rom and resource* are device memory.
  config: `${MARKER}-config`,
  rom: `${MARKER}-rom`,
  resource0: `${MARKER}-resource0`,
  resource: `${MARKER}-resource`,
};

const NVIDIA_TYPES = { 'nvidia-700': { attrs: { name: 'GRID A100D-4C', device_api: 'vfio-pci', available_instances: '10' } } };

/** A host with one A100 (the physical function is the mdev parent) bound to nvidia, that driver's version and the OS files. */
function nvidiaHost(version: string): string {
  const parents: TreeParent[] = [
    {
      id: '0000:3b:00.0',
      devpath: 'pci0000:3a/0000:3a:00.0/0000:3b:00.0',
      types: NVIDIA_TYPES,
      devices: [{ uuid: '4b20d080-1b54-4048-85b3-a6a62d165c01', type: 'nvidia-700' }],
      files: PCI_FILES,
      driver: { name: 'nvidia', module: 'nvidia' },
    },
  ];
  return addHostFiles(buildTree(parents), {
    osrelease: '6.8.0-45-generic',
    osRelease: 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n',
    modules: { nvidia: version },
  });
}

const A100_FACTS = {
  driver: 'nvidia',
  driver_version: '550.90.05',
  pci_class: '0x030200',
  pci_device: '0x20b5',
  pci_revision: '0xa1',
  pci_subsystem_device: '0x1533',
  pci_subsystem_vendor: '0x10de',
  pci_vendor: '0x10de',
};

// --- collect ---------------------------------------------------------------

test('collect: a PCI parent\'s ids, driver and driver version; the host\'s kernel, OS and module versions', async () => {
  const root = nvidiaHost('550.90.05');
  const r = await collectHost({ root, name: 'h', now });
  assert.equal(r.errors, []);
  assert.equal(r.warnings, []);
  assert.equal(r.value!.spec.parents['0000:3b:00.0']!.attributes, A100_FACTS);
  assert.equal(r.value!.spec.host, { kernel_release: '6.8.0-45-generic', nvidia_version: '550.90.05', os_id: 'rhel', os_version_id: '9.4' });
});

test('collect never opens config, rom or resource*: their content appears nowhere', async () => {
  const root = nvidiaHost('550.90.05');
  const r = await collectHost({ root, name: 'h', now });
  assert.not.ok(JSON.stringify(r).includes(MARKER));
  const out = cli('collect', '--root', root, '--name', 'h', '--json');
  assert.is(out.status, 0, out.stderr);
  assert.not.ok(out.stdout.includes(MARKER) || out.stderr.includes(MARKER));
  // Made unreadable, they would warn if anything tried to read them: nothing does.
  for (const f of ['config', 'rom', 'resource0', 'resource']) chmodSync(path.join(root, 'sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0', f), 0o000);
  const again = await collectHost({ root, name: 'h', now });
  assert.equal(again.warnings, []);
});

test('collect: absent fact files are absent facts, without a warning (non-PCI parents, no driver, no module version, no proc or etc)', async () => {
  const root = buildTree(STANDARD);
  const r = await collectHost({ root, name: 'h', now });
  assert.equal(r.warnings, []);
  assert.is(r.value!.spec.host, undefined);
  for (const p of Object.values(r.value!.spec.parents)) assert.is(p.attributes, undefined);
  // A driver without a version file (i915 is built in, or has no MODULE_VERSION) gives `driver` alone; a driver without a `module` link is looked up by name.
  const gvt = STANDARD.map((p) => (p.id === '0000:00:02.0' ? { ...p, files: { vendor: '0x8086\n', device: '0x5912\n' }, driver: { name: 'i915' } } : p));
  const ccw = gvt.map((p) => (p.id === '0.0.26ab' ? { ...p, driver: { name: 'vfio_ccw', bus: 'css' } } : p));
  const root2 = addHostFiles(buildTree(ccw), { modules: { vfio_ccw: '0.9' } });
  const r2 = await collectHost({ root: root2, name: 'h', now });
  assert.equal(r2.warnings, []);
  assert.equal(r2.value!.spec.parents['0000:00:02.0']!.attributes, { driver: 'i915', pci_device: '0x5912', pci_vendor: '0x8086' });
  assert.equal(r2.value!.spec.parents['0.0.26ab']!.attributes, { driver: 'vfio_ccw', driver_version: '0.9' }, 'not a PCI device: no ids');
  assert.equal(r2.value!.spec.host, { vfio_ccw_version: '0.9' });
});

test('collect: an unreadable fact file warns as any unreadable file does, and collection carries on', async () => {
  const root = nvidiaHost('550.90.05');
  chmodSync(path.join(root, 'sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/subsystem_device'), 0o000);
  const r = await collectHost({ root, name: 'h', now });
  assert.ok(r.ok);
  assert.equal(r.warnings.map((w) => [w.code, w.file]), [['file-unreadable', '/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/subsystem_device']]);
  assert.is(r.value!.spec.parents['0000:3b:00.0']!.attributes!.pci_subsystem_device, undefined);
  assert.is(r.value!.spec.parents['0000:3b:00.0']!.attributes!.pci_device, '0x20b5');
});

test('collect: facts are never read through a link that leaves the root (a parent, a driver, a module, os-release)', async () => {
  const outside = tmp('mdev-facts-outside-');
  for (const f of ['vendor', 'device', 'version', 'os-release']) writeFileSync(path.join(outside, f), `${MARKER}\n`);
  mkdirSync(path.join(outside, 'nvidia'));
  writeFileSync(path.join(outside, 'nvidia/version'), `${MARKER}\n`);
  const root = nvidiaHost('550.90.05');
  // A parent whose bus entry leaves the root: no parent, no facts.
  symlinkSync(outside, path.join(root, 'sys/class/mdev_bus/0000:5e:00.0'));
  // A parent whose driver link leaves the root: no driver, no version.
  const other = path.join(root, 'sys/devices/pci0000:3a/0000:3a:00.0/0000:3c:00.0');
  mkdirSync(path.join(other, 'mdev_supported_types'), { recursive: true });
  writeFileSync(path.join(other, 'vendor'), '0x10de\n');
  writeFileSync(path.join(other, 'device'), '0x20b5\n');
  symlinkSync(path.join(outside, 'nvidia'), path.join(other, 'driver'));
  symlinkSync(path.relative(path.join(root, 'sys/class/mdev_bus'), other), path.join(root, 'sys/class/mdev_bus/0000:3c:00.0'));
  // os-release as an absolute link out of the root.
  rmSync(path.join(root, 'etc/os-release'));
  symlinkSync(path.join(outside, 'os-release'), path.join(root, 'etc/os-release'));
  const r = await collectHost({ root, name: 'h', now });
  assert.ok(r.ok);
  assert.not.ok(JSON.stringify(r).includes(MARKER));
  assert.not.ok(JSON.stringify(r.warnings).includes(outside), 'warnings name the link, never its target');
  assert.not.ok('0000:5e:00.0' in r.value!.spec.parents);
  assert.equal(r.value!.spec.parents['0000:3c:00.0']!.attributes, { pci_device: '0x20b5', pci_vendor: '0x10de' });
  const leaving = r.warnings.filter((w) => /leaves the root/.test(w.message)).map((w) => w.file).sort();
  assert.equal(leaving, ['/etc/os-release', '/sys/class/mdev_bus/0000:5e:00.0', '/sys/devices/pci0000:3a/0000:3a:00.0/0000:3c:00.0/driver']);
  // etc/os-release left the root: usr/lib/os-release, the file it names on most distributions, is read instead.
  assert.equal(r.value!.spec.host, { kernel_release: '6.8.0-45-generic', nvidia_version: '550.90.05', os_id: 'rhel', os_version_id: '9.4' });
});

test('os-release: a small, strict parser of ID and VERSION_ID', () => {
  assert.equal(parseOsRelease('ID=ubuntu\nVERSION_ID="24.04"\n'), { id: 'ubuntu', versionId: '24.04', problems: [] });
  assert.equal(parseOsRelease("# comment\nID='sles'\nVERSION_ID=15.5\nID_LIKE=\"suse\"\n"), { id: 'sles', versionId: '15.5', problems: [] });
  assert.equal(parseOsRelease('ID=fedora\nID=rhel\n'), { id: 'rhel', problems: [] }, 'a later line wins, as in a shell');
  assert.equal(parseOsRelease('VERSION_ID="9\\.4"'), { problems: ['`VERSION_ID` is not one word of lowercase letters, digits, `.`, `_` and `-` (`"9\\.4"`): left out'] });
  for (const bad of ['ID="rhel', 'ID=$(reboot)', 'ID="Red Hat"', 'ID=rhel linux', "ID='a'b'", 'ID=""']) {
    const r = parseOsRelease(bad);
    assert.is(r.id, undefined, bad);
    assert.is(r.problems.length, 1, bad);
  }
  assert.equal(parseOsRelease('NAME=x\nPRETTY_NAME="$(anything)"\n'), { problems: [] }, 'other keys are never looked at');
});

test('collect: a malformed os-release value warns and is left out; usr/lib/os-release is read when etc/os-release is absent', async () => {
  const root = addHostFiles(buildTree(STANDARD), { osRelease: 'ID="Red Hat"\nVERSION_ID=9.4\n' });
  const r = await collectHost({ root, name: 'h', now });
  assert.equal(r.warnings.map((w) => [w.code, w.file]), [['schema-violation', '/etc/os-release']]);
  assert.equal(r.value!.spec.host, { os_version_id: '9.4' });
  rmSync(path.join(root, 'etc/os-release'));
  const r2 = await collectHost({ root, name: 'h', now });
  assert.equal(r2.value!.spec.host, { os_version_id: '9.4' });
});

// --- SR-IOV: virtual functions as parents ---------------------------------

/** An A100 in SR-IOV vGPU mode: its virtual functions are the mdev parents, the physical function is not. */
function sriovHost(): string {
  const vf = (fn: number): TreeParent => ({
    id: `0000:3b:00.${fn}`,
    devpath: `pci0000:3a/0000:3a:00.0/0000:3b:00.${fn}`,
    types: NVIDIA_TYPES,
    files: { vendor: '0x10de\n', device: '0x20b5\n', subsystem_vendor: '0x10de\n', subsystem_device: '0x1533\n', class: '0x030200\n' },
    driver: { name: 'nvidia', module: 'nvidia' },
    physfn: '0000:3b:00.0',
  });
  return addHostFiles(buildTree([vf(4), vf(5)]), { modules: { nvidia: '550.90.05' } });
}

test('collect: an SR-IOV virtual function names its physical function; facts for that function fill in what each lacks', async () => {
  const root = sriovHost();
  const facts = tmp('mdev-facts-');
  const smi = cli('import', 'nvidia-smi', path.join(FIXTURES, 'nvidia-smi/a100-host.xml'), '--json');
  assert.is(smi.status, 0, smi.stderr);
  writeFileSync(path.join(facts, 'gpu.json'), smi.stdout);
  const r = cli('collect', '--root', root, '--name', 'h', '--json', '--facts', path.join(facts, 'gpu.json'));
  assert.is(r.status, 0, r.stderr);
  const host = JSON.parse(r.stdout);
  for (const vf of ['0000:3b:00.4', '0000:3b:00.5']) {
    assert.equal(host.spec.parents[vf].attributes, {
      driver: 'nvidia',
      driver_version: '550.90.05',
      ecc_mode: 'enabled',
      pci_class: '0x030200',
      pci_device: '0x20b5',
      pci_physfn: '0000:3b:00.0',
      pci_subsystem_device: '0x1533',
      pci_subsystem_vendor: '0x10de',
      pci_vendor: '0x10de',
      product_name: 'NVIDIA A100 80GB PCIe',
      vbios_version: '92.00.90.00.05',
    });
  }
  // The second GPU of that nvidia-smi log is no parent here, nor the physical function of one.
  assert.equal(coded(r.stderr, facts), [['unknown-device', 'gpu.json', 21, 7]], 'at its key in the file');
  assert.match(r.stderr, /parent `0000:af:00\.0` is not on this host/);
});

// --- --facts ---------------------------------------------------------------

test('--facts on collect: facts given are merged after the files and win, with a warning when they change a value', () => {
  const root = nvidiaHost('550.90.05');
  const dir = tmp('mdev-facts-');
  writeFileSync(
    path.join(dir, 'fix.yaml'),
    'apiVersion: mdev-policy/v1\nkind: Facts\nmetadata: { name: fix }\nspec:\n  host:\n    nvidia_version: 550.90.07\n  parents:\n    "0000:3b:00.0":\n      driver_version: 550.90.07\n',
  );
  const r = cli('collect', '--root', root, '--name', 'h', '--json', '--facts', path.join(FIXTURES, 'facts/versions.yaml'), '--facts', path.join(dir, 'fix.yaml'));
  assert.is(r.status, 0, r.stderr);
  const host = JSON.parse(r.stdout);
  assert.equal(host.spec.host, { kernel_release: '6.8.0-45-generic', libvirt_version: '10.0.0', nvidia_version: '550.90.07', os_id: 'rhel', os_version_id: '9.4', qemu_version: '8.2.2' });
  assert.equal(host.spec.parents['0000:3b:00.0'].attributes, { ...A100_FACTS, driver_version: '550.90.07', ecc_mode: 'enabled' });
  assert.equal(coded(r.stderr, dir), [['duplicate-key', 'fix.yaml', 6, 21], ['duplicate-key', 'fix.yaml', 9, 23]]);
  assert.match(r.stderr, /`nvidia_version` `550\.90\.07` replaces `550\.90\.05` from the host/);
  // The same value given again changes nothing and says nothing.
  const same = cli('collect', '--root', root, '--name', 'h', '--json', '--facts', path.join(FIXTURES, 'facts/versions.yaml'), '--facts', path.join(FIXTURES, 'facts/versions.yaml'));
  assert.is(same.stderr, '');
});

test('--facts: a parent id the host does not have is a warning, and the Host gains no parent', () => {
  const r = cli('collect', '--root', nvidiaHost('550.90.05'), '--name', 'h', '--json', '--facts', path.join(FIXTURES, 'facts/unknown-parent.yaml'));
  assert.is(r.status, 0, r.stderr);
  assert.equal(Object.keys(JSON.parse(r.stdout).spec.parents), ['0000:3b:00.0']);
  assert.equal(coded(r.stderr), [['unknown-device', 'facts/unknown-parent.yaml', 6, 5]]);
  assert.match(r.stderr, /hint: its parents: `0000:3b:00\.0`/);
});

test('--facts: bad files are coded errors with file:line:col, exit 2 and nothing written', () => {
  const root = nvidiaHost('550.90.05');
  for (const [file, expected, pattern] of [
    ['facts/syntax.yaml', [['yaml-syntax', 'facts/syntax.yaml', 7, 1]], /yaml-syntax/],
    ['facts/number.yaml', [['schema-violation', 'facts/number.yaml', 6, 20]], /hint: quote it: `9\.4` is read as the number 9\.4/],
    ['facts/reserved.json', [['schema-violation', 'facts/reserved.json', 2, 23]], /`__proto__` is not allowed as a key/],
    ['mdevctl/types.json', [['schema-violation', 'mdevctl/types.json', 1, 1]], /a document must be a map/],
    ['routes/gvt-host.yaml', [['unknown-kind', 'routes/gvt-host.yaml', 4, 7]], /expected a `Facts` here, found a `Host`/],
    ['facts/missing.yaml', [['file-unreadable', 'facts/missing.yaml', 0, 0]], /cannot read/],
  ] as const) {
    for (const args of [['collect', '--root', root], ['import', 'libvirt', path.join(FIXTURES, 'libvirt/gpu.xml')], ['import', 'mdevctl', path.join(FIXTURES, 'mdevctl/types.json')]]) {
      const r = cli(...args, '--facts', path.join(FIXTURES, file));
      assert.is(r.status, 2, `${args[0]} ${file}: ${r.stderr}`);
      assert.is(r.stdout, '');
      assert.not.match(r.stderr, STACK);
      assert.not.match(r.stderr, /internal:/);
      assert.match(r.stderr, pattern, r.stderr);
      if (file !== 'facts/missing.yaml') assert.equal(coded(r.stderr), expected, r.stderr);
    }
  }
});

test('validate reads a Facts document like any other kind', () => {
  const ok = cli('validate', path.join(FIXTURES, 'facts/versions.yaml'));
  assert.is(ok.status, 0, ok.stdout + ok.stderr);
  const bad = cli('validate', path.join(FIXTURES, 'facts/number.yaml'));
  assert.is(bad.status, 2);
  assert.match(bad.stdout + bad.stderr, /number\.yaml:6:20: schema-violation/);
});

// --- import libvirt: parent facts ------------------------------------------

test('import libvirt: a parent\'s driver, vendor, product, class and physical function become its facts; --facts merges more', () => {
  const r = cli('import', 'libvirt', path.join(FIXTURES, 'libvirt/gpu.xml'), path.join(FIXTURES, 'libvirt/nvidia-vf.xml'), '--json');
  assert.is(r.status, 0, r.stderr);
  const host = JSON.parse(r.stdout);
  assert.equal(host.spec.parents['0000:00:02.0'].attributes, { driver: 'i915', pci_class: '0x030000', pci_device: '0x5912', pci_vendor: '0x8086' });
  assert.equal(host.spec.parents['0000:3b:00.4'].attributes, { driver: 'nvidia', pci_class: '0x030200', pci_device: '0x20b5', pci_physfn: '0000:3b:00.0', pci_vendor: '0x10de' });
  assert.is(host.spec.host, undefined, 'node-device XML has no host facts');
  const dir = tmp('mdev-facts-');
  const smi = cli('import', 'nvidia-smi', path.join(FIXTURES, 'nvidia-smi/a100-host.xml'));
  writeFileSync(path.join(dir, 'gpu.yaml'), smi.stdout);
  const merged = cli('import', 'libvirt', path.join(FIXTURES, 'libvirt/nvidia-vf.xml'), '--json', '--facts', path.join(dir, 'gpu.yaml'), '--facts', path.join(FIXTURES, 'facts/versions.yaml'));
  assert.is(merged.status, 0, merged.stderr);
  const m = JSON.parse(merged.stdout);
  assert.equal(m.spec.host, { libvirt_version: '10.0.0', nvidia_version: '550.90.05', qemu_version: '8.2.2' });
  assert.is(m.spec.parents['0000:3b:00.4'].attributes.ecc_mode, 'enabled');
  assert.is(m.spec.parents['0000:3b:00.4'].attributes.pci_subsystem_device, '0x1533');
  assert.equal(Object.keys(m.spec.parents), ['0000:3b:00.4']);
});

test('import mdevctl --facts: mdevctl has no facts; a Facts document gives them (--facts takes one file: the files after it stay arguments)', () => {
  const r = cli('import', 'mdevctl', '--facts', path.join(FIXTURES, 'facts/versions.yaml'), path.join(FIXTURES, 'mdevctl/types.json'), '--json');
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).spec.host, { libvirt_version: '10.0.0', qemu_version: '8.2.2' });
  assert.match(r.stderr, /parent `0000:3b:00\.0` is not on this host/);
});

// --- import nvidia-smi -----------------------------------------------------

interface SmiCase {
  name: string;
  files: string[];
  expect?: { host?: Record<string, string>; parents?: Record<string, Record<string, string>> };
  warnings?: [string, string, number, number][];
  errors?: [string, string, number, number][];
}

for (const c of readCases<SmiCase>('nvidia-smi.yaml')) {
  test(`import nvidia-smi: ${c.name}`, () => {
    const r = cli('import', 'nvidia-smi', ...c.files.map((f) => path.join(FIXTURES, 'nvidia-smi', f)), '--json');
    assert.not.match(r.stderr, STACK);
    if (c.errors) {
      assert.is(r.status, 2, r.stderr);
      assert.is(r.stdout, '');
      assert.equal(coded(r.stderr), c.errors, r.stderr);
      return;
    }
    assert.is(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.is(doc.kind, 'Facts');
    assert.equal(doc.spec, c.expect);
    assert.equal(coded(r.stderr), c.warnings ?? [], r.stderr);
  });
}

test('nvidia-smi ids: bus ids in the sysfs form, id pairs split device-then-vendor', () => {
  assert.is(sysfsPciAddress('00000000:3B:00.0'), '0000:3b:00.0');
  assert.is(sysfsPciAddress('00010000:AF:1F.7'), '10000:af:1f.7', 'a domain past 0xffff keeps its digits, as sysfs prints it');
  assert.is(sysfsPciAddress('0000:3b:00.0'), '0000:3b:00.0');
  for (const bad of ['0:1:0', 'GPU-6a3f1c2e', '00000000:3B:00.8', '00000000:3B:20.0', '']) assert.is(sysfsPciAddress(bad), undefined, bad);
  assert.equal(splitPciIdPair('20B510DE'), { device: '0x20b5', vendor: '0x10de' });
  assert.equal(splitPciIdPair('0x151E10DE'), { device: '0x151e', vendor: '0x10de' });
  for (const bad of ['20B5', '20B510DE0', 'N/A', '0x20B5_10DE']) assert.is(splitPciIdPair(bad), undefined, bad);
});

test('import nvidia-smi --format yaml writes a Facts document with its schema modeline, which --facts reads', () => {
  const r = cli('import', 'nvidia-smi', path.join(FIXTURES, 'nvidia-smi/a100-host.xml'), '--name', 'host-a-gpus');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^# yaml-language-server: \$schema=https:\/\/mdev-policy\.dev\/schemas\/v1\/facts\.schema\.json\napiVersion: mdev-policy\/v1\nkind: Facts\nmetadata:\n {2}name: host-a-gpus\n/);
  const dir = tmp('mdev-facts-');
  writeFileSync(path.join(dir, 'gpu.yaml'), r.stdout);
  const v = cli('validate', path.join(dir, 'gpu.yaml'));
  assert.is(v.status, 0, v.stdout + v.stderr);
});

// --- round trip --------------------------------------------------------------

test('round trip: two hosts that differ in their NVIDIA driver, collected with their nvidia-smi facts, carry nvidia_version and are refused by the default policy naming both versions', () => {
  const dir = tmp('mdev-facts-rt-');
  const log = readFileSync(path.join(FIXTURES, 'nvidia-smi/a100-host.xml'), 'utf8');
  const hosts: Record<string, { spec: { host: Record<string, string>; parents: Record<string, { attributes: Record<string, string> }> } }> = {};
  for (const [name, version] of [['host-a', '550.90.05'], ['host-b', '550.127.05']] as const) {
    // Each host's own nvidia-smi log: the same GPUs, its own driver.
    writeFileSync(path.join(dir, `${name}-smi.xml`), log.replace('<driver_version>550.90.05<', `<driver_version>${version}<`));
    const smi = cli('import', 'nvidia-smi', path.join(dir, `${name}-smi.xml`), '--json');
    assert.is(smi.status, 0, smi.stderr);
    writeFileSync(path.join(dir, `${name}-facts.json`), smi.stdout);
    const root = nvidiaHost(version);
    const r = cli('collect', '--root', root, '--name', name, '--facts', path.join(dir, `${name}-facts.json`));
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /`0000:af:00\.0` is not on this host/, 'the log\'s second GPU is no parent here');
    writeFileSync(path.join(dir, `${name}.yaml`), r.stdout);
    hosts[name] = JSON.parse(cli('collect', '--root', root, '--name', name, '--json', '--facts', path.join(dir, `${name}-facts.json`)).stdout);
  }
  const v = cli('validate', path.join(dir, 'host-a.yaml'), path.join(dir, 'host-b.yaml'));
  assert.is(v.status, 0, v.stdout + v.stderr);
  for (const [name, version] of [['host-a', '550.90.05'], ['host-b', '550.127.05']] as const) {
    const h = hosts[name]!;
    assert.equal(h.spec.host, { kernel_release: '6.8.0-45-generic', nvidia_version: version, os_id: 'rhel', os_version_id: '9.4' }, name);
    assert.equal(h.spec.parents['0000:3b:00.0']!.attributes, { ...A100_FACTS, driver_version: version, ecc_mode: 'enabled', product_name: 'NVIDIA A100 80GB PCIe', vbios_version: '92.00.90.00.05' }, name);
  }
  // The default policy (nvidia-vgpu's driver-version rule) refuses the pair, with a reason naming both versions.
  const e = cli('eval', '-s', path.join(dir, 'host-a.yaml'), '-d', path.join(dir, 'host-b.yaml'), '--json');
  assert.is(e.status, 1, e.stderr);
  const d = JSON.parse(e.stdout) as Decision;
  const own = d.destinations[0]!.candidates.filter((c) => c.type === d.source.devices[0]!.type);
  assert.ok(own.length > 0, 'the source type is offered on the destination');
  for (const c of own) {
    const k = c.checks.find((x) => x.id === 'driver-version')!;
    assert.is(k.result, 'fail');
    assert.equal([k.source, k.destination], ['550.90.05', '550.127.05']);
    assert.match(k.message, /550\.90\.05.*550\.127\.05/);
  }
});

test.run();
