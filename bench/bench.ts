// npm run bench: the performance figures of DESIGN §7, from one run on this
// machine, with ratios and a table of the targets met and missed. It never
// asserts: it prints, and writes bench/RESULTS.md. (a) candidates/s of
// json-rules-engine, the bulk evaluator and a hand-written predicate with the
// effective policy's full semantics (synchronous paths timed synchronously);
// (b) end-to-end `eval --format ndjson` of one source against generated
// 10,000-host NDJSON inventories (sparse and dense) and a 50,000-host one,
// against just stream-reading and JSON.parse-ing the same file; (c) a
// single-pair `eval` against `mdev-policy --version` and `node -e 0`; (d) the
// decision service (`serve`) under a loopback load test, against the CLI;
// (e) `matrix` of the same generated inventories (host classes, then every
// class × type × class decision) against an `eval` of one source over them.
// Compared commands run interleaved (round r of each, then round r + 1), with
// medians of the rounds, wall time beside CPU time (user + system), and peak
// RSS from a preloaded hook.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lib from '../dist/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin/run.js');
const HOOK = path.join(ROOT, 'bench/rss-hook.cjs');
const dir = mkdtempSync(path.join(tmpdir(), 'mdev-bench-'));
const lines: string[] = [];
const say = (s = '') => {
  console.log(s);
  lines.push(s);
};

const SRC_TYPE = 'i915-GVTg_V5_4';
const DESCRIPTION = 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n';
const gvt = (version: string, available: number) => ({
  name: 'GVTg_V5_4',
  device_api: 'vfio-pci',
  available_instances: available,
  software_version: version,
  compatible_type: 'i915-GVTg_V5_8',
  compatible_pci_ids: '5931, 591b',
  dynamic_resources: 'aggregator, fps',
  description: DESCRIPTION,
});
const other = (id: string) => ({ name: id, device_api: id.startsWith('vfio_ccw') ? 'vfio-ccw' : 'vfio-pci', available_instances: 4, description: id });
const sourceHost = {
  apiVersion: 'mdev-policy/v1',
  kind: 'Host',
  metadata: { name: 'bench-src' },
  spec: { parents: { '0000:00:02.0': { types: { [SRC_TYPE]: gvt('1.2.0', 0) }, devices: { '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001': { type: SRC_TYPE, attributes: { aggregator: '2', fps: '60' } } } } } },
};

/** Sparse: 4 parents × 4 types, one of the 16 the source's type. Dense: 16 parents, each with the source's type. */
function fleetHost(i: number, dense: boolean): string {
  const parents: Record<string, unknown> = {};
  const version = `1.${i % 5}.0`;
  if (dense) {
    for (let p = 0; p < 16; p++) parents[`0000:${(p + 1).toString(16).padStart(2, '0')}:00.0`] = { types: { [SRC_TYPE]: gvt(version, (i + p) % 3) } };
  } else {
    const others = ['i915-GVTg_V5_8', 'nvidia-11', 'nvidia-12', 'mtty-1', 'mtty-2', 'mdpy-vga', 'mdpy-xga', 'mbochs-small', 'mbochs-medium', 'nvidia-13', 'nvidia-14', 'vfio_ccw-io', 'mdpy-hd', 'mbochs-large', 'nvidia-15'];
    for (let p = 0; p < 4; p++) {
      const types: Record<string, unknown> = {};
      for (let t = 0; t < 4; t++) {
        const k = p * 4 + t;
        if (k === i % 16) types[SRC_TYPE] = gvt(version, (i % 3) + 0);
        else types[others[k % others.length]!] = other(others[k % others.length]!);
      }
      parents[`0000:${(p + 1).toString(16).padStart(2, '0')}:00.0`] = { types };
    }
  }
  return JSON.stringify({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: `host-${i}` }, spec: { parents } });
}

