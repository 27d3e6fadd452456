// Issue 11 (items 2, 3, 10, 12): collect with the default --root / really
// reads the host (run in a private mount namespace with a test tree bound over
// /sys); a parent, type or device whose name a Host cannot hold fails closed
// (exit 2), never vanishes; links that leave the root are reported once each,
// by their own path, and nothing past them is listed or read; and the
// importers turn what their parsers would throw on (deep nesting, reserved
// names) into coded errors with the file's name, never `internal:`.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collectHost, isBelowRoot } from '../src/sysfs.js';
import { ROOT } from './helpers.js';
import { buildTree, STANDARD, type TreeParent } from './sysfs-tree.js';

const now = new Date('2026-11-25T10:00:00Z');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/run.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
const STACK = /^\s+at .+:\d+:\d+\)?$/m;
const tmp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

/** Exit 2, nothing on stdout, coded one-line errors, no `internal:` and no stack trace. */
function assertCodedFailure(r: SpawnSyncReturns<string>, pattern: RegExp): void {
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, pattern);
  assert.not.match(r.stderr, /internal:/);
  assert.not.match(r.stderr, STACK, 'no stack trace');
}

// --- item 2: the containment test, and collect with the default root ---

test('containment: the filesystem root holds everything; a sibling sharing a prefix is outside', () => {
  assert.ok(isBelowRoot('/', '/'));
  assert.ok(isBelowRoot('/', '/sys'));
  assert.ok(isBelowRoot('/', '/sys/class/mdev_bus/0000:00:02.0'));
  assert.ok(isBelowRoot('/srv/h', '/srv/h'));
  assert.ok(isBelowRoot('/srv/h', '/srv/h/sys/devices'));
  assert.ok(isBelowRoot('/srv/h', '/srv/h/..hidden'), 'a name starting with two dots is still inside');
  assert.not.ok(isBelowRoot('/srv/h', '/srv/host-b/sys'), 'a prefix of the name is not a parent directory');
  assert.not.ok(isBelowRoot('/srv/h', '/srv'));
  assert.not.ok(isBelowRoot('/srv/h', '/'));
  assert.not.ok(isBelowRoot('/srv/h', '/etc/shadow'));
});

/** Why a private mount namespace with a bind mount cannot be made here (not root, no unshare, a container that forbids it); undefined when it can. */
function namespaceUnavailable(): string | undefined {
  const [from, to] = [tmp('mdev-ns-from-'), tmp('mdev-ns-to-')];
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --make-rprivate / && mount --bind "$1" "$2"', 'sh', from, to], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return r.error.message;
  return r.status === 0 ? undefined : r.stderr.trim().split('\n')[0] || `exit ${r.status}`;
}

/** `collect ARGS` in a private mount namespace where TREE/sys is bound over /sys: the machine's own /sys is never touched. */
function collectInNamespace(tree: string, ...args: string[]): SpawnSyncReturns<string> {
  const script = 'mount --make-rprivate / && mount --bind "$1/sys" /sys && shift && exec "$@"';
  return spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', tree, process.execPath, path.join(ROOT, 'bin/run.js'), 'collect', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
}

