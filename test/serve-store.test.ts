// The decision service's store (src/serve/store.ts, issue 14): the first load,
// reloads that swap only a whole valid set, bad edits that keep the old set
// serving with coded file:line:col errors, requests that keep the set they
// took, the inventory by host name, and watching (in place, by rename,
// deleted and made again, half-written, closed). Every wait polls for an
// outcome within a bound; none sleeps longer than a few debounce periods.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_LIMITS, DEFAULT_POLICY_FILE, defaultOverlayFiles, evaluate, loadPolicySet, typeForSelection, type Diagnostic, type Host, type PolicySet } from '../src/index.js';
import { openStore } from '../src/serve/store.js';
import type { ReloadOutcome, Store, StoreOptions } from '../src/serve/types.js';
import { decideBoth, hostDoc, hostFrom, unstamped, UUID } from './helpers.js';

const root = mkdtempSync(path.join(tmpdir(), 'mdev-store-'));
let n = 0;
/** A fresh directory per test: no test sees another's files or events. */
function freshDir(): string {
  const dir = path.join(root, `t${n++}`);
  mkdirSync(dir);
  return dir;
}

const CHECK_DEVICE_API = `    - id: device-api
      attribute: device_api
      match: equal
`;
const CHECK_NAME = `    - id: type-name
      attribute: name
      match: equal
`;
function policy(checks = CHECK_DEVICE_API, version = '1.0.0'): string {
  return `apiVersion: mdev-policy/v1
kind: Policy
metadata: { name: tp, version: ${version} }
spec:
  defaultMode: strict
  modes:
    strict: {}
    superset: {}
  checks:
${checks}`;
}
function overlay(range = '^1.0.0'): string {
  return `apiVersion: mdev-policy/v1
kind: Overlay
metadata: { name: tov, version: 1.0.0 }
spec:
  extends: { policy: tp, version: "${range}" }
  checks:
    - id: same-type
      attribute: "@id"
      match: equal
`;
}
function hostLine(name: string, typeName = 'Single port'): string {
  return JSON.stringify(hostDoc(name, { '0000:00:02.0': { types: { 'mtty-1': { name: typeName, device_api: 'vfio-pci', available_instances: 1 } } } }));
}
const SOURCE = JSON.parse(
  JSON.stringify(hostDoc('src', { '0000:00:02.0': { types: { 'mtty-1': { name: 'Single port', device_api: 'vfio-pci', available_instances: 0 } }, devices: { [UUID[0]!]: { type: 'mtty-1' } } } })),
) as unknown;

interface Fixture {
  dir: string;
  policy: string;
  overlay: string;
  inventory: string;
}
function fixture(): Fixture {
  const dir = freshDir();
  const f = { dir, policy: path.join(dir, 'policy.yaml'), overlay: path.join(dir, 'overlay.yaml'), inventory: path.join(dir, 'hosts.ndjson') };
  writeFileSync(f.policy, policy());
  writeFileSync(f.overlay, overlay());
  writeFileSync(f.inventory, `${hostLine('dst-1')}\n${hostLine('Dst-2', 'Dual port')}\n`);
  return f;
}
function options(f: Fixture, extra: Partial<StoreOptions> = {}): StoreOptions {
  return { policy: f.policy, overlays: [f.overlay], inventory: [f.inventory], limits: DEFAULT_LIMITS, debounceMs: 20, ...extra };
}

/** Every outcome a store reports, in order. */
function record(store: Store): ReloadOutcome[] {
  const seen: ReloadOutcome[] = [];
  store.onReload((o) => seen.push(o));
  return seen;
}