async function writeInventory(file: string, hosts: number, dense: boolean): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < hosts; i++) if (!out.write(`${fleetHost(i, dense)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(() => r()));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Timed {
  /** Median wall time, median CPU time (user + system) and peak RSS over the rounds. */
  ms: number;
  cpuMs: number;
  rssKb: number;
}

/** One process, timed: wall clock here, CPU time and peak RSS from the preloaded hook. */
function runOnce(argv: string[], label: string): { ms: number; cpuMs: number; rssKb: number } {
  const stats = path.join(dir, 'stats.json');
  const t = process.hrtime.bigint();
  const res = spawnSync(process.execPath, ['--require', HOOK, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MDEV_BENCH_RSS: stats, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (res.status !== 0 && res.status !== 1) throw new Error(`${label} exited ${res.status}: ${res.stderr}`);
  const { rssKb, cpuMs } = JSON.parse(readFileSync(stats, 'utf8')) as { rssKb: number; cpuMs: number };
  return { ms, cpuMs, rssKb };
}

/**
 * The compared commands run interleaved — round 1 of each, then round 2 of
 * each, … — never one block after the other, so a change in the machine's
 * load during the run hits both alike. Medians of the rounds.
 */
function compare(commands: { label: string; argv: string[] }[], rounds: number): Timed[] {
  const runs = commands.map(() => [] as { ms: number; cpuMs: number; rssKb: number }[]);
  for (let r = 0; r < rounds; r++) commands.forEach((c, i) => runs[i]!.push(runOnce(c.argv, c.label)));
  return runs.map((rs) => ({ ms: median(rs.map((x) => x.ms)), cpuMs: median(rs.map((x) => x.cpuMs)), rssKb: Math.max(...rs.map((x) => x.rssKb)) }));
}

/** The floor of any fleet eval: read the file as a stream and JSON.parse each line, in a fresh process. */
function parseOnlyScript(): string {
  const script = path.join(dir, 'parse-only.mjs');
  writeFileSync(
    script,
    `import { createReadStream } from 'node:fs';\nimport { createInterface } from 'node:readline';\nlet n = 0;\nfor await (const line of createInterface({ input: createReadStream(process.argv[2], { highWaterMark: 1 << 20 }), crlfDelay: Infinity })) if (line) { JSON.parse(line); n++; }\n`,
  );
  return script;
}

/** Targets (DESIGN §7, round 2) and whether this run met them, for the table at the end. */
const targets: { what: string; figure: string; target: string; met: boolean }[] = [];
const target = (what: string, value: number, limit: number, kind: '≤' | '≥', format: (v: number) => string) =>
  targets.push({ what, figure: format(value), target: `${kind} ${format(limit)}`, met: kind === '≤' ? value <= limit : value >= limit });

async function candidatesPerSecond(): Promise<void> {
  const set = (await lib.loadPolicySet({})).value!;
  const src = lib.hostFromDocument({ file: 'src', data: sourceHost, locate: () => ({}), sourceText: () => undefined }).value!;
  const { devices } = lib.selectSourceDevices(src, undefined, set);
  const s = devices[0]!;
  const dests = Array.from({ length: 64 }, (_, i) => lib.hostFromDocument({ file: 'd', data: JSON.parse(fleetHost(i, true)), locate: () => ({}), sourceText: () => undefined }).value!);
  const cands = dests.flatMap((h) => h.parents.flatMap((p) => p.types.map((t) => ({ h, p, t }))));

  // Synchronous paths are timed synchronously (no `await` per call); only json-rules-engine, which is async, awaits.
  const measureSync = (label: string, n: number, one: (k: number) => unknown) => {
    for (let k = 0; k < Math.min(n, 20_000); k++) one(k); // warm up
    const t = process.hrtime.bigint();
    let sink = 0;
    for (let k = 0; k < n; k++) if (one(k)) sink++;
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    return { label, perSecond: n / seconds, usPer: (seconds / n) * 1e6, sink };
  };
  const measure = async (label: string, n: number, one: (k: number) => Promise<unknown>) => {
    for (let k = 0; k < Math.min(n, 2000); k++) await one(k); // warm up
    const t = process.hrtime.bigint();
    let sink = 0;
    for (let k = 0; k < n; k++) if (await one(k)) sink++;
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    return { label, perSecond: n / seconds, usPer: (seconds / n) * 1e6, sink };
  };
  const rules = await measure('json-rules-engine', 20_000, async (k) => {
    const c = cands[k % cands.length]!;
    return (await lib.runCandidate('rules', s, c.h, c.p, c.t)).compatible;
  });
  const bulk = measureSync('bulk evaluator', 1_000_000, (k) => {
    const c = cands[k % cands.length]!;
    return lib.runBulk(s, c.h, c.p, c.t).compatible;
  });
  const src0 = s.fact.type.attributes;
  const want = { api: src0.device_api, id: s.fact.type.id, version: lib.splitList(String(src0.software_version)).join(), desc: src0.description };
  const [smaj, smin] = String(src0.software_version).split('.').map(Number);
  const srcPci = src0.compatible_pci_ids as string[];
  const srcDyn = src0.dynamic_resources as string[];
  const dev = s.fact.device.attributes;
  // The same checks as the effective policy (base + intel-gvt-g + platform, strict mode), hand-written with
  // their full semantics: one-to-one is the first value and every source value; sync takes both types' lists;
  // the platform minima are skipped only when a fact is absent on both hosts (none of these hosts has them).
  const srcFacts = s.fact.hostAttributes;
  const platform = ['libvirt_version', 'qemu_version', 'kernel_release'];
  const hand = (c: { h: lib.Host; t: lib.MdevType }): boolean => {
    const a = c.t.attributes;
    if (a.device_api !== want.api || c.t.id !== want.id) return false;
    const v = typeof a.software_version === 'string' ? /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(a.software_version) : null;
    if (!v || Number(v[1]) !== smaj || Number(v[2]) < smin!) return false;
    const pci = a.compatible_pci_ids as string[] | undefined;
    if (!pci || pci[0] !== srcPci[0] || !srcPci.every((x) => pci.includes(x))) return false;
    if (typeof a.available_instances !== 'number' || a.available_instances < 1) return false;
    const dyn = (a.dynamic_resources as string[] | undefined) ?? [];
    if (srcDyn.length === 0 && dyn.length === 0) return false;
    if (!srcDyn.every((n) => dyn.includes(n)) || ![...srcDyn, ...dyn].every((n) => dev[n] !== undefined && dev[n] !== '')) return false;
    for (const f of platform) if (srcFacts[f] !== undefined || c.h.facts[f] !== undefined) return false; // present: the full rule would run; absent on both: skipped
    return a.description === want.desc;
  };
  const handMade = measureSync('hand-written predicate', 5_000_000, (k) => hand(cands[k % cands.length]!));
  // The rules specialised for this source device (issue 13): the verdict alone, and every rule's outcome into a reused buffer.
  const spec = lib.specialise(s);
  const verdict = measureSync('specialised verdict', 5_000_000, (k) => {
    const c = cands[k % cands.length]!;
    return spec.verdict(c.h, c.p, c.t);
  });
  const codes = new Uint8Array(spec.count);
  const everyRule = measureSync('specialised every rule', 5_000_000, (k) => {
    const c = cands[k % cands.length]!;
    spec.outcomes(c.h, c.p, c.t, codes);
    return codes[0] === lib.PASS;
  });
  const specialisedRun = measureSync('specialised run (CandidateRun)', 1_000_000, (k) => {
    const c = cands[k % cands.length]!;
    return lib.runSpecialised(s, c.h, c.p, c.t).compatible;
  });
  say('## (a) Candidates per second (one candidate = one source device × one destination type, all checks)');
  say('');
  say('| path | candidates/s | µs per candidate | vs hand-written |');
  say('|---|---|---|---|');
  for (const r of [rules, bulk, specialisedRun, verdict, everyRule, handMade]) say(`| ${r.label} | ${Math.round(r.perSecond).toLocaleString('en')} | ${r.usPer.toFixed(3)} | ${((r.perSecond / handMade.perSecond) * 100).toFixed(1)} % |`);
  say('');
  say(
    `Bulk is ${(bulk.perSecond / rules.perSecond).toFixed(0)}× json-rules-engine (a reference: closures over the rule documents, every rule, a CandidateRun per candidate). ` +
      'The specialised rules are generated once per source device: the verdict path stops at the first failing error rule; the every-rule path writes each rule\'s outcome code into a reused buffer; ' +
      'the specialised run also builds the CandidateRun (outcome objects, explanations on demand) that `eval` reports.',
  );
  target('specialised verdict / hand-written predicate', (verdict.perSecond / handMade.perSecond) * 100, 70, '≥', (x) => `${x.toFixed(1)} %`);
  target('specialised every rule / hand-written predicate', (everyRule.perSecond / handMade.perSecond) * 100, 50, '≥', (x) => `${x.toFixed(1)} %`);
}

async function fleet(): Promise<void> {
  const src = path.join(dir, 'src.json');
  writeFileSync(src, JSON.stringify(sourceHost));
  const script = parseOnlyScript();
  say('## (b) Fleet eval: one source against a generated NDJSON inventory (`eval --format ndjson`, output to /dev/null)');
  say('');
  say('Each inventory: the eval and a parse-only run (stream-read and JSON.parse every line) interleaved, medians of the rounds; CPU is user + system time.');
  say('');
  say('| inventory | hosts | candidates | file MiB | rounds | parse-only ms (CPU) | eval ms (CPU) | eval / parse-only | parse-only peak RSS MiB | eval peak RSS MiB |');
  say('|---|---|---|---|---|---|---|---|---|---|');
  // --jobs N: worker threads decide pieces while the main thread reads and writes; measured where the machine has a core per worker.
  const cores = availableParallelism();
  const jobs = cores >= 2 ? [1, lib.MAX_WORKERS] : [1];
  const extra: string[] = [];
  for (const [name, hosts, dense] of [['sparse', 10_000, false], ['dense', 10_000, true], ['sparse', 50_000, false]] as const) {
    const file = path.join(dir, `${name}-${hosts}.ndjson`);
    await writeInventory(file, hosts, dense);
    const size = statSync(file).size;
    const rounds = 7;
    const [base, ...evals] = compare(
      [
        { label: 'parse-only', argv: [script, file] },
        ...jobs.map((j) => ({ label: `eval --jobs ${j}`, argv: [BIN, 'eval', '-s', src, '-d', file, '--format', 'ndjson', '--jobs', String(j)] })),
      ],
      rounds,
    ) as [Timed, ...Timed[]];
    const ev = evals[0]!;
    const ratio = ev.ms / base.ms;
    say(`| ${name} | ${hosts.toLocaleString('en')} | ${(hosts * 16).toLocaleString('en')} | ${(size / 2 ** 20).toFixed(1)} | ${rounds} | ${base.ms.toFixed(0)} (${base.cpuMs.toFixed(0)}) | ${ev.ms.toFixed(0)} (${ev.cpuMs.toFixed(0)}) | ${ratio.toFixed(2)} | ${(base.rssKb / 1024).toFixed(0)} | ${(ev.rssKb / 1024).toFixed(0)} |`);
    target(`fleet ${name} ${hosts.toLocaleString('en')}: eval / parse-only`, ratio, hosts > 10_000 ? 1.5 : 1.6, '≤', (x) => `${x.toFixed(2)}×`);
    target(`fleet ${name} ${hosts.toLocaleString('en')}: peak RSS`, ev.rssKb / 1024, 200, '≤', (x) => `${x.toFixed(0)} MiB`);
    evals.slice(1).forEach((e, i) => {
      const j = jobs[i + 1]!;
      extra.push(`| ${name} | ${hosts.toLocaleString('en')} | ${j} | ${e.ms.toFixed(0)} (${e.cpuMs.toFixed(0)}) | ${(e.ms / base.ms).toFixed(2)} | ${(e.ms / ev.ms).toFixed(2)} | ${(e.rssKb / 1024).toFixed(0)} |`);
      target(`fleet ${name} ${hosts.toLocaleString('en')} --jobs ${j}: peak RSS`, e.rssKb / 1024, 200, '≤', (x) => `${x.toFixed(0)} MiB`);
    });
  }
  say('');
  say(`### --jobs (worker threads; this machine has ${cores} core${cores === 1 ? '' : 's'})`);
  say('');
  if (extra.length === 0) {
    say(`Not measured: with ${cores} core there is no core for a worker beside the main thread.`);
  } else {
    say(`Interleaved with the rows above (same rounds). The main thread reads and writes; ${jobs[1]} workers decide. With fewer than 4 cores the default stays --jobs 1${cores < 4 ? ', and these figures show why: the workers and the main thread share ' + cores + ' cores' : ''}.`);
    say('');
    say('| inventory | hosts | jobs | eval ms (CPU) | eval / parse-only | vs --jobs 1 | peak RSS MiB |');
    say('|---|---|---|---|---|---|---|');
    for (const row of extra) say(row);
  }
}

function singlePair(): void {
  const rounds = 15;
  const [node0, version, single] = compare(
    [
      { label: 'node -e 0', argv: ['-e', '0'] },
      { label: '--version', argv: [BIN, '--version'] },
      { label: 'eval', argv: [BIN, 'eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml'] },
    ],
    rounds,
  ) as [Timed, Timed, Timed];
  say(`## (c) A single pair against a do-nothing command (interleaved, medians of ${rounds} rounds)`);
  say('');
  say('| command | ms | CPU ms |');
  say('|---|---|---|');
  say(`| node -e 0 | ${node0.ms.toFixed(0)} | ${node0.cpuMs.toFixed(0)} |`);
  say(`| mdev-policy --version | ${version.ms.toFixed(0)} | ${version.cpuMs.toFixed(0)} |`);
  say(`| mdev-policy eval -s examples/host-a.yaml -d examples/host-b.yaml | ${single.ms.toFixed(0)} | ${single.cpuMs.toFixed(0)} |`);
  target('single pair / --version', single.ms / version.ms, 1.3, '≤', (x) => `${x.toFixed(2)}×`);
  target('--version / node -e 0', version.ms / node0.ms, 2, '≤', (x) => `${x.toFixed(2)}×`);
}

/** Start `mdev-policy serve` on a free loopback port; resolves with its URL and pid once it listens. */
async function startService(args: string[]): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 30_000);
    let listening = false;
    child.stderr.on('data', (d: Buffer) => {
      // Once it listens, its logs are drained unread.
      if (listening) return;
      err += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) {
        listening = true;
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, pid: child.pid!, stop };
}

