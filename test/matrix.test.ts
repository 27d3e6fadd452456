// The compatibility matrix (issue 17): host classes (table cases, both
// reading paths), the matrix of a fixture fleet against the reference
// evaluator for every host pair (differential), the JSON, CSV, text and
// script goldens (test/golden/matrix/, id, time, version and digest masked;
// UPDATE_GOLDEN=1 rewrites them), upgrade plans, trait and label names with
// hostile host names (the scripts run against stub commands), and bad input.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_LIMITS, evaluate, normalizeHost, parseText, policyFromDocument, type Host, type MdevDevice, type WrittenCheck, type WrittenHost } from '../src/index.js';
import * as m from '../src/matrix/index.js';
import { cli } from './cli.js';
import { hostDoc, policyText, readCases, ROOT } from './helpers.js';

const FLEET = 'test/fixtures/matrix/fleet.ndjson';
const GOLDEN = path.join(ROOT, 'test/golden/matrix');

interface Cases {
  grouping: { name: string; checks?: WrittenCheck[]; hosts: { name: string; host?: Record<string, string>; parents: Record<string, unknown> }[]; classes: string[][] }[];
  upgrades: { name: string; changes: string[]; expect: { feasible: boolean; affected: string[]; steps: string[]; blocked?: { step: number; class: string; type: string; refusedBy: Record<string, string[]> } } }[];
  csv: [string, string][];
  traits: [string, string][];
  labels: [string, string][];
}
const cases = readCases<Cases>('matrix.yaml') as unknown as Cases;

let shipped: m.MatrixPolicy | undefined;
async function policyOf(checks?: WrittenCheck[]): Promise<m.MatrixPolicy> {
  if (!checks) return (shipped ??= (await m.loadMatrixPolicy({}, DEFAULT_LIMITS)).value!);
  const base = policyFromDocument(parseText(policyText(checks), 'case.yaml').value!).value!;
  return m.matrixPolicyOf(base, []).value!;
}

/** The classes hosts form, as lists of member names, keyed from raw documents or from normalised hosts. */
function classesOf(policy: m.MatrixPolicy, docs: WrittenHost[], way: 'raw' | 'normalised' | 'mixed'): string[][] {
  const index = new m.ClassIndex(policy.reads, policy.set);
  docs.forEach((doc, i) => {
    const copy = structuredClone(doc);
    const host = () => normalizeHost(copy).value!;
    if (way === 'raw' || (way === 'mixed' && i % 2 === 0)) index.addWritten(copy, undefined, host);
    else index.addHost(host());
  });
  return index.classes.map((c) => c.members);
}

for (const c of cases.grouping) {
  test(`classes: ${c.name}`, async () => {
    const policy = await policyOf(c.checks);
    const docs = c.hosts.map((h) => hostDoc(h.name, h.parents, h.host) as unknown as WrittenHost);
    for (const way of ['raw', 'normalised', 'mixed'] as const) assert.equal(classesOf(policy, docs, way), c.classes, way);
  });
}

// --- the fixture fleet -----------------------------------------------------------------------------------

let fleetRun: Promise<m.MatrixRun> | undefined;
const fleet = () => (fleetRun ??= policyOf().then((policy) => m.buildMatrix({ policy, inventories: [FLEET], limits: DEFAULT_LIMITS, failOnSkip: false })));

/** Every host of the fixture, normalised. */
function fleetHosts(): Host[] {
  return readFileSync(path.join(ROOT, FLEET), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => normalizeHost(JSON.parse(l) as WrittenHost).value!);
}

