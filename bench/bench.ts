// npm run bench: the performance figures of DESIGN §7, from one run on this
// machine, with ratios. It never asserts: it prints, and writes
// bench/RESULTS.md. (a) candidates/s of json-rules-engine, the bulk
// evaluator and a hand-written predicate of the same checks; (b) end-to-end
// `eval --format ndjson` of one source against generated 10,000-host NDJSON
// inventories (sparse and dense), wall time and peak RSS against just
// stream-reading and JSON.parse-ing the same file, and a 50,000-host run for
// memory; (c) a single-pair `eval` against `mdev-policy --version`.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
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

function timeCli(args: string[], runs: number): { ms: number; rssKb: number } {
  const rssFile = path.join(dir, 'rss');
  const times: number[] = [];
  const rss: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    const res = spawnSync(process.execPath, ['--require', HOOK, BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MDEV_BENCH_RSS: rssFile, NO_COLOR: '1' } });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res.status !== 0 && res.status !== 1) throw new Error(`mdev-policy ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
    rss.push(Number(readFileSync(rssFile, 'utf8')));
  }
  return { ms: median(times), rssKb: Math.max(...rss) };
}

/** The floor of any fleet eval: read the file as a stream and JSON.parse each line, in a fresh process. */
function parseOnly(file: string, runs: number): { ms: number; rssKb: number } {
  const script = path.join(dir, 'parse-only.mjs');
  writeFileSync(
    script,
    `import { createReadStream } from 'node:fs';\nimport { createInterface } from 'node:readline';\nlet n = 0;\nfor await (const line of createInterface({ input: createReadStream(process.argv[2], { highWaterMark: 1 << 20 }), crlfDelay: Infinity })) if (line) { JSON.parse(line); n++; }\nif (process.env.MDEV_BENCH_RSS) (await import('node:fs')).writeFileSync(process.env.MDEV_BENCH_RSS, String(process.resourceUsage().maxRSS));\n`,
  );
  const rssFile = path.join(dir, 'rss-parse');
  const times: number[] = [];
  let rss = 0;
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, [script, file], { stdio: 'ignore', env: { ...process.env, MDEV_BENCH_RSS: rssFile } });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    rss = Math.max(rss, Number(readFileSync(rssFile, 'utf8')));
  }
  return { ms: median(times), rssKb: rss };
}

async function candidatesPerSecond(): Promise<void> {
  const set = (await lib.loadPolicySet({})).value!;
  const src = lib.hostFromDocument({ file: 'src', data: sourceHost, locate: () => ({}), sourceText: () => undefined }).value!;
  const { devices } = lib.selectSourceDevices(src, undefined, set);
  const s = devices[0]!;
  const dests = Array.from({ length: 64 }, (_, i) => lib.hostFromDocument({ file: 'd', data: JSON.parse(fleetHost(i, true)), locate: () => ({}), sourceText: () => undefined }).value!);
  const cands = dests.flatMap((h) => h.parents.flatMap((p) => p.types.map((t) => ({ h, p, t }))));

  const measure = async (label: string, n: number, one: (k: number) => unknown | Promise<unknown>) => {
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
  const bulk = await measure('bulk evaluator', 1_000_000, (k) => {
    const c = cands[k % cands.length]!;
    return lib.runBulk(s, c.h, c.p, c.t).compatible;
  });
  const src0 = s.fact.type.attributes;
  const want = { api: src0.device_api, id: s.fact.type.id, version: lib.splitList(String(src0.software_version)).join(), desc: src0.description };
  const [smaj, smin] = String(src0.software_version).split('.').map(Number);
  const srcPci = src0.compatible_pci_ids as string[];
  const srcDyn = src0.dynamic_resources as string[];
  const dev = s.fact.device.attributes;
  // The same checks as the effective policy (base + intel-gvt-g, strict mode), hand-written.
  const hand = (t: lib.MdevType): boolean => {
    const a = t.attributes;
    if (a.device_api !== want.api || t.id !== want.id) return false;
    const v = typeof a.software_version === 'string' ? /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(a.software_version) : null;
    if (!v || Number(v[1]) !== smaj || Number(v[2]) < smin!) return false;
    const pci = a.compatible_pci_ids as string[] | undefined;
    if (!pci || pci[0] !== srcPci[0]) return false;
    if (typeof a.available_instances !== 'number' || a.available_instances < 1) return false;
    const dyn = a.dynamic_resources as string[] | undefined;
    if (!dyn || !srcDyn.every((n) => dev[n] !== undefined && dyn.includes(n))) return false;
    return a.description === want.desc;
  };
  const handMade = await measure('hand-written predicate', 5_000_000, (k) => hand(cands[k % cands.length]!.t));
  say('## (a) Candidates per second (one candidate = one source device × one destination type, all checks)');
  say('');
  say('| path | candidates/s | µs per candidate | vs hand-written |');
  say('|---|---|---|---|');
  for (const r of [rules, bulk, handMade]) say(`| ${r.label} | ${Math.round(r.perSecond).toLocaleString('en')} | ${r.usPer.toFixed(3)} | ${((r.perSecond / handMade.perSecond) * 100).toFixed(1)} % |`);
  say('');
  say(`Bulk is ${(bulk.perSecond / rules.perSecond).toFixed(0)}× json-rules-engine; target: bulk ≥ 50 % of the hand-written predicate.`);
}

async function fleet(): Promise<void> {
  const src = path.join(dir, 'src.json');
  writeFileSync(src, JSON.stringify(sourceHost));
  say('## (b) Fleet eval: one source against a generated NDJSON inventory (`eval --format ndjson`, output to /dev/null)');
  say('');
  say('| inventory | hosts | candidates | file MiB | parse-only ms | eval ms | eval / parse-only | parse-only peak RSS MiB | eval peak RSS MiB |');
  say('|---|---|---|---|---|---|---|---|---|');
  for (const [name, hosts, dense] of [['sparse', 10_000, false], ['dense', 10_000, true], ['sparse', 50_000, false]] as const) {
    const file = path.join(dir, `${name}-${hosts}.ndjson`);
    await writeInventory(file, hosts, dense);
    const size = statSync(file).size;
    const runs = hosts > 10_000 ? 1 : 3;
    const base = parseOnly(file, runs);
    const ev = timeCli(['eval', '-s', src, '-d', file, '--format', 'ndjson'], runs);
    say(`| ${name} | ${hosts.toLocaleString('en')} | ${(hosts * 16).toLocaleString('en')} | ${(size / 2 ** 20).toFixed(1)} | ${base.ms.toFixed(0)} | ${ev.ms.toFixed(0)} | ${(ev.ms / base.ms).toFixed(2)} | ${(base.rssKb / 1024).toFixed(0)} | ${(ev.rssKb / 1024).toFixed(0)} |`);
  }
  say('');
  say('Targets: eval ≤ 2× parse-only (sparse and dense); peak RSS ≤ 200 MiB at any inventory size.');
}

function singlePair(): void {
  const runs = 15;
  const version = timeCli(['--version'], runs);
  const single = timeCli(['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml'], runs);
  say('## (c) A single pair against a do-nothing command (medians of 15 runs)');
  say('');
  say('| command | ms |');
  say('|---|---|');
  say(`| mdev-policy --version | ${version.ms.toFixed(0)} |`);
  say(`| mdev-policy eval -s examples/host-a.yaml -d examples/host-b.yaml | ${single.ms.toFixed(0)} |`);
  say('');
  say(`Ratio ${(single.ms / version.ms).toFixed(2)}; target ≤ 1.5.`);
}

process.chdir(ROOT);
const started = new Date();
say('# Benchmark results');
say('');
say(`Run ${started.toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Reproduce: \`npm run bench\`.`);
say('');
// `npm run bench -- a` (or b, c) runs one part, for profiling; only a full run writes RESULTS.md.
const only = process.argv[2];
if (!only || only === 'a') await candidatesPerSecond();
say('');
if (!only || only === 'b') await fleet();
say('');
if (!only || only === 'c') singlePair();
if (!only) writeFileSync(path.join(ROOT, 'bench/RESULTS.md'), `${lines.join('\n')}\n`);