async function waitFor<T>(what: string, get: () => T | undefined | false, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every error is coded and placed (file:line:col); the first has this code and file. */
function assertPlaced(errors: Diagnostic[], code: string, file: string): Diagnostic {
  assert.ok(errors.length > 0, 'errors reported');
  const e = errors.find((d) => d.code === code);
  assert.ok(e, `an error ${code} in ${JSON.stringify(errors)}`);
  assert.is(e.file, file);
  assert.type(e.line, 'number');
  assert.type(e.col, 'number');
  return e;
}

function checkIds(set: PolicySet): string[] {
  return set.forType(typeForSelection('mtty-1', 'vfio-pci')).checks.map((c) => c.id);
}

async function decide(set: PolicySet, destinations: Host[]) {
  return evaluate({ policy: set, source: hostFrom(SOURCE), destinations: destinations.map((host) => ({ host, errors: [] })) });
}

test('first load: the set is current, generation 1, every file read listed', async () => {
  const f = fixture();
  const store = await openStore(options(f, { watch: false }));
  try {
    const set = store.current();
    assert.ok(set);
    assert.is(set.generation, 1);
    assert.is(set.mode, 'strict');
    assert.equal(set.files, [f.policy, f.overlay, f.inventory]);
    assert.is(set.policyFor().value?.digest, set.digest);
    assert.equal(checkIds(set.policyFor().value!), ['device-api', 'same-type']);
    assert.ok(Object.isFrozen(set));
    const outcome = store.lastOutcome();
    assert.is(outcome?.ok, true);
    assert.is(outcome?.generation, 1);
    assert.equal(outcome?.errors, []);
  } finally {
    await store.close();
  }
});

test('first load, default choice: the shipped base and every shipped overlay, as eval loads them', async () => {
  const store = await openStore({ limits: DEFAULT_LIMITS, watch: false });
  try {
    const set = store.current();
    assert.ok(set);
    assert.equal(set.files, [DEFAULT_POLICY_FILE, ...(await defaultOverlayFiles())]);
    const evalSet = await loadPolicySet({});
    assert.is(set.digest, evalSet.value?.digest);
    assert.is(set.overlays.length, evalSet.value?.overlays.length);
    assert.is(set.inventory.size, 0);
  } finally {
    await store.close();
  }
});

test('first load fails: nothing current, coded errors with positions; fixing the file makes it ready', async () => {
  const f = fixture();
  writeFileSync(f.policy, policy(`    - id: device-api\n      attribute: [device_api\n`));
  const store = await openStore(options(f));
  const seen = record(store);
  try {
    assert.is(store.current(), undefined);
    const outcome = store.lastOutcome()!;
    assert.is(outcome.ok, false);
    assert.is(outcome.generation, 0);
    assertPlaced(outcome.errors, 'yaml-syntax', f.policy);
    writeFileSync(f.policy, policy());
    const set = await waitFor('the fixed policy to load', () => store.current());
    assert.is(set.generation, 1);
    assert.is(seen.at(-1)?.ok, true);
  } finally {
    await store.close();
  }
});

test('first load with an unknown default mode fails with unknown-mode', async () => {
  const f = fixture();
  const store = await openStore(options(f, { watch: false, mode: 'nope' }));
  try {
    assert.is(store.current(), undefined);
    assert.is(store.lastOutcome()?.errors[0]?.code, 'unknown-mode');
  } finally {
    await store.close();
  }
});

test('a valid change swaps: generation 2, a new digest, the added check in policyFor()', async () => {
  const f = fixture();
  const store = await openStore(options(f));
  try {
    const first = store.current()!;
    writeFileSync(f.policy, policy(CHECK_DEVICE_API + CHECK_NAME));
    const second = await waitFor('the swap', () => store.current()?.generation === 2 && store.current());
    assert.is.not(second, first);
    assert.is.not(second.digest, first.digest);
    assert.equal(checkIds(second.policyFor().value!), ['device-api', 'type-name', 'same-type']);
    assert.equal(checkIds(second.policyFor('superset').value!), ['device-api', 'type-name', 'same-type']);
    // The old set is as it was.
    assert.equal(checkIds(first.policyFor().value!), ['device-api', 'same-type']);
  } finally {
    await store.close();
  }
});

test('invalid changes keep the old set (same object, same generation) and report coded, placed errors; a later valid change swaps', async () => {
  const f = fixture();
  const store = await openStore(options(f, { watch: false }));
  const seen = record(store);
  try {
    const good = store.current()!;
    const goodPolicy = policy();
    const goodInventory = `${hostLine('dst-1')}\n${hostLine('Dst-2', 'Dual port')}\n`;
    const badEdits: { name: string; file: string; text: string; restore: string; code: string; line?: number }[] = [
      { name: 'yaml syntax', file: f.policy, text: goodPolicy.replace('match: equal', 'match: {equal'), restore: goodPolicy, code: 'yaml-syntax' },
      { name: 'schema', file: f.policy, text: goodPolicy.replace('match: equal', 'match: 42'), restore: goodPolicy, code: 'schema-violation', line: 12 },
      { name: 'half-written (truncated) policy', file: f.policy, text: goodPolicy.slice(0, goodPolicy.indexOf('strict: {}') + 10), restore: goodPolicy, code: 'schema-violation' },
      { name: 'overlay for another base version', file: f.overlay, text: overlay('^2.0.0'), restore: overlay(), code: 'extends-mismatch', line: 5 },
      {
        name: 'inventory line with a duplicate key',
        file: f.inventory,
        text: `${hostLine('dst-1')}\n${hostLine('dst-2').replace('"kind":"Host"', '"kind":"Host","kind":"Host"')}\n`,
        restore: goodInventory,
        code: 'duplicate-key',
        line: 2,
      },
      { name: 'inventory with a host name twice', file: f.inventory, text: `${goodInventory}${hostLine(' DST-1 ')}\n`, restore: goodInventory, code: 'duplicate-key', line: 3 },
    ];
    for (const edit of badEdits) {
      writeFileSync(edit.file, edit.text);
      const outcome = await store.reload();
      assert.is(outcome.ok, false, edit.name);
      assert.is(outcome.generation, 1, edit.name);
      assert.is(store.current(), good, edit.name);
      assert.is(store.current()?.generation, 1, edit.name);
      assert.is(store.lastOutcome(), outcome);
      const e = assertPlaced(outcome.errors, edit.code, edit.file);
      if (edit.line !== undefined) assert.is(e.line, edit.line, edit.name);
      writeFileSync(edit.file, edit.restore);
    }
    assert.is(seen.length, badEdits.length);
    writeFileSync(f.policy, policy(CHECK_DEVICE_API + CHECK_NAME));
    const outcome = await store.reload();
    assert.is(outcome.ok, true);
    assert.is(outcome.generation, 2);
    assert.is(store.current()?.generation, 2);
    assert.is.not(store.current(), good);
  } finally {
    await store.close();
  }
});

test('a request keeps the set it took; new requests see the new one', async () => {
  const f = fixture();
  const store = await openStore(options(f, { watch: false }));
  try {
    const held = store.current()!;
    const heldPolicy = held.policyFor().value!;
    const heldHost = held.findHost('dst-1')!;
    const before = JSON.stringify(heldHost);
    const decision = await decide(heldPolicy, [heldHost]);
    assert.is(decision.compatible, true);
    // The new set adds a check dst-1 fails, and changes dst-1 itself.
    writeFileSync(f.policy, policy(CHECK_DEVICE_API + CHECK_NAME));
    writeFileSync(f.inventory, `${hostLine('dst-1', 'Dual port')}\n`);
    assert.is((await store.reload()).ok, true);
    const now = store.current()!;
    assert.is.not(now, held);
    assert.is(held.policyFor().value, heldPolicy);
    assert.is(held.findHost('dst-1'), heldHost);
    assert.is(JSON.stringify(heldHost), before);
    assert.is(held.findHost('Dst-2')?.name, 'Dst-2');
    assert.equal(unstamped(await decide(held.policyFor().value!, [held.findHost('dst-1')!])), unstamped(decision));
    // Frozen hosts and documents suit every evaluator (json-rules-engine, bulk, specialised), which must agree.
    assert.equal(unstamped(await decideBoth(held.policyFor().value!, hostFrom(SOURCE), [...held.inventory.values()])).compatible, true);
    const fresh = await decide(now.policyFor().value!, [now.findHost('dst-1')!]);
    assert.is(fresh.compatible, false);
    assert.is(now.findHost('Dst-2'), undefined);
  } finally {
    await store.close();
  }
});

test('many concurrent reload() calls share one attempt', async () => {
  const f = fixture();
  const store = await openStore(options(f, { watch: false }));
  const seen = record(store);
  try {
    writeFileSync(f.policy, policy(CHECK_DEVICE_API + CHECK_NAME));
    const calls = Array.from({ length: 25 }, () => store.reload());
    assert.ok(calls.every((c) => c === calls[0]));
    const outcomes = await Promise.all(calls);
    assert.ok(outcomes.every((o) => o === outcomes[0]));
    assert.is(seen.length, 1);
    assert.is(store.current()?.generation, 2);
  } finally {
    await store.close();
  }
});

test('a change during an attempt is loaded by one more attempt', async () => {
  const f = fixture();
  const store = await openStore(options(f));
  try {
    const running = store.reload();
    writeFileSync(f.policy, policy(CHECK_DEVICE_API + CHECK_NAME));
    await running;
    await waitFor('the change to be loaded', () => store.current()!.policyFor().value!.forType(typeForSelection('mtty-1')).checks.some((c) => c.id === 'type-name'));
  } finally {
    await store.close();
  }
});

test('inventory: hosts by name (exact, then letter case and blanks aside), read-only', async () => {
  const f = fixture();
  const store = await openStore(options(f, { watch: false }));
  try {
    const set = store.current()!;
    assert.equal([...set.inventory.keys()], ['dst-1', 'Dst-2']);
    assert.is(set.findHost('dst-1')?.name, 'dst-1');
    assert.is(set.findHost('DST-1')?.name, 'dst-1');
    assert.is(set.findHost('  dst-2 ')?.name, 'Dst-2');
    assert.is(set.findHost('dst-3'), undefined);
    assert.throws(() => (set.inventory as Map<string, Host>).set('x', set.findHost('dst-1')!));
    assert.throws(() => (set.inventory as Map<string, Host>).delete('dst-1'));
    assert.ok(Object.isFrozen(set.findHost('dst-1')));
  } finally {
    await store.close();
  }
});

test('inventory: a directory argument is listed among the files, with every file read in it', async () => {
  const f = fixture();
  const hosts = path.join(f.dir, 'hosts');
  mkdirSync(hosts);
  writeFileSync(path.join(hosts, 'a.json'), hostLine('a'));
  writeFileSync(path.join(hosts, 'b.json'), hostLine('b'));
  const store = await openStore(options(f, { inventory: [hosts] }));
  try {
    const set = store.current()!;
    assert.equal(set.files.slice(2), [hosts, path.join(hosts, 'a.json'), path.join(hosts, 'b.json')]);
    writeFileSync(path.join(hosts, 'c.json'), hostLine('c'));
    await waitFor('host c', () => store.current()?.findHost('c'));
  } finally {
    await store.close();
  }
});

test('inventory: reloaded when the NDJSON changes; a host name given twice is refused', async () => {
  const f = fixture();
  const store = await openStore(options(f));
  const seen = record(store);
  try {
    const lines = `${hostLine('dst-1')}\n${hostLine('Dst-2', 'Dual port')}\n${hostLine('dst-3')}\n`;
    writeFileSync(f.inventory, lines);
    const set = await waitFor('dst-3', () => store.current()?.findHost('dst-3') && store.current());
    assert.is(set.generation, 2);
    writeFileSync(f.inventory, `${lines}${hostLine('dst-2 ')}\n`);
    const refused = await waitFor('the duplicate to be refused', () => seen.find((o) => !o.ok));
    assert.is(store.current(), set);
    const e = assertPlaced(refused.errors, 'duplicate-key', f.inventory);
    assert.is(e.line, 4);
    assert.match(e.message, /dst-2/);
  } finally {
    await store.close();
  }
});

test('policyFor an unknown mode answers unknown-mode, does not throw; known modes are resolved once', async () => {
  const f = fixture();
  const store = await openStore(options(f, { watch: false }));
  try {
    const set = store.current()!;
    const r = set.policyFor('nope');
    assert.is(r.ok, false);
    assert.is(r.errors[0]?.code, 'unknown-mode');
    const superset = set.policyFor('superset');
    assert.is(superset.value?.mode, 'superset');
    assert.is(set.policyFor('superset'), superset);
    assert.is(set.policyFor(), set.policyFor('strict'));
  } finally {
    await store.close();
  }
});

test('watching: a save by rename (as editors do) swaps', async () => {
  const f = fixture();
  const store = await openStore(options(f));
  try {
    const tmp = path.join(f.dir, '.policy.yaml.tmp');
    writeFileSync(tmp, policy(CHECK_DEVICE_API + CHECK_NAME));
    renameSync(tmp, f.policy);
    await waitFor('the swap', () => store.current()?.generation === 2);
  } finally {
    await store.close();
  }
});

test('watching: a half-written save is refused (the old set serves), the complete save swaps', async () => {
  const f = fixture();
  const store = await openStore(options(f));
  const seen = record(store);
  try {
    const good = store.current()!;
    const full = policy(CHECK_DEVICE_API + CHECK_NAME);
    writeFileSync(f.policy, full.slice(0, full.indexOf('match: equal') + 9).replace(/match: eq$/, 'match: {eq'));
    const refused = await waitFor('the half-written file to be refused', () => seen.find((o) => !o.ok));
    assertPlaced(refused.errors, 'yaml-syntax', f.policy);
    assert.is(store.current(), good);
    writeFileSync(f.policy, full);
    await waitFor('the swap', () => store.current()?.generation === 2);
  } finally {
    await store.close();
  }
});

test('watching: a file deleted keeps the old set; made again, it swaps', async () => {
  const f = fixture();
  const store = await openStore(options(f));
  const seen = record(store);
  try {
    const good = store.current()!;
    unlinkSync(f.overlay);
    const refused = await waitFor('the missing file to be reported', () => seen.find((o) => !o.ok));
    assert.is(refused.errors[0]?.code, 'file-unreadable');
    assert.is(refused.errors[0]?.file, f.overlay);
    assert.is(store.current(), good);
    writeFileSync(f.overlay, overlay());
    await waitFor('the swap', () => store.current()?.generation === 2);
  } finally {
    await store.close();
  }
});

test('watching: a file whose directory is removed and made again is still watched', async () => {
  const dir = freshDir();
  const sub = path.join(dir, 'conf');
  mkdirSync(sub);
  const f: Fixture = { dir: sub, policy: path.join(sub, 'policy.yaml'), overlay: path.join(sub, 'overlay.yaml'), inventory: path.join(sub, 'hosts.ndjson') };
  writeFileSync(f.policy, policy());
  writeFileSync(f.overlay, overlay());
  writeFileSync(f.inventory, `${hostLine('dst-1')}\n`);
  const store = await openStore(options(f));
  const seen = record(store);
  try {
    rmSync(sub, { recursive: true });
    await waitFor('the missing directory to be reported', () => seen.find((o) => !o.ok));
    mkdirSync(sub);
    writeFileSync(f.policy, policy(CHECK_DEVICE_API + CHECK_NAME));
    writeFileSync(f.overlay, overlay());
    writeFileSync(f.inventory, `${hostLine('dst-9')}\n`);
    await waitFor('the swap', () => store.current()?.findHost('dst-9'));
  } finally {
    await store.close();
  }
});

test('watching: files behind links swapped atomically (a Kubernetes ConfigMap mount) are reloaded', async () => {
  const dir = freshDir();
  const version = (v: string, checks: string) => {
    mkdirSync(path.join(dir, v));
    writeFileSync(path.join(dir, v, 'policy.yaml'), policy(checks));
    writeFileSync(path.join(dir, v, 'overlay.yaml'), overlay());
    writeFileSync(path.join(dir, v, 'hosts.ndjson'), `${hostLine('dst-1')}\n`);
  };
  version('..v1', CHECK_DEVICE_API);
  symlinkSync('..v1', path.join(dir, '..data'));
  for (const name of ['policy.yaml', 'overlay.yaml', 'hosts.ndjson']) symlinkSync(path.join('..data', name), path.join(dir, name));
  const f: Fixture = { dir, policy: path.join(dir, 'policy.yaml'), overlay: path.join(dir, 'overlay.yaml'), inventory: path.join(dir, 'hosts.ndjson') };
  const store = await openStore(options(f));
  try {
    assert.equal(checkIds(store.current()!.policyFor().value!), ['device-api', 'same-type']);
    // What kubelet does: the new version beside the old, a new link renamed over `..data`, the old version removed.
    version('..v2', CHECK_DEVICE_API + CHECK_NAME);
    symlinkSync('..v2', path.join(dir, '..data_tmp'));
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    rmSync(path.join(dir, '..v1'), { recursive: true });
    await waitFor('the new version', () => checkIds(store.current()!.policyFor().value!).includes('type-name'));
    // Then an edit of the new version's file (through the link) is seen too.
    writeFileSync(path.join(dir, '..v2', 'hosts.ndjson'), `${hostLine('dst-7')}\n`);
    await waitFor('the edited target', () => store.current()?.findHost('dst-7'));
  } finally {
    await store.close();
  }
});

test('watching: other files in the same directory change nothing', async () => {
  const f = fixture();
  const store = await openStore(options(f));
  const seen = record(store);
  try {
    writeFileSync(path.join(f.dir, 'unrelated.yaml'), 'a: 1\n');
    writeFileSync(path.join(f.dir, 'notes.txt'), 'x');
    await sleep(150);
    assert.is(seen.length, 0);
  } finally {
    await store.close();
  }
});

/** How many fs.watch handles the process holds (each keeps it alive). */
const watchers = () => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;

test('close() stops watching: every watcher is closed, a change after it triggers nothing', async () => {
  await waitFor('earlier tests\' watchers to close', () => watchers() === 0);
  const f = fixture();
  const store = await openStore(options(f));
  const seen = record(store);
  assert.ok(watchers() > 0);
  writeFileSync(f.policy, policy(CHECK_DEVICE_API + CHECK_NAME));
  await store.close();
  // Nothing is left to keep the process alive (uvu exits by itself, so this is what proves it).
  await waitFor('the watchers to close', () => watchers() === 0);
  writeFileSync(f.policy, policy(CHECK_DEVICE_API));
  await sleep(150);
  assert.is(seen.length, 0);
  assert.is(store.current()?.generation, 1);
  assert.is(watchers(), 0);
});

test.after(() => {
  rmSync(root, { recursive: true, force: true });
});

test.run();