/** Host `h` running one VM of `type`: a device on its first parent offering it, with a value for each instance attribute its type names. */
function withVm(h: Host, type: string): Host {
  const parent = h.parents.find((p) => p.types.some((t) => t.id === type))!;
  const t = parent.types.find((x) => x.id === type)!;
  const attributes: Record<string, string> = {};
  for (const n of (t.attributes.dynamic_resources as string[] | undefined) ?? []) attributes[n] = '2';
  if (type.startsWith('vfio_ap')) Object.assign(attributes, { assign_adapter: '0x05', assign_domain: '0x0004', assign_control_domain: '0x0004' });
  const device: MdevDevice = { uuid: '6f1e8a52-0b8c-4f7e-9a3b-5d6c7e8f9a01', parent: parent.id, type, attributes };
  return { ...h, devices: [device] };
}

test('the fixture fleet: 12 hosts in 6 classes, the irrelevant differences merged', async () => {
  const { matrix } = await fleet();
  assert.is(matrix.hosts, 12);
  assert.equal(
    matrix.classes.map((c) => c.members),
    [['gvt-01', 'gvt-02', 'gvt-03'], ['nv-01', 'nv-02'], ['mtty-01', 'mtty-02'], ['s390-01', 's390-02', 's390-03'], ['gvt-04'], ['nv-03']],
  );
  assert.equal(matrix.types, ['i915-GVTg_V5_4', 'i915-GVTg_V5_8', 'mtty-1', 'mtty-2', 'nvidia-557', 'nvidia-558', 'vfio_ap-passthrough', 'vfio_ccw-io']);
  // Every (type, from, to): from a class offering the type, to every class but a one-host class's own.
  const offered = matrix.classes.reduce((n, c) => n + c.types.length * (matrix.classes.length - (c.size < 2 ? 1 : 0)), 0);
  assert.is(matrix.relation.length, offered);
});

test('differential: the matrix agrees with the reference evaluator for every host pair', async () => {
  const { matrix } = await fleet();
  const policy = (await policyOf()).set;
  const classOf = new Map(matrix.classes.flatMap((c) => c.members.map((h) => [h, c.id] as const)));
  const pairs = new Map(matrix.relation.map((p) => [`${p.type} ${p.from} ${p.to}`, p]));
  const hosts = fleetHosts();
  let decided = 0;
  for (const a of hosts) {
    for (const type of [...new Set(a.parents.flatMap((p) => p.types.map((t) => t.id)))]) {
      const source = withVm(a, type);
      for (const b of hosts) {
        if (b === a) continue;
        // json-rules-engine, the reference semantics; the destination as it is (its own devices too).
        const d = await evaluate({ policy, source, destinations: [{ host: b, errors: [] }], destination: { engine: 'rules' } });
        const pair = pairs.get(`${type} ${classOf.get(a.name)} ${classOf.get(b.name)}`);
        assert.ok(pair, `no pair for ${type} ${a.name} → ${b.name}`);
        assert.is(pair.compatible, d.compatible, `${type}: ${a.name} (${classOf.get(a.name)}) → ${b.name} (${classOf.get(b.name)})`);
        decided++;
      }
    }
  }
  assert.ok(decided > 200, `${decided} pairs decided`);
  // Both verdicts occur, and refusals name their checks.
  assert.ok(matrix.relation.some((p) => p.compatible) && matrix.relation.some((p) => !p.compatible));
  const nv = pairs.get('nvidia-557 C2 C6')!;
  assert.equal(nv.failing?.map((f) => f.check), ['driver-version']);
  assert.is(nv.failing![0]!.origin, 'nvidia-vgpu@2.0.0');
  assert.is(pairs.get('i915-GVTg_V5_4 C5 C1')!.compatible, true);
  assert.equal(pairs.get('i915-GVTg_V5_4 C1 C5')!.failing?.map((f) => f.check), ['software-version']);
  assert.is(pairs.get('mtty-1 C3 C1')!.reason, 'no host of C1 offers `mtty-1`');
  // A class of one host is not its own destination; a class of several is.
  assert.not.ok(pairs.has('i915-GVTg_V5_4 C5 C5'));
  assert.ok(pairs.get('i915-GVTg_V5_4 C1 C1')!.compatible);
});