/** Resident memory of a process (MiB), from /proc. */
function rssMib(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * (d) The decision service: a loopback load test of POST /v1/decisions with
 * autocannon (bounded in requests, 127.0.0.1 only) for one pair and for one
 * source against 100 destinations; throughput and p50/p99 latency; the same
 * pair through the CLI for the ratio; the server's RSS over 100,000 requests.
 */
async function service(): Promise<void> {
  const autocannon = (await import('autocannon')).default;
  const hostA = lib.parseText(readFileSync('examples/host-a.yaml', 'utf8'), 'a.yaml').value!.data;
  const hostB = lib.parseText(readFileSync('examples/host-b.yaml', 'utf8'), 'b.yaml').value!.data;
  const pair = JSON.stringify({ source: hostA, destinations: [hostB] });
  const many = JSON.stringify({ source: sourceHost, destinations: Array.from({ length: 100 }, (_, i) => JSON.parse(fleetHost(i, false)) as unknown) });
  // Logs at warn: a request log line per request is for debugging, not for a scheduler's hot path.
  const svc = await startService(['--log-level', 'warn']);
  const load = (body: string, amount: number, connections: number) =>
    autocannon({ url: `${svc.url}/v1/decisions`, method: 'POST', headers: { 'content-type': 'application/json' }, body, amount, connections, pipelining: 1 }) as Promise<{
      requests: { average: number; total: number };
      latency: { p50: number; p99: number; average: number };
      errors: number;
      timeouts: number;
      non2xx: number;
      duration: number;
    }>;
  try {
    await load(pair, 2_000, 4); // warm up
    // Latency at a steady load of one client (a scheduler asking one question at a time); throughput with four.
    const steady = await load(pair, 10_000, 1);
    const one = await load(pair, 20_000, 4);
    const hundred = await load(many, 500, 4);
    // Memory over 100,000 requests: RSS after the first 10,000, then after 100,000 in all.
    await load(pair, 10_000, 8);
    const rssStart = rssMib(svc.pid);
    await load(pair, 90_000, 8);
    const rssEnd = rssMib(svc.pid);
    // The same pair through the CLI, medians of 7 runs.
    const cliMs = median(Array.from({ length: 7 }, () => runOnce([BIN, 'eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml', '--json'], 'cli').ms));
    const perSecond = (r: { requests: { total: number }; duration: number }) => r.requests.total / r.duration;
    say('## (d) The decision service: `mdev-policy serve --log-level warn`, POST /v1/decisions over loopback (autocannon on the same 2 cores; latencies in whole ms, as autocannon records them)');
    say('');
    say('| request | connections | requests | req/s | p50 ms | p99 ms | errors + non-2xx |');
    say('|---|---|---|---|---|---|---|');
    for (const [label, c, r] of [['one pair (host-a → host-b)', 1, steady], ['one pair (host-a → host-b)', 4, one], ['one source, 100 destinations (a Decision listing 1,600 candidates)', 4, hundred]] as const) {
      say(`| ${label} | ${c} | ${r.requests.total.toLocaleString('en')} | ${Math.round(perSecond(r)).toLocaleString('en')} | ${r.latency.p50.toFixed(0)} | ${r.latency.p99.toFixed(0)} | ${r.errors + r.timeouts + r.non2xx} |`);
    }
    say('');
    say(`The same pair through the CLI (\`eval --json\`, a process per decision): ${cliMs.toFixed(0)} ms, ${(1000 / cliMs).toFixed(1)} decisions/s. The service decides ${(perSecond(one) / (1000 / cliMs)).toFixed(0)}× as many per second. Server RSS after 10,000 requests: ${rssStart.toFixed(0)} MiB; after 100,000: ${rssEnd.toFixed(0)} MiB.`);
    // "Under 5 ms": autocannon records whole milliseconds, so a p99 of 4 means under 5.
    target('service: p99 of a one-pair decision (1 client)', steady.latency.p99, 4, '≤', (x) => `${x.toFixed(0)} ms`);
    target('service: requests without an error', [steady, one, hundred].reduce((n, r) => n + r.errors + r.timeouts + r.non2xx, 0), 0, '≤', (x) => `${x} errors`);
    target('service: decisions/s vs CLI calls/s', perSecond(one) / (1000 / cliMs), 100, '≥', (x) => `${x.toFixed(0)}×`);
    target('service: RSS growth from 10,000 to 100,000 requests', rssEnd - rssStart, 16, '≤', (x) => `${x.toFixed(1)} MiB`);
  } finally {
    await svc.stop();
  }
}

/**
 * (e) The compatibility matrix (issue 17): `matrix --format json` of the
 * generated inventories against `eval --format ndjson` of one source over the
 * same file (the fleet path), interleaved; both read every host once, the
 * matrix then decides class × type × class. Peak RSS beside.
 */
async function matrix(): Promise<void> {
  const src = path.join(dir, 'src.json');
  writeFileSync(src, JSON.stringify(sourceHost));
  say('## (e) Compatibility matrix: `matrix --format json` against `eval --format ndjson` of one source, over the same inventory (output to /dev/null)');
  say('');
  say('| inventory | hosts | classes | class pairs | rounds | eval ms (CPU) | matrix ms (CPU) | matrix / eval | eval peak RSS MiB | matrix peak RSS MiB |');
  say('|---|---|---|---|---|---|---|---|---|---|');
  for (const [name, hosts, dense] of [['sparse', 10_000, false], ['dense', 10_000, true], ['sparse', 50_000, false]] as const) {
    const file = path.join(dir, `matrix-${name}-${hosts}.ndjson`);
    await writeInventory(file, hosts, dense);
    const rounds = 7;
    const [ev, mx] = compare(
      [
        { label: 'eval', argv: [BIN, 'eval', '-s', src, '-d', file, '--format', 'ndjson', '--jobs', '1'] },
        { label: 'matrix', argv: [BIN, 'matrix', file, '--format', 'json'] },
      ],
      rounds,
    ) as [Timed, Timed];
    // The shape of the result, from one more run read here.
    const doc = JSON.parse(spawnSync(process.execPath, [BIN, 'matrix', file, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout) as { classes: unknown[]; relation: unknown[] };
    const ratio = mx.ms / ev.ms;
    say(
      `| ${name} | ${hosts.toLocaleString('en')} | ${doc.classes.length} | ${doc.relation.length.toLocaleString('en')} | ${rounds} | ${ev.ms.toFixed(0)} (${ev.cpuMs.toFixed(0)}) | ${mx.ms.toFixed(0)} (${mx.cpuMs.toFixed(0)}) | ${ratio.toFixed(2)} | ${(ev.rssKb / 1024).toFixed(0)} | ${(mx.rssKb / 1024).toFixed(0)} |`,
    );
    target(`matrix ${name} ${hosts.toLocaleString('en')}: matrix / eval of one source`, ratio, 3, '≤', (x) => `${x.toFixed(2)}×`);
    target(`matrix ${name} ${hosts.toLocaleString('en')}: peak RSS`, mx.rssKb / 1024, 250, '≤', (x) => `${x.toFixed(0)} MiB`);
  }
}

process.chdir(ROOT);
const started = new Date();
say('# Benchmark results');
say('');
say(`Run ${started.toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Reproduce: \`npm run bench\`.`);
say('');
// `npm run bench -- a` (or b, c, d, e) runs one part, for profiling; only a full run writes RESULTS.md.
const only = process.argv[2];
if (!only || only === 'a') await candidatesPerSecond();
say('');
if (!only || only === 'b') await fleet();
say('');
if (!only || only === 'c') singlePair();
say('');
if (!only || only === 'd') await service();
say('');
if (!only || only === 'e') await matrix();
say('');
say('## Targets (DESIGN §7 round 2, the decision service of issue 14, the compatibility matrix of issue 17)');
say('');
say('| what | this run | target | met |');
say('|---|---|---|---|');
for (const t of targets) say(`| ${t.what} | ${t.figure} | ${t.target} | ${t.met ? 'yes' : '**no**'} |`);
if (!only) writeFileSync(path.join(ROOT, 'bench/RESULTS.md'), `${lines.join('\n')}\n`);
