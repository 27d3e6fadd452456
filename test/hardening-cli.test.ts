// The CLI under hostile surroundings (issue 11): a suites directory with links
// back up the tree, a closed or early-exiting stdout/stderr, plugins planted in
// the user's data directory, input strings that try to write to the terminal,
// and a destination with thousands of refused types. Each case runs the built
// CLI in a child process, as a hypervisor's shell would.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from './cli.js';
import { ROOT } from './helpers.js';

const BIN = path.join(ROOT, 'bin/run.js');
const scratch = () => mkdtempSync(path.join(tmpdir(), 'mdev-hardening-'));
/** No colour, whatever the terminal running the tests asks for. */
const ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined };
const noStack = (s: string) => assert.not.match(s, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');

const UUID = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const TYPE = 'i915-GVTg_V5_4';
const gvt = (version: string) => ({ device_api: 'vfio-pci', available_instances: 1, software_version: version, compatible_pci_ids: '5931', dynamic_resources: 'aggregator' });
/** A host with one GVT-g parent; `device` puts the VM's device on it (the source). */
function host(name: string, version: string, device = false): Record<string, unknown> {
  return {
    apiVersion: 'mdev-policy/v1',
    kind: 'Host',
    metadata: { name },
    spec: { parents: { '0000:00:02.0': { types: { [TYPE]: gvt(version) }, devices: device ? { [UUID]: { type: TYPE, attributes: { aggregator: '1' } } } : {} } } },
  };
}
const put = (dir: string, name: string, doc: unknown) => {
  const f = path.join(dir, name);
  writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return f;
};

// --- item 8: `test DIR` and links back up the tree -----------------------------

test('test DIR: two links to `.` do not multiply the walk; the suite runs once', () => {
  const dir = scratch();
  const suite = {
    apiVersion: 'mdev-policy/v1',
    kind: 'TestSuite',
    metadata: { name: 'linked' },
    spec: {
      policy: path.join(ROOT, 'policies/vfio-mdev.yaml'),
      cases: [
        { name: 'same version fits', source: host('a', '1.2.0', true), destination: host('b', '1.2.0'), expect: { compatible: true } },
        { name: 'older minor is refused', source: host('a', '1.2.0', true), destination: host('c', '1.1.0'), expect: { compatible: false, failing: ['software-version'] } },
      ],
    },
  };
  put(dir, 'one.test.json', suite);
  symlinkSync('.', path.join(dir, 'loop-a'));
  symlinkSync('.', path.join(dir, 'loop-b'));
  const r = spawnSync(process.execPath, [BIN, 'test', dir], { cwd: ROOT, encoding: 'utf8', env: ENV, timeout: 20_000 });
  noStack(r.stdout + r.stderr);
  assert.is(r.signal, null, 'finishes promptly');
  assert.is(r.stderr, '');
  assert.is(r.stdout.match(/› same version fits/g)?.length, 1, r.stdout);
  assert.ok(r.stdout.endsWith('2 passed, 0 failed\n'), r.stdout);
  assert.is(r.status, 0);
});

test('test DIR: a link to itself is reported as a link cycle (exit 2), the rest still runs', () => {
  const dir = scratch();
  symlinkSync('self', path.join(dir, 'self'));
  const r = cli(['test', dir, path.join(ROOT, 'policies/vfio-mdev.test.yaml')]);
  noStack(r.stdout + r.stderr);
  assert.match(r.stderr, /self: file-unreadable: cannot read: a link cycle\n/);
  assert.match(r.stdout, /\d+ passed, 0 failed\n$/);
  assert.is(r.status, 2);
});

// --- item 13: the exit code does not depend on where the output goes ---------------

/** The CLI run from bash with `redirect` applied to it: its own exit status (reported on fd 3). */
function shell(args: string[], redirect: string): Promise<number> {
  const quoted = [BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const script = `'${process.execPath}' ${quoted} ${redirect}; echo "status=\${PIPESTATUS[0]}" >&3`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env: ENV, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    let out = '';
    child.stdio[3]!.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      const m = /status=(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`no status from \`${redirect}\``));
    });
  });
}