test('a fix the Decision carries is copied to the failing check and the pair (read as optional)', () => {
  const fix: m.Fix = { attribute: 'nvidia_version', scope: 'host', side: 'destination', from: '570.86.10', to: '550.90.05' };
  const pair = m.classPair('nvidia-557', 'C2', 'C6', {
    host: 'nv-03',
    compatible: false,
    reason: 'no compatible candidate for `x`',
    reasonCode: 'no-candidate',
    placement: [],
    candidates: [{ device: 'x', parent: 'p', type: 'nvidia-557', compatible: false, checks: [{ id: 'driver-version', result: 'fail', origin: 'o@1', message: 'differs', fix } as never] }],
  }, false);
  assert.equal(pair.failing, [{ check: 'driver-version', origin: 'o@1', message: 'differs', fix }]);
  assert.equal(pair.fixes, [fix]);
  assert.is(m.fixText(fix), 'destination host nvidia_version: 570.86.10 → 550.90.05');
});

// --- goldens ------------------------------------------------------------------------------------------------

/** What differs from run to run (and with every release or policy edit) masked. */
function masked(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g, '<id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:<digest>')
    .replace(/("name": "mdev-policy",\s*"version": )"[^"]*"/g, '$1"<version>"')
    .replace(/mdev-policy \d+\.\d+\.\d+/g, 'mdev-policy <version>');
}

function golden(name: string, args: string[], status = 0, input?: string): void {
  test(`golden: matrix ${name}`, () => {
    const r = cli(['matrix', ...args], input === undefined ? {} : { input });
    assert.is(r.stderr, '', r.stderr);
    assert.is(r.status, status);
    const file = path.join(GOLDEN, name);
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, masked(r.stdout));
      return;
    }
    assert.fixture(masked(r.stdout), readFileSync(file, 'utf8'));
  });
}

golden('fleet.json', [FLEET, '--format', 'json']);
golden('fleet.csv', [FLEET, '--format', 'csv']);
golden('fleet.txt', [FLEET]);
golden('fleet-nova-traits.sh', [FLEET, '--format', 'nova-traits']);
golden('fleet-k8s-labels.sh', [FLEET, '--format', 'k8s-labels']);
golden('plan-feasible.txt', [FLEET, '--plan-upgrade', 'type[i915-GVTg_*].software_version=1.4.0']);
golden('plan-infeasible.txt', [FLEET, '--plan-upgrade', 'nvidia_version=570.86.10'], 1);
golden('plan-infeasible.json', ['-', '--plan-upgrade', 'nvidia_version=570.86.10', '--json'], 1, readFileSync(path.join(ROOT, FLEET), 'utf8'));

test('the JSON is the document: parses, and every pair refers to classes and types it lists', async () => {
  const doc = JSON.parse(readFileSync(path.join(GOLDEN, 'fleet.json'), 'utf8')) as m.CompatibilityMatrix;
  assert.is(doc.kind, 'CompatibilityMatrix');
  const ids = new Set(doc.classes.map((c) => c.id));
  for (const p of doc.relation) assert.ok(ids.has(p.from) && ids.has(p.to) && doc.types.includes(p.type));
  // The same as the library's document, but for what is masked.
  const { matrix } = await fleet();
  assert.equal(JSON.parse(masked(m.renderMatrixJson(matrix))), doc);
});

test('the CSV has one row per class pair, and a header', async () => {
  const { matrix } = await fleet();
  const lines = m.renderMatrixCsv(matrix).split('\r\n');
  assert.is(lines[0], 'type,from,to,compatible,reason_code,failing_checks,fixes');
  assert.is(lines.length, matrix.relation.length + 2);
  assert.is(lines.at(-1), '');
});

for (const [cell, want] of cases.csv) {
  test(`csv cell: ${JSON.stringify(cell)}`, () => assert.is(m.csvCell(cell), want));
}

// --- upgrade plans ------------------------------------------------------------------------------------------