test('collect with the default --root / (and a --root whose real path is /) reads the host: a test tree bound over /sys in a mount namespace', async () => {
  const unavailable = namespaceUnavailable();
  if (unavailable !== undefined) {
    process.stdout.write(`\n  SKIPPED collect --root / in a mount namespace: unshare -m and mount --bind are not permitted here (${unavailable}); the containment unit test above still ran\n`);
    return;
  }
  const tree = buildTree(STANDARD);
  const expected = await collectHost({ root: tree, name: 'x', now });
  assert.ok(expected.ok);
  const toSlash = path.join(tmp('mdev-rootlink-'), 'slash');
  symlinkSync('/', toSlash);
  for (const args of [[], ['--root', '/'], ['--root', toSlash], ['--root', '/tmp/..']]) {
    const r = collectInNamespace(tree, '--name', 'x', '--json', ...args);
    assert.is(r.status, 0, `collect ${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr, '', 'no warnings: nothing was taken for outside the root');
    const host = JSON.parse(r.stdout);
    const parents = host.spec.parents;
    assert.equal(Object.keys(parents).sort(), ['0.0.26ab', '0000:00:02.0', 'mtty'], `collect ${args.join(' ')}`);
    assert.equal(Object.keys(parents.mtty.types).sort(), ['mtty-1', 'mtty-2']);
    assert.is(parents['0000:00:02.0'].types['i915-GVTg_V5_4'].software_version, '1.2.0');
    assert.equal(parents['0000:00:02.0'].devices, { '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001': { type: 'i915-GVTg_V5_4', attributes: { aggregator: '2', fps: '60' } } });
    assert.equal(Object.keys(parents.mtty.devices), ['2b1d8f3e-7c4a-4f0e-9d6b-1a2b3c4d5e6f']);
    assert.equal(host.spec.parents, JSON.parse(JSON.stringify(expected.value!.spec.parents)), 'the same parents as collected with --root TREE');
    // The tree has no proc/ or etc/: host facts read with --root / are this machine's own (DESIGN §10).
    assert.is(host.spec.host?.kernel_release, readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
    assert.is(expected.value!.spec.host, undefined);
  }
});

test('a bus that lists entries of which no parent could be collected warns: an empty host is never written in silence', () => {
  const root = buildTree([]);
  const outside = tmp('mdev-outside-');
  symlinkSync(outside, path.join(root, 'sys/class/mdev_bus/gone-out'));
  symlinkSync('../../devices/nowhere', path.join(root, 'sys/class/mdev_bus/dangling'));
  const r = cli('collect', '--root', root, '--name', 'h', '--json');
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).spec, { parents: {} });
  assert.match(r.stderr, /^\/sys\/class\/mdev_bus: warning file-unreadable: lists 2 entries but no parent could be collected/m);
  const empty = cli('collect', '--root', buildTree([]), '--name', 'h', '--json');
  assert.is(empty.stderr, '', 'a bus with no entries is a quiet empty host');
});

// --- item 3: a parent, type or device the Host cannot hold fails closed ---

const DEVICE = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

test('a `__proto__` parent holding a device: collect exits 2 naming it, writes nothing, and eval on what it wrote is never 0', () => {
  const hostile: TreeParent[] = [
    ...STANDARD,
    { id: '__proto__', devpath: 'virtual/evil/__proto__', types: { 'evil-1': { attrs: { device_api: 'vfio-pci', available_instances: '1' } } }, devices: [{ uuid: DEVICE, type: 'evil-1' }] },
  ];
  const r = cli('collect', '--root', buildTree(hostile), '--name', 'src');
  assertCodedFailure(r, /^\/sys\/class\/mdev_bus\/__proto__: schema-violation: `__proto__` is a reserved name/m);
  const dir = tmp('mdev-proto-eval-');
  writeFileSync(path.join(dir, 'src.yaml'), r.stdout);
  const twin = cli('collect', '--root', buildTree(STANDARD), '--name', 'dst');
  assert.is(twin.status, 0, twin.stderr);
  writeFileSync(path.join(dir, 'dst.yaml'), twin.stdout);
  for (const extra of [[], ['--device', DEVICE]]) {
    const e = cli('eval', '-s', path.join(dir, 'src.yaml'), '-d', path.join(dir, 'dst.yaml'), ...extra);
    assert.is.not(e.status, 0, `eval ${extra.join(' ')} on what collect wrote: ${e.stdout}${e.stderr}`);
    assert.not.match(e.stderr, STACK);
  }
});

test('types named constructor/prototype/__proto__, a device whose type is one, a device entry that is not a uuid, a parent that is not a sysfs name: each a coded error naming its path', async () => {
  const tree: TreeParent[] = [
    ...STANDARD,
    {
      id: 'sample',
      devpath: 'virtual/sample/sample',
      types: {
        'sample-1': { attrs: { device_api: 'vfio-pci', available_instances: '2' } },
        constructor: { attrs: { device_api: 'vfio-pci', available_instances: '1' } },
        prototype: { attrs: { device_api: 'vfio-pci', available_instances: '1' } },
        ['__proto__']: { attrs: { device_api: 'vfio-pci', available_instances: '1' } },
      },
      devices: [{ uuid: DEVICE, type: 'constructor' }],
    },
    { id: 'bad name', devpath: 'virtual/bad/bad name', types: { 'bad-1': { attrs: { device_api: 'vfio-pci', available_instances: '1' } } } },
  ];
  const root = buildTree(tree);
  // A device entry the kernel would have named by uuid, linked to a real device directory.
  symlinkSync(path.join('../../../devices/virtual/mtty/mtty', '2b1d8f3e-7c4a-4f0e-9d6b-1a2b3c4d5e6f'), path.join(root, 'sys/bus/mdev/devices/not-a-uuid'));
  const r = await collectHost({ root, name: 'h', now });
  assert.not.ok(r.ok);
  const sample = '/sys/devices/virtual/sample/sample';
  assert.equal(
    r.errors.map((e) => [e.code, e.file, e.message]).sort(),
    [
      ['schema-violation', '/sys/bus/mdev/devices/not-a-uuid', '`not-a-uuid` is not a device uuid: a device the Host cannot hold'],
      ['schema-violation', '/sys/class/mdev_bus/bad name', '`bad name` is not a sysfs name: a parent the Host cannot hold (nor its devices)'],
      ['schema-violation', `${sample}/${DEVICE}`, 'its type `constructor` is a reserved name: a device the Host cannot hold'],
      ['schema-violation', `${sample}/mdev_supported_types/__proto__`, '`__proto__` is a reserved name: a type the Host cannot hold (nor its devices)'],
      ['schema-violation', `${sample}/mdev_supported_types/constructor`, '`constructor` is a reserved name: a type the Host cannot hold (nor its devices)'],
      ['schema-violation', `${sample}/mdev_supported_types/prototype`, '`prototype` is a reserved name: a type the Host cannot hold (nor its devices)'],
    ].sort(),
  );
  assert.is(({} as Record<string, unknown>).device_api, undefined, 'Object.prototype is untouched');
  const out = cli('collect', '--root', root);
  assertCodedFailure(out, /^\/sys\/devices\/virtual\/sample\/sample\/mdev_supported_types\/constructor: schema-violation: /m);
});

// --- item 10: links that leave the root ---

const SIDE_DEVICE = 'cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const OUT_DEVICE = 'dddddddd-bbbb-4ccc-8ddd-eeeeeeeeeeee';

/** A directory outside the root that looks like a parent, a type and a device, with several entries, all marked OUTSIDE; atimes set two days back. */
function outsideDirectory(): string {
  const outside = tmp('mdev-outside-');
  for (const t of ['OUTSIDE-TYPE-1', 'OUTSIDE-TYPE-2']) {
    mkdirSync(path.join(outside, 'mdev_supported_types', t, 'devices'), { recursive: true });
    writeFileSync(path.join(outside, 'mdev_supported_types', t, 'device_api'), 'OUTSIDE-VALUE\n');
  }
  for (const f of ['device_api', 'available_instances', 'OUTSIDE-ENTRY-A', 'OUTSIDE-ENTRY-B']) writeFileSync(path.join(outside, f), 'OUTSIDE-VALUE\n');
  mkdirSync(path.join(outside, 'OUTSIDE-DIR'));
  symlinkSync('mdev_supported_types/OUTSIDE-TYPE-1', path.join(outside, 'mdev_type'));
  backdate(outside);
  return outside;
}

const TWO_DAYS_AGO = new Date(Date.now() - 2 * 24 * 3600 * 1000);
/** Children first: listing a directory after backdating it would move its atime again. */
function backdate(p: string): void {
  if (statSync(p).isDirectory()) for (const e of readdirSync(p, { withFileTypes: true })) if (!e.isSymbolicLink()) backdate(path.join(p, e.name));
  utimesSync(p, TWO_DAYS_AGO, TWO_DAYS_AGO);
}
/** Every path below `p` (and `p`) whose atime moved since backdate: what was listed or read. */
function touched(p: string): string[] {
  const mine = statSync(p).atimeMs > TWO_DAYS_AGO.getTime() + 1000 ? [p] : [];
  if (!statSync(p).isDirectory()) return mine;
  return [...mine, ...readdirSync(p, { withFileTypes: true }).filter((e) => !e.isSymbolicLink()).flatMap((e) => touched(path.join(p, e.name)))];
}
/** Whether this filesystem records reads in atime (noatime mounts do not): probed on a directory of its own. */
function atimeTracked(): boolean {
  const probe = tmp('mdev-atime-');
  backdate(probe);
  readdirSync(probe);
  return touched(probe).length > 0;
}

test('links that leave the root (a parent, a type, a device, a parent\'s type list, a device\'s mdev_type): one warning each naming the link, nothing outside listed, read or shown', () => {
  const tree: TreeParent[] = [
    ...STANDARD,
    { id: 'linked-types', devpath: 'virtual/lt/lt', types: {} },
    { id: 'side', devpath: 'virtual/side/side', types: { 'side-1': { attrs: { device_api: 'vfio-pci', available_instances: '1' } } }, devices: [{ uuid: SIDE_DEVICE, type: 'side-1' }] },
    { id: 'absolute', devpath: 'virtual/abs/abs', types: { 'abs-1': { attrs: { device_api: 'vfio-pci', available_instances: '3' } } } },
  ];
  const root = buildTree(tree);
  const outside = outsideDirectory();
  const sys = (p: string) => path.join(root, 'sys', p);
  symlinkSync(outside, sys('class/mdev_bus/linked-parent')); // a parent directory, absolute
  symlinkSync(path.relative(sys('devices/virtual/mtty/mtty/mdev_supported_types'), outside), sys('devices/virtual/mtty/mtty/mdev_supported_types/linked-type')); // a type directory, relative
  symlinkSync(path.relative(sys('bus/mdev/devices'), outside), sys(`bus/mdev/devices/${OUT_DEVICE}`)); // a device directory
  // A parent whose whole type list is a link out (the old code listed it, and named each outside entry and its real path).
  const lt = sys('devices/virtual/lt/lt/mdev_supported_types');
  rmSync(lt, { recursive: true, force: true });
  symlinkSync(path.join(outside, 'mdev_supported_types'), lt);
  // A device inside the root whose mdev_type leaves it.
  const sideType = sys(`devices/virtual/side/side/${SIDE_DEVICE}/mdev_type`);
  rmSync(sideType);
  symlinkSync(path.join(outside, 'mdev_supported_types/OUTSIDE-TYPE-2'), sideType);
  // An absolute link that stays inside the root is followed like a relative one.
  rmSync(sys('class/mdev_bus/absolute'));
  symlinkSync(sys('devices/virtual/abs/abs'), sys('class/mdev_bus/absolute'));
  const tracked = atimeTracked();

  const r = cli('collect', '--root', root, '--name', 'h', '--json');
  assert.is(r.status, 0, r.stderr);
  const all = r.stdout + r.stderr;
  assert.not.ok(all.includes(outside), 'no outside path is printed');
  assert.not.ok(all.includes(path.basename(outside)), 'not even the outside directory\'s name');
  assert.not.match(all, /OUTSIDE/, 'no outside entry name or value is printed');
  const leaves = 'warning file-unreadable: a link that leaves the root: not followed';
  assert.equal(r.stderr.trim().split('\n').sort(), [
    `/sys/bus/mdev/devices/${OUT_DEVICE}: ${leaves}`,
    `/sys/class/mdev_bus/linked-parent: ${leaves}`,
    `/sys/devices/virtual/lt/lt/mdev_supported_types: ${leaves}`,
    `/sys/devices/virtual/mtty/mtty/mdev_supported_types/linked-type: ${leaves}`,
    `/sys/devices/virtual/side/side/${SIDE_DEVICE}/mdev_type: ${leaves}`,
  ]);
  const parents = JSON.parse(r.stdout).spec.parents;
  assert.equal(Object.keys(parents).sort(), ['0.0.26ab', '0000:00:02.0', 'absolute', 'linked-types', 'mtty', 'side']);
  assert.equal(parents['linked-types'], { types: {} });
  assert.equal(parents.side, { types: { 'side-1': { available_instances: 1, device_api: 'vfio-pci' } } }, 'the device whose type is outside is not taken');
  assert.equal(Object.keys(parents.mtty.types).sort(), ['mtty-1', 'mtty-2']);
  assert.equal(parents.absolute.types['abs-1'].available_instances, 3);
  if (tracked) assert.equal(touched(outside), [], 'nothing outside the root was listed or read (atimes unchanged)');
  else process.stdout.write('\n  NOTE: this filesystem does not record atimes: the check that nothing outside was listed or read rests on the output alone\n');
});

// --- item 12: what the parsers would throw on is a coded error ---

const DEVICE_XML = (inner: string) => `<device>\n  <name>pci_0000_00_02_0</name>\n  <capability type='pci'>\n${inner}\n  </capability>\n</device>\n`;

test('import libvirt: XML nested past the depth limit is input-too-large with file:line:col, never internal', () => {
  const dir = tmp('mdev-deep-xml-');
  const file = path.join(dir, 'deep.xml');
  writeFileSync(file, DEVICE_XML(`${'<a>'.repeat(150)}${'</a>'.repeat(150)}`));
  // <device> and <capability> are levels 1 and 2; the 63rd <a> is level 65, at line 4 column 1 + 62 * 3.
  assertCodedFailure(cli('import', 'libvirt', file), new RegExp(`^${file}:4:187: input-too-large: nesting deeper than 64 levels$`, 'm'));
  const deeper = path.join(dir, 'deeper.xml');
  writeFileSync(deeper, `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`);
  assertCodedFailure(cli('import', 'libvirt', deeper), new RegExp(`^${deeper}:1:193: input-too-large: `, 'm'));
});

test('import libvirt: elements named constructor, prototype or __proto__ are schema-violation with file:line:col, never internal', () => {
  const dir = tmp('mdev-reserved-xml-');
  for (const name of ['constructor', 'prototype', '__proto__']) {
    const nested = path.join(dir, `${name}.xml`);
    writeFileSync(nested, DEVICE_XML(`    <capability type='mdev_types'>\n      <type id='nvidia-11'><${name}>x</${name}></type>\n    </capability>`));
    assertCodedFailure(cli('import', 'libvirt', nested), new RegExp(`^${nested}:5:28: schema-violation: element \`<${name}>\` has a reserved name$`, 'm'));
    const empty = path.join(dir, `${name}-empty.xml`);
    writeFileSync(empty, `<device><${name}/></device>`);
    assertCodedFailure(cli('import', 'libvirt', empty), new RegExp(`^${empty}:1:9: schema-violation: `, 'm'));
  }
  // In comments, CDATA or attribute values they are just text.
  const text = path.join(dir, 'text.xml');
  writeFileSync(text, DEVICE_XML(`    <!-- <constructor> -->\n    <capability type='mdev_types' note='&lt;prototype&gt; >'><![CDATA[<__proto__>]]></capability>`));
  const ok = cli('import', 'libvirt', text);
  assert.is(ok.status, 0, ok.stderr);
});