test('exit 0, 1 and 2 survive a closed, read-only or early-exiting stdout and stderr', async () => {
  const dir = scratch();
  const source = put(dir, 'src.json', host('src', '1.2.0', true));
  // 1000 destinations: far more output than a pipe holds (64 KiB), text or NDJSON
  const inventory = (version: string) => Array.from({ length: 1000 }, (_, i) => JSON.stringify(host(`h${i}`, version))).join('\n') + '\n';
  // 1500 unreadable lines: as many coded errors on stderr
  const broken = `${JSON.stringify(host('h', '1.2.0'))}\n${'{broken\n'.repeat(1500)}`;
  const cases: [string, string[], number][] = [
    ['compatible', ['eval', '-s', source, '-d', put(dir, 'ok.ndjson', inventory('1.2.0'))], 0],
    ['refused', ['eval', '-s', source, '-d', put(dir, 'old.ndjson', inventory('1.1.0'))], 1],
    ['bad input', ['eval', '-s', source, '-d', put(dir, 'broken.ndjson', broken)], 2],
  ];
  // closed (2>&-), read-only (EBADF), and read by a reader that exits after one byte (EPIPE)
  const redirects = ['2>&-', '>&-', '2</dev/null', '1</dev/null', '| head -c 1 >/dev/null', '2>&1 | head -c 1 >/dev/null'];
  const runs: { what: string; args: string[]; redirect: string; status: number }[] = [];
  for (const [what, args, status] of cases) for (const redirect of redirects) runs.push({ what, args, redirect, status });
  for (const [what, args, status] of cases.slice(0, 2)) runs.push({ what: `${what} (ndjson)`, args: [...args, '--format', 'ndjson'], redirect: '| head -c 1 >/dev/null', status });
  // oclif's own errors (a usage error) keep their exit code too
  for (const redirect of ['2>&-', '2</dev/null']) runs.push({ what: 'usage', args: ['eval', '--no-such-flag'], redirect, status: 2 });
  // in parallel, a few at a time: each is a Node start-up and a fleet evaluation
  const width = Math.max(2, Math.min(8, availableParallelism()));
  const got: number[] = [];
  for (let i = 0; i < runs.length; i += width) got.push(...(await Promise.all(runs.slice(i, i + width).map((r) => shell(r.args, r.redirect)))));
  assert.equal(
    runs.map((r, i) => `${r.what} ${r.redirect}: ${got[i]}`),
    runs.map((r) => `${r.what} ${r.redirect}: ${r.status}`),
  );
});

// --- item 14: no plugins from the user's data directory -----------------------------

/** A data directory as `plugins install` / `plugins link` leave it: a user and a linked plugin, each with an init hook that leaves a marker. */
function plantPlugins(dataDir: string, markers: string): void {
  const plugin = (dir: string, name: string) => {
    mkdirSync(dir, { recursive: true });
    put(dir, 'package.json', { name, version: '1.0.0', type: 'module', oclif: { hooks: { init: './init.js' } } });
    put(dir, 'init.js', `import { writeFileSync } from 'node:fs';\nexport default async function () { writeFileSync(${JSON.stringify(path.join(markers, name))}, 'ran'); }\n`);
  };
  plugin(path.join(dataDir, 'node_modules', 'planted-user'), 'planted-user');
  plugin(path.join(dataDir, 'planted-link'), 'planted-link');
  put(dataDir, 'package.json', {
    private: true,
    oclif: { schema: 1, plugins: [{ name: 'planted-user', type: 'user', tag: 'latest' }, { name: 'planted-link', type: 'link', root: path.join(dataDir, 'planted-link') }] },
    dependencies: { 'planted-user': '1.0.0' },
  });
}

test('plugins planted in HOME, XDG_DATA_HOME or MDEV_POLICY_DATA_DIR are never loaded', () => {
  const dir = scratch();
  const markers = path.join(dir, 'markers');
  mkdirSync(markers);
  plantPlugins(path.join(dir, 'home/.local/share/mdev-policy'), markers);
  plantPlugins(path.join(dir, 'xdg/mdev-policy'), markers);
  plantPlugins(path.join(dir, 'data'), markers);
  const envs: Record<string, string>[] = [
    { HOME: path.join(dir, 'home') },
    { XDG_DATA_HOME: path.join(dir, 'xdg') },
    { MDEV_POLICY_DATA_DIR: path.join(dir, 'data') },
    // dev plugins and development mode do not open the door either
    { MDEV_POLICY_DATA_DIR: path.join(dir, 'data'), NODE_ENV: 'development' },
  ];
  for (const env of envs) {
    for (const args of [['validate', 'examples/host-a.yaml'], ['--version'], ['eval', '--help']]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...ENV, ...env } });
      for (const name of ['planted-user', 'planted-link']) assert.not.ok(existsSync(path.join(markers, name)), `${name}'s init hook ran with ${JSON.stringify(env)}`);
      assert.is(r.status, 0, `${JSON.stringify(env)} ${args.join(' ')}: ${r.stderr}`);
      assert.is(r.stderr, '', 'no warning about plugins either');
    }
  }
});