for (const c of cases.upgrades) {
  test(`upgrade: ${c.name}`, async () => {
    const run = await fleet();
    const policy = await policyOf();
    const changes = c.changes.map((t) => m.parseChange(t) as m.FactChange);
    const { plan } = await m.planUpgrade({ index: run.index, relation: run.matrix.relation, changes, set: policy.set, reads: policy.reads, options: { failOnSkip: false } });
    assert.is(plan.feasible, c.expect.feasible);
    assert.equal(plan.affected, c.expect.affected);
    assert.equal(plan.steps.map((s) => s.class), c.expect.steps);
    if (c.expect.blocked) {
      assert.is(plan.blocked?.step, c.expect.blocked.step);
      const first = plan.blocked!.candidates[0]!;
      assert.is(first.class, c.expect.blocked.class);
      assert.is(first.strands.type, c.expect.blocked.type);
      for (const [to, checks] of Object.entries(c.expect.blocked.refusedBy)) assert.equal(first.strands.refusals.find((r) => r.to === to)?.failing, checks, to);
      // The class being upgraded is never its own evacuation target.
      assert.ok(first.strands.refusals.some((r) => r.to === first.class && r.state === 'being upgraded'));
    } else assert.is(plan.blocked, undefined);
    // Each step's class can send every type it offers somewhere else, but what was stranded before the upgrade began.
    const stranded = new Set(plan.stranded.map((x) => `${x.class} ${x.type}`));
    for (const s of plan.steps) for (const e of s.evacuate) assert.ok((e.to.length > 0 || stranded.has(`${s.class} ${e.type}`)) && !e.to.includes(s.class), `${s.class} ${e.type}`);
  });
}

test('upgrade: FACT=VALUE syntax', () => {
  assert.equal(m.parseChange('nvidia_version=570.86.10'), { scope: 'host', name: 'nvidia_version', value: '570.86.10', text: 'nvidia_version=570.86.10' });
  assert.equal(m.parseChange('parent.driver_version=570'), { scope: 'parent', name: 'driver_version', value: '570', text: 'parent.driver_version=570' });
  assert.equal(m.parseChange('type[nvidia-*].x=1'), { scope: 'type', types: 'nvidia-*', name: 'x', value: '1', text: 'type[nvidia-*].x=1' });
  for (const bad of ['nvidia_version', '=1', 'host.=1', 'x=', 'parent[p].x=1', 'other.x=1']) assert.type(m.parseChange(bad), 'string', bad);
  const r = cli(['matrix', FLEET, '--plan-upgrade', 'nope']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /^usage: `nope` is not FACT=VALUE/);
  assert.is(r.stdout, '');
});

// --- traits and labels ----------------------------------------------------------------------------------------

for (const [type, want] of cases.traits) {
  test(`trait name part: ${type}`, () => {
    const names = m.typeNames([type], (t) => t.toUpperCase().replace(/[^A-Z0-9_]/g, '_'), 200, '_H');
    assert.is(names.get(type), want);
  });
}

for (const [type, want] of cases.labels) {
  test(`label name part: ${type}`, () => {
    const names = m.typeNames([type], (t) => t.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, ''), 50, '-h');
    assert.is(names.get(type), want);
  });
}