test('import mdevctl: deeply nested JSON is input-too-large, reserved keys (even in ignored fields) are schema-violation, each with the file', () => {
  const dir = tmp('mdev-mdevctl-');
  const deep = path.join(dir, 'deep.json');
  writeFileSync(deep, `${'['.repeat(200)}${']'.repeat(200)}`);
  assertCodedFailure(cli('import', 'mdevctl', deep), new RegExp(`^${deep}:1:65: input-too-large: nesting deeper than 64 levels$`, 'm'));
  const cases: [string, unknown, string[], RegExp][] = [
    ['parent.json', JSON.parse('[{"__proto__": [{"mtty-1": {"device_api": "vfio-pci", "available_instances": 1}}]}]'), [], /\$\[0\]\.__proto__: `__proto__` is a reserved name/],
    ['type.json', [{ p: [{ constructor: { device_api: 'vfio-pci', available_instances: 1 } }] }], [], /\$\[0\]\.p\[0\]\.constructor: /],
    ['start.json', [{ p: [{ [DEVICE]: { mdev_type: 't', start: { prototype: 'x' } } }] }], [], /\.start\.prototype: `prototype` is a reserved name/],
    ['lone.json', JSON.parse('{"mdev_type": "t", "start": "auto", "__proto__": {"x": 1}}'), ['--parent', 'p', '--uuid', DEVICE], /\$\.__proto__: /],
  ];
  for (const [name, doc, flags, message] of cases) {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(doc));
    const r = cli('import', 'mdevctl', file, ...flags);
    assertCodedFailure(r, new RegExp(`^${file}:\\d+:\\d+: schema-violation: `, 'm'));
    assert.match(r.stderr, message);
  }
});

test.run();