// --- item 11: no input string reaches the terminal raw -----------------------------

/** Erase the line, return, new line, bell, right-to-left override. */
const EVIL = '\x1b[2K\r\n\x07\u202e';
/** What must never appear raw in text output (our own colours are checked apart). */
const RAW = /(?!\n)[\p{Cc}\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\u2028\u2029\ufeff]/u;
const clean = (what: string, s: string) => assert.not.match(s, RAW, `${what} holds a raw control or bidi character: ${JSON.stringify(s.match(RAW)?.[0])}`);
const lines = (s: string) => s.split('\n');

/** Source (its device's claim value is hostile), a benign compatible destination, and an attacker-named one that is refused. */
function hostileHosts(dir: string) {
  const t = (version: string, extra: Record<string, unknown> = {}) => ({ ...gvt(version), ...extra });
  const doc = (name: string, parents: Record<string, unknown>) => ({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name }, spec: { parents } });
  return {
    source: put(dir, 'src.json', doc('src', { '0000:00:02.0': { types: { [TYPE]: t('1.2.0') }, devices: { [UUID]: { type: TYPE, attributes: { aggregator: `1${EVIL}` } } } } })),
    good: put(dir, 'good.json', doc('good', { '0000:00:02.0': { types: { [TYPE]: t('1.2.0') } } })),
    evil: put(
      dir,
      'evil.json',
      doc(`evil${EVIL}✓ trusted can take every device:\ncompatible: 1 of 1 destination can take the source devices\n`, {
        [`0000:00:02.0\x1b[2K\x07\u202e`]: { types: { [TYPE]: t(`1.1.0${EVIL}✓ ok`, { compatible_pci_ids: `5931${EVIL}` }), [`i915\x1b[1A\x07\u202eGVTg`]: t('1.2.0') } },
      }),
    ),
  };
}