/** A raw control or bidi character (tab and newline aside): what must never reach a script. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u202e]/;
// eslint-disable-next-line no-control-regex
const CONTROL_NAME = /[\u0000-\u001f\u202e]/;

const HOSTILE = [
  "it's \"quoted\"",
  'two words',
  'hôte-ünïcode-주인',
  `long-${'x'.repeat(240)}`,
  '$(touch /tmp/mdev-policy-pwned) `id`; rm -rf /',
  '--trait',
  'line\nbreak',
  'esc\u001b[31mred',
  'bidi\u202eevil',
  'node-7.example.com',
];
const HOSTILE_TYPES = ['nvidia-11', 'nvidia_11', `t-${'y'.repeat(250)}`, '-=cmd()', 'ok.type'];

/** A matrix over hosts with hostile names and type ids: one class per host (each offers a type of its own too). */
async function hostileMatrix(): Promise<m.CompatibilityMatrix> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-matrix-'));
  const file = path.join(dir, 'hostile.ndjson');
  const lines = HOSTILE.map((name, i) =>
    JSON.stringify(
      hostDoc(name, {
        p: { types: Object.fromEntries([...HOSTILE_TYPES, `own-${i}`].map((t) => [t, { device_api: 'vfio-pci', available_instances: i % 2 === 0 ? 1 : 0 }])) },
      }),
    ),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  return (await m.buildMatrix({ policy: await policyOf(), inventories: [file], limits: DEFAULT_LIMITS, failOnSkip: false })).matrix;
}

test('traits: CUSTOM_ and [A-Z0-9_] at most 255, one per (type, class), colliding and long type ids kept apart', async () => {
  const matrix = await hostileMatrix();
  const names = m.traitNames(matrix);
  assert.is(names.size, matrix.classes.reduce((n, c) => n + c.types.length, 0));
  assert.is(new Set(names.values()).size, names.size, 'no two groups share a trait');
  for (const t of names.values()) {
    assert.match(t, /^CUSTOM_[A-Z0-9_]+$/);
    assert.ok(t.length <= 255, t);
  }
  assert.ok(names.get(`nvidia-11\u0000C1`)?.startsWith('CUSTOM_MDEV_NVIDIA_11_H'));
  assert.ok(names.get(`nvidia_11\u0000C1`)?.startsWith('CUSTOM_MDEV_NVIDIA_11_H'));
  assert.not.equal(names.get(`nvidia-11\u0000C1`), names.get(`nvidia_11\u0000C1`));
});

test('labels: prefix/name keys of at most 63 label characters, alphanumeric at both ends', async () => {
  const matrix = await hostileMatrix();
  const labels = m.hostLabels(matrix);
  const keys = new Set<string>();
  for (const list of labels.values()) {
    for (const [k, v] of list) {
      const [prefix, name] = k.split('/');
      assert.ok(m.isDnsSubdomain(prefix!), k);
      assert.ok(m.isLabelName(name!), k);
      assert.ok(v === '' || m.isLabelName(v), v);
      keys.add(k);
    }
  }
  assert.ok(keys.has('mdev-policy.io/class'));
  assert.ok(keys.size > HOSTILE_TYPES.length);
});

/** Run a script with stub commands on PATH that log each call's arguments (NUL-separated, a call a line). */
function runWithStubs(script: string, stubs: Record<string, string>): { log: string[][]; status: number | null; stderr: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-stubs-'));
  const log = path.join(dir, 'calls.log');
  for (const [name, body] of Object.entries(stubs)) {
    writeFileSync(path.join(dir, name), `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done >> '${log}'\nprintf '\\n' >> '${log}'\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  writeFileSync(log, '');
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
  const calls = readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\0').slice(0, -1));
  return { log: calls, status: r.status, stderr: r.stderr };
}

test('nova-traits: the script passes each hostile host name as one argument, and leaves out those with control characters', async () => {
  const matrix = await hostileMatrix();
  const script = m.renderNovaTraits(matrix);
  // No raw control or format character reaches the script.
  assert.not.match(script, RAW_CONTROL);
  const stub = `case "$*" in
  *"provider list"*) echo 0b7c3f6e-1111-4222-8333-944455556666 ;;
  *"trait list"*) printf 'COMPUTE_NET_ATTACH_INTERFACE\\nCUSTOM_MDEV_OLD_C9\\n' ;;
esac`;
  const r = runWithStubs(script, { openstack: stub });
  assert.is(r.status, 0, r.stderr);
  const listed = r.log.filter((a) => a.includes('list') && a.includes('--name')).map((a) => a[a.indexOf('--name') + 1]);
  const kept = HOSTILE.filter((h) => !CONTROL_NAME.test(h));
  assert.equal(listed.sort(), [...kept].sort());
  assert.ok(!existsPwned(), 'no command substitution ran');
  // Each `trait set` keeps the provider's other traits, drops its old CUSTOM_MDEV_ ones, and adds the host's.
  const sets = r.log.filter((a) => a.includes('set') && a.includes('trait'));
  assert.is(sets.length, kept.length);
  for (const s of sets) {
    assert.ok(s.includes('COMPUTE_NET_ATTACH_INTERFACE'));
    assert.not.ok(s.includes('CUSTOM_MDEV_OLD_C9'));
    assert.is(s.at(-1), '0b7c3f6e-1111-4222-8333-944455556666');
  }
  assert.match(script, /^# left out: host `line\\nbreak` holds a control or format character$/m);
  assert.match(script, /^# left out: host `bidi\\u202eevil` holds a control or format character$/m);
});

function existsPwned(): boolean {
  try {
    readFileSync('/tmp/mdev-policy-pwned');
    return true;
  } catch {
    return false;
  }
}

test('k8s-labels: only node names that are DNS subdomains get labels; every label reaches kubectl whole', async () => {
  const matrix = await hostileMatrix();
  const script = m.renderK8sLabels(matrix);
  const r = runWithStubs(script, { kubectl: '' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.log.length, 1);
  const [call] = r.log;
  assert.equal(call!.slice(0, 4), ['label', 'node', 'node-7.example.com', '--overwrite']);
  const labels = m.hostLabels(matrix).get('node-7.example.com')!;
  assert.equal(call!.slice(4), labels.map(([k, v]) => `${k}=${v}`));
  assert.match(script, /^# left out: host `two words` is not a Kubernetes node name \(a DNS subdomain\)$/m);
  assert.not.match(script, RAW_CONTROL);
  // A custom prefix must be a DNS subdomain.
  const bad = cli(['matrix', FLEET, '--format', 'k8s-labels', '--label-prefix', 'Not_A.Domain']);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /^usage: `Not_A.Domain` is not a DNS subdomain/);
});

test('--fail-on-skip: a pair that passes only by checks absent on both hosts is refused', () => {
  const r = cli(['matrix', FLEET, '--format', 'csv', '--fail-on-skip']);
  assert.is(r.status, 0);
  // Refused, with each check's fix asking for its attribute on both hosts (no destination fixes: listed on both, dynamic_resources would still need the device's values, so that set would not admit the pair).
  assert.ok(r.stdout.includes('\r\nnvidia-557,C2,C2,false,no-candidate,software-version; compatible-attributes; dynamic-resources,source type software_version: absent → present on both sides;'), r.stdout);
  const plain = cli(['matrix', FLEET, '--format', 'csv']);
  assert.ok(plain.stdout.includes('\r\nnvidia-557,C2,C2,true,,,\r\n'));
});

test('a host read twice counts once, with a warning', () => {
  const r = cli(['matrix', FLEET, FLEET, '--format', 'json']);
  assert.is(r.status, 0);
  const doc = JSON.parse(r.stdout) as m.CompatibilityMatrix;
  assert.is(doc.hosts, 12);
  assert.equal(doc.classes.map((c) => c.size), [3, 2, 2, 3, 1, 1]);
  assert.match(r.stderr, /duplicate-key: 12 hosts were read again and left out \(the first read of each name counts\): `gvt-01`, /);
});

test('--plan-upgrade of a fact no check reads: a warning that it changes no verdict (draining each class still must work)', () => {
  const r = cli(['matrix', FLEET, '--plan-upgrade', 'host.bios_version=9']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /no check reads `host\.bios_version`: changing it changes no verdict/);
});

// --- bad input ------------------------------------------------------------------------------------------------

test('bad input: coded errors on stderr, exit 2, the good hosts still in the matrix', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-matrix-bad-'));
  const file = path.join(dir, 'mixed.ndjson');
  const good = readFileSync(path.join(ROOT, FLEET), 'utf8').split('\n').filter(Boolean);
  writeFileSync(file, [good[0], '{"apiVersion":"mdev-policy/v1","kind":"Host"', good[1], JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: 'no-spec' } }), good[2]].join('\n'));
  const r = cli(['matrix', file, path.join(dir, 'missing.yaml'), '--format', 'json']);
  assert.is(r.status, 2);
  const doc = JSON.parse(r.stdout) as m.CompatibilityMatrix;
  assert.is(doc.hosts, 3);
  assert.equal(doc.classes.flatMap((c) => c.members).sort(), ['gvt-01', 'gvt-02', 'nv-01']);
  assert.equal(doc.errors.map((e) => [path.basename(e.file ?? ''), e.line, e.code]), [
    ['missing.yaml', undefined, 'file-unreadable'],
    ['mixed.ndjson', 2, 'yaml-syntax'],
    ['mixed.ndjson', 4, 'schema-violation'],
  ]);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:'));
  assert.is(lines.length, 3);
  assert.match(lines[0]!, /missing\.yaml: file-unreadable: /);
  assert.match(lines[1]!, /mixed\.ndjson:2:\d+: yaml-syntax: /);
  assert.match(lines[2]!, /mixed\.ndjson:4:\d+: schema-violation: /);
  assert.not.match(r.stdout + r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
});

test('a bad policy: its errors, exit 2, nothing on stdout', () => {
  const r = cli(['matrix', FLEET, '--policy', 'test/fixtures/bad-policy.yaml']);
  assert.is(r.status, 2);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /bad-policy\.yaml:\d+:\d+: /);
});

test('a class whose hosts have GPUs of two kinds: a VM may run on either, so a pair is compatible only when it is from each (fail closed)', () => {
  const gpu = (ecc: string) => ({
    attributes: { pci_vendor: '0x10de', pci_device: '0x2235', pci_subsystem_vendor: '0x10de', pci_subsystem_device: '0x145a', ecc_mode: ecc },
    types: { 'nvidia-557': { name: 'NVIDIA A40-1Q', device_api: 'vfio-pci', available_instances: 2 } },
  });
  const host = (name: string, parents: Record<string, unknown>) =>
    JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name }, spec: { host: { os_id: 'rhel', os_version_id: '9.4', nvidia_version: '550.90.05' }, parents } });
  const input = [
    host('mixed', { '0000:3b:00.0': gpu('enabled'), '0000:5e:00.0': gpu('disabled') }),
    host('en1', { '0000:3b:00.0': gpu('enabled') }),
    host('en2', { '0000:3b:00.0': gpu('enabled') }),
    host('dis1', { '0000:3b:00.0': gpu('disabled') }),
  ].join('\n');
  const r = spawnSync(process.execPath, ['bin/run.js', 'matrix', '-', '--format', 'json'], { cwd: ROOT, encoding: 'utf8', input });
  assert.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as m.CompatibilityMatrix;
  const cls = new Map(doc.classes.flatMap((c) => c.members.map((n) => [n, c.id] as const)));
  const pair = (from: string, to: string) => doc.relation.find((p) => p.type === 'nvidia-557' && p.from === cls.get(from) && p.to === cls.get(to))!;
  assert.is(pair('mixed', 'en1').compatible, false, 'a VM on the ECC-disabled GPU cannot go to an ECC-enabled host');
  assert.is(pair('mixed', 'dis1').compatible, false, 'nor one on the enabled GPU to a disabled host');
  assert.ok(pair('mixed', 'en1').failing!.some((f) => f.check === 'ecc-mode'), JSON.stringify(pair('mixed', 'en1')));
  assert.is(pair('en1', 'en1').compatible, true, 'the enabled class among itself');
});

test.run();