test('eval text: host names, parents, types and values are escaped; the verdict lines cannot be forged', () => {
  const hosts = hostileHosts(scratch());
  for (const extra of [[], ['--explain']]) {
    const refused = cli(['eval', '-s', hosts.source, '-d', hosts.evil, ...extra]);
    clean('eval stdout', refused.stdout);
    assert.is(refused.status, 1);
    assert.equal(lines(refused.stdout).filter((l) => l.startsWith('✓')), [], 'no destination line says it can take the devices');
    assert.equal(lines(refused.stdout).filter((l) => /^(not )?compatible:/.test(l)), ['not compatible: 0 of 1 destination can take the source devices']);
    assert.match(refused.stdout, /^✗ evil\\x1b\[2K\\r\\n\\x07\\u202e✓ trusted/m, 'the name is shown, escaped, on the refusal line');

    const mixed = cli(['eval', '-s', hosts.source, '-d', hosts.evil, '-d', hosts.good, ...extra]);
    clean('eval stdout', mixed.stdout);
    assert.is(mixed.status, 0);
    assert.equal(lines(mixed.stdout).filter((l) => l.startsWith('✓')), ['✓ good can take every device:']);
    assert.equal(lines(mixed.stdout).filter((l) => /^(not )?compatible:/.test(l)), ['compatible: 1 of 2 destinations can take the source devices']);
    assert.match(mixed.stdout, /then set aggregator=1\\x1b\[2K\\r\\n\\x07\\u202e\n/, 'the claim value is shown escaped');
  }
  // JSON keeps the values as they are (JSON escapes the control characters itself)
  const json = cli(['eval', '-s', hosts.source, '-d', hosts.evil, '--format', 'json']);
  assert.ok(JSON.parse(json.stdout).destinations[0].host.startsWith(`evil${EVIL}`));
});

test('eval text with colour: only the report\'s own colour sequences reach the terminal', async () => {
  const { parseText, hostFromDocument, loadPolicySet, evaluate, renderText } = await import('../src/index.js');
  const hosts = hostileHosts(scratch());
  const load = async (f: string) => hostFromDocument(parseText(await import('node:fs').then((fs) => fs.readFileSync(f, 'utf8')), f).value!).value!;
  const policy = (await loadPolicySet({})).value!;
  const decision = await evaluate({ policy, source: await load(hosts.source), destinations: [{ host: await load(hosts.evil), errors: [] }, { host: await load(hosts.good), errors: [] }] });
  for (const explain of [false, true]) {
    const text = renderText(decision, { color: true, explain });
    assert.ok(text.includes('\x1b[31m'), 'coloured');
    clean('coloured report', text.replace(new RegExp(`${'\x1b'}\\[\\d+m`, 'g'), ''));
  }
});

test('test, validate and policy show escape case names, problems, file names and flag values', () => {
  const dir = scratch();
  const hostAt = (name: string, device: boolean) => {
    const h = host(name, '1.2.0', device) as { spec: { parents: Record<string, { devices: Record<string, { attributes: Record<string, string> }> }> } };
    if (device) h.spec.parents['0000:00:02.0']!.devices[UUID]!.attributes.aggregator = `1${EVIL}`;
    return h;
  };
  const suite = put(dir, 'evil.test.json', {
    apiVersion: 'mdev-policy/v1',
    kind: 'TestSuite',
    metadata: { name: `suite${EVIL}` },
    spec: {
      policy: path.join(ROOT, 'policies/vfio-mdev.yaml'),
      cases: [
        { name: `fits${EVIL}✓ forged › case`, source: hostAt('a', true), destination: hostAt('b', false), expect: { compatible: true } },
        { name: `refused${EVIL}`, source: hostAt('a', true), destination: hostAt('b', false), expect: { compatible: false, failing: [`x${EVIL}`], set: { aggregator: `2${EVIL}` } } },
      ],
    },
  });
  const t = cli(['test', suite]);
  clean('test stdout', t.stdout);
  clean('test stderr', t.stderr);
  assert.is(lines(t.stdout).filter((l) => /^[✓✗] /.test(l)).length, 2, t.stdout);
  assert.ok(t.stdout.endsWith('1 passed, 1 failed\n'), t.stdout);
  assert.is(t.status, 1);

  const bad = put(dir, `bad${EVIL}.json`, { apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: 'x' }, spec: { parents: { [`p\n${EVIL}`]: { types: {} } } } });
  const v = cli(['validate', bad]);
  clean('validate stdout', v.stdout);
  assert.match(v.stdout, /^\S*bad\\x1b\[2K\\r\\n\\x07\\u202e\.json:1:\d+: schema-violation: /m);
  assert.is(v.status, 2);

  const p = cli(['policy', 'show', '--type', `x${EVIL}`, '--device-api', `v${EVIL}`]);
  clean('policy show stdout', p.stdout);
  clean('policy show stderr', p.stderr);
  assert.match(p.stdout, /source type x\\x1b\[2K\\r\\n\\x07\\u202e \(v\\x1b/);
  assert.is(p.status, 0);

  // oclif's own errors quote argv: an unknown command, a bad flag value
  for (const args of [[`no${EVIL}such`], ['eval', '-s', 'a', '-d', 'b', '--format', `x${EVIL}`]]) {
    const r = cli(args);
    clean('error', r.stdout + r.stderr);
    noStack(r.stderr);
    assert.is(r.status, 2);
  }
});

test('escapeForTerminal: every control, format and separator character becomes a visible escape', async () => {
  const { escapeForTerminal, forTerminal } = await import('../src/terminal.js');
  const { formatDiagnostic, diagnostic } = await import('../src/errors.js');
  const all = [
    ...Array.from({ length: 0x20 }, (_, i) => i),
    0x7f,
    ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
    0xad, 0x61c, 0x180e, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029,
    0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff, 0xfff9, 0xe0001,
  ].map((n) => String.fromCodePoint(n));
  for (const c of all) {
    const e = escapeForTerminal(`a${c}b`);
    assert.match(e, /^a\\(x[0-9a-f]{2}|u[0-9a-f]{4}|u\{[0-9a-f]+\}|[nrt])b$/, JSON.stringify(c));
  }
  assert.is(escapeForTerminal('plain: ✓ émigré 日本 🙂 `x` \\x1b'), 'plain: ✓ émigré 日本 🙂 `x` \\x1b', 'printable text is untouched');
  assert.equal(forTerminal({ [`k${EVIL}`]: [`v${EVIL}`, 1, null, true] }), { 'k\\x1b[2K\\r\\n\\x07\\u202e': ['v\\x1b[2K\\r\\n\\x07\\u202e', 1, null, true] });
  const proto = forTerminal(JSON.parse('{"__proto__": {"polluted": "\\u001b"}}') as Record<string, unknown>);
  assert.ok(Object.hasOwn(proto, '__proto__') && Object.getPrototypeOf(proto) === Object.prototype, 'a `__proto__` key stays a key');
  assert.is(({} as Record<string, unknown>).polluted, undefined);
  const d = formatDiagnostic(diagnostic('schema-violation', `bad \`${EVIL}\``, { file: `f${EVIL}.yaml`, line: 1, col: 2 }, { hint: `did you mean \`${EVIL}\`?` }));
  clean('diagnostic', d);
  assert.is(d.split('\n').length, 2, 'a line and its hint');
});

// --- item 9 (report): a destination with thousands of refused types -----------------

test('eval text: thousands of refused candidates are summarised; --explain and JSON keep them all', () => {
  const dir = scratch();
  const source = put(dir, 'src.json', host('src', '1.2.0', true));
  const types: Record<string, unknown> = { [TYPE]: gvt('1.1.0') };
  for (let i = 0; i < 3000; i++) types[`vendor-type-${String(i).padStart(4, '0')}`] = gvt('1.2.0');
  const many = put(dir, 'many.json', { apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: 'many' }, spec: { parents: { '0000:00:02.0': { types } } } });
  const r = cli(['eval', '-s', source, '-d', many]);
  assert.is(r.status, 1);
  const refused = lines(r.stdout).filter((l) => l.startsWith('    refused '));
  assert.is(refused.length, 10, r.stdout.slice(0, 2000));
  assert.match(refused[0]!, new RegExp(`as ${TYPE}$`), "the device's own type comes first: it says why");
  assert.match(r.stdout, /^ {4}… and 2991 more refused candidates \(use --format json for all\)$/m);
  assert.ok(r.stdout.endsWith('not compatible: 0 of 1 destination can take the source devices\n'));
  assert.ok(r.stdout.length < 5000, `the report stays short: ${r.stdout.length} characters`);

  const big = (...args: string[]) => spawnSync(process.execPath, [BIN, 'eval', '-s', source, '-d', many, ...args], { cwd: ROOT, encoding: 'utf8', env: ENV, maxBuffer: 64 * 1024 * 1024 });
  const explained = big('--explain');
  assert.is(explained.status, 1);
  assert.is(lines(explained.stdout).filter((l) => l.startsWith('    refused ')).length, 3001);
  assert.not.match(explained.stdout, /more refused candidates/);
  const json = JSON.parse(big('--format', 'json').stdout);
  assert.is(json.destinations[0].candidates.length, 3001);
});

test('eval text: up to 20 refused candidates are all shown, with no count line', () => {
  const dir = scratch();
  const source = put(dir, 'src.json', host('src', '1.2.0', true));
  const types: Record<string, unknown> = {};
  for (let i = 0; i < 20; i++) types[`vendor-type-${i}`] = gvt('1.2.0');
  const r = cli(['eval', '-s', source, '-d', put(dir, 'twenty.json', { apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: 'twenty' }, spec: { parents: { '0000:00:02.0': { types } } } })]);
  assert.is(lines(r.stdout).filter((l) => l.startsWith('    refused ')).length, 20);
  assert.not.match(r.stdout, /more refused/);
});

test('test DIR: a FIFO named like a suite is reported, never opened; the real suites still run', () => {
  const d = scratch();
  for (const f of ['vfio-mdev.yaml', 'vfio-mdev.test.yaml']) writeFileSync(path.join(d, f), readFileSync(path.join(ROOT, 'policies', f), 'utf8'));
  mkdirSync(path.join(d, 'hosts'));
  for (const f of readdirSync(path.join(ROOT, 'policies/hosts'))) writeFileSync(path.join(d, 'hosts', f), readFileSync(path.join(ROOT, 'policies/hosts', f), 'utf8'));
  spawnSync('mkfifo', [path.join(d, 'blocked.test.yaml')]);
  const r = cli(['test', d], { timeout: 60_000 });
  assert.is(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /blocked\.test\.yaml: file-unreadable: /);
  assert.match(r.stdout, /^\d+ passed, 0 failed$/m);
  assert.ok(r.ms < 30_000, `took ${r.ms} ms`);
});

test.run();
