// The fleet path (src/stream.ts, src/evaluate/fleet.ts) against the library
// path it replaces for `eval --format ndjson`: the same bytes for every
// destination line, the same diagnostics (codes, lines), the same counts —
// on generated policies, sources and inventories mixed with bad lines
// (invalid JSON, duplicate keys, schema errors, invalid UTF-8, a BOM, CRLF,
// blanks, over-long lines), with every output option. And the splitter that
// cuts NDJSON into pieces numbers lines the same whatever the chunking.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_LIMITS, evaluate, loadPolicySet, type PolicySet, hostFromDocument, loadDestinations, parseText, renderNdjsonDestination, resolvePolicySet, sortDiagnostics, streamDecision, type Diagnostic, type Host, type LoadLimits } from '../src/index.js';
import { forEachLine, NdjsonSplitter, type LinesPiece } from '../src/load.js';
import { policyFromDocument } from '../src/inputs.js';
import { checks, MODE_NAMES } from './arbitraries.js';
import { cli } from './cli.js';
import { hostDoc, policyText, UUID } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mdev-fleet-'));
const typeIds = ['i915-GVTg_V5_4', 'i915-GVTg_V5_8', 'nvidia-11', 'mtty-2'];
const text = fc.constantFrom('1.2.0', '1.3.0', '2.0', 'vfio-pci', 'vfio-ccw', '', ' ', '5931, 591b', '591b', 'aggregator, fps', 'fps', 'GRID M60-2Q', 'vfio-pci\n', 'é');
const typeAttrs = fc.record(
  {
    name: text,
    device_api: fc.constantFrom('vfio-pci', 'vfio-ccw', 'vfio-pci \n'),
    software_version: text,
    compatible_pci_ids: text,
    dynamic_resources: fc.constantFrom('aggregator, fps', 'fps', ''),
    available_instances: fc.oneof({ weight: 6, arbitrary: fc.nat(2) }, { weight: 1, arbitrary: fc.constantFrom('1', '0\n') }),
    x: text,
  },
  { requiredKeys: [] },
);
const types = fc.dictionary(fc.constantFrom(...typeIds), typeAttrs, { minKeys: 0, maxKeys: 3 });
const parentFacts = fc.record({ pci_device: fc.constantFrom('0x2235', '0x20b5', ''), ecc_mode: fc.constantFrom('enabled', 'disabled', ' ') }, { requiredKeys: [] });
const hostFacts = fc.record({ kernel_release: fc.constantFrom('6.8.0-45-generic', '5.4.0', 'x'), nvidia_version: fc.constantFrom('550.90.05', '550.90.5', ''), x: text }, { requiredKeys: [] });
const devices = (ids: string[]) =>
  fc
    .uniqueArray(fc.tuple(fc.constantFrom(...UUID), fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.constant('mtty-9') }), fc.dictionary(fc.constantFrom('aggregator', 'fps'), fc.constantFrom('1', '60', ''), { maxKeys: 2 })), { minLength: 1, maxLength: 2, selector: (d) => d[0] })
    .map((ds) => Object.fromEntries(ds.map(([u, ty, a]) => [u, { type: ty, attributes: a }])));
const sourceParent = types.filter((t) => Object.keys(t).length > 0).chain((t) => fc.record({ attributes: parentFacts, types: fc.constant(t), devices: devices(Object.keys(t)) }));
const destParent = types.chain((t) => fc.record({ attributes: parentFacts, types: fc.constant(t), devices: fc.option(devices(Object.keys(t).length > 0 ? Object.keys(t) : typeIds), { nil: undefined, freq: 2 }) }, { requiredKeys: ['types'] }));
const destination = fc.record({
  name: fc.constantFrom('d1', 'd2', 'D1 ', 'src', 'SRC', 'd"3', 'dé'),
  parents: fc.dictionary(fc.constantFrom('p0', 'p1', '0000:3b:00.0'), destParent, { minKeys: 1, maxKeys: 2 }),
  facts: fc.option(hostFacts, { nil: undefined }),
});
/** Lines that are not good hosts, each reported as the library reports it. */
const junk = fc.constantFrom(
  '',
  '   ',
  '{not json',
  '{"apiVersion":"mdev-policy/v1","kind":"Host","metadata":{"name":"dup","name":"x"},"spec":{"parents":{}}}',
  '{"apiVersion":"mdev-policy/v1","kind":"Host","metadata":{"name":"bad"},"spec":{"parents":{"p":{"types":{"t":{"available_instances":[1]}}}}}}',
  '{"apiVersion":"mdev-policy/v1","kind":"Host","metadata":{"name":"__proto__"},"spec":{"parents":{"p":{"types":{"__proto__":{}}}}}}',
  '[]',
  '"a string"',
  'x'.repeat(300),
  '\uFEFF{"apiVersion":"mdev-policy/v1","kind":"Host","metadata":{"name":"bom"},"spec":{"parents":{}}}',
  '\u00a0',
);

function hostLine(d: { name: string; parents: unknown; facts?: Record<string, unknown> }): string {
  return JSON.stringify(hostDoc(d.name, d.parents as Record<string, unknown>, d.facts));
}

let fileNo = 0;
const LIMITS: LoadLimits = { ...DEFAULT_LIMITS, maxBytes: 256 };

async function both(policyChecks: Parameters<typeof policyText>[0] | PolicySet, mode: string, src: Host, lines: string[], eol: string, opts: { detail: 'all' | 'failing'; prune: boolean; failOnSkip: boolean; onlyCompatible: boolean }, limits: LoadLimits) {
  let set: { value?: PolicySet } = { value: policyChecks as PolicySet };
  if (Array.isArray(policyChecks)) {
    const policy = policyFromDocument(parseText(policyText(policyChecks), 'p.yaml').value!);
    if (!policy.value) return undefined;
    set = resolvePolicySet(policy.value, [], mode);
  }
  if (!set.value) return undefined;
  const file = path.join(dir, `inv-${fileNo++}.ndjson`);
  writeFileSync(file, Buffer.concat(lines.map((l) => l === '\uFFFE' ? Buffer.from([0xc3, 0x28, ...Buffer.from(eol)]) : Buffer.from(`${l}${eol}`))));
  // The library path, as `eval --format ndjson` ran it before the fleet path.
  let reference = '';
  const counts = { destinations: 0, compatible: 0 };
  const decision = await evaluate({
    policy: set.value,
    source: src,
    destinations: loadDestinations([file], limits),
    keep: false,
    counts,
    destination: { engine: 'bulk', detail: opts.detail, prune: opts.prune, failOnSkip: opts.failOnSkip },
    onDestination: (d) => {
      if (d.compatible || !opts.onlyCompatible) reference += renderNdjsonDestination(d);
    },
  });
  let fleet = '';
  const streamed = await streamDecision({ policy: set.value, source: src, destinations: [file], limits, ...opts, write: (t) => {
    fleet += typeof t === 'string' ? t : Buffer.from(t).toString();
  } });
  return { reference, fleet, decision, counts, streamed };
}

const codes = (ds: Diagnostic[] | undefined) => sortDiagnostics(ds ?? []).map((d) => `${d.code}@${d.line ?? '-'}:${d.col ?? '-'}`);

test('the fleet path writes the bytes the library path writes, with the same diagnostics and counts', async () => {
  let compared = 0;
  const quick = { accepted: 0, doubted: 0 };
  await fc.assert(
    fc.asyncProperty(
      checks,
      fc.constantFrom(...MODE_NAMES),
      sourceParent,
      fc.option(hostFacts, { nil: undefined }),
      fc.array(fc.oneof({ weight: 4, arbitrary: destination.map(hostLine) }, { weight: 1, arbitrary: junk }, { weight: 1, arbitrary: fc.constant('\uFFFE') }), { minLength: 0, maxLength: 6 }),
      fc.constantFrom('\n', '\r\n'),
      fc.record({ detail: fc.constantFrom<'all' | 'failing'>('all', 'failing'), prune: fc.boolean(), failOnSkip: fc.boolean(), onlyCompatible: fc.boolean() }),
      fc.boolean(),
      async (written, mode, s, sf, lines, eol, opts, small) => {
        const loaded = parseText(JSON.stringify(hostDoc('src', { p0: s }, sf)), 'src.json');
        const src = loaded.value ? hostFromDocument(loaded.value).value : undefined;
        if (!src) return;
        const got = await both(written, mode, src, lines, eol, opts, small ? LIMITS : DEFAULT_LIMITS);
        if (!got) return;
        compared++;
        quick.accepted += got.streamed.quick!.accepted;
        quick.doubted += got.streamed.quick!.doubted;
        assert.is(got.fleet, got.reference);
        assert.equal(codes(got.streamed.decision.errors), codes(got.decision.errors));
        assert.equal(codes(got.streamed.decision.warnings), codes(got.decision.warnings));
        assert.equal(got.streamed.counts, got.counts);
        assert.is(got.streamed.decision.compatible, got.decision.compatible);
      },
    ),
    {
      numRuns: 800,
      // Found by this property: two destinations alike but for the refused candidate's type, whose capacity fixes name it.
      examples: [
        // prettier-ignore
        [[{"id":"check-0","attribute":"device_api","match":"capacity"}],"strict",{"attributes":{},"types":{"mtty-2":{"name":"vfio-ccw","device_api":"vfio-ccw","software_version":"GRID M60-2Q","compatible_pci_ids":"vfio-pci\n","dynamic_resources":"","available_instances":1},"i915-GVTg_V5_4":{"name":"GRID M60-2Q","device_api":"vfio-ccw","software_version":"fps","compatible_pci_ids":"aggregator, fps","dynamic_resources":"","available_instances":0,"x":"vfio-pci\n"}},"devices":{"83b8f4f2-509f-382f-3c1e-e6bfe0fa1001":{"type":"mtty-2","attributes":{}}}},undefined,["{\"apiVersion\":\"mdev-policy/v1\",\"kind\":\"Host\",\"metadata\":{\"name\":\"d1\"},\"spec\":{\"parents\":{\"p0\":{\"types\":{\"i915-GVTg_V5_4\":{\"device_api\":\"vfio-ccw\"}}}}}}","{\"apiVersion\":\"mdev-policy/v1\",\"kind\":\"Host\",\"metadata\":{\"name\":\"d1\"},\"spec\":{\"parents\":{\"p0\":{\"types\":{\"i915-GVTg_V5_8\":{\"device_api\":\"vfio-ccw\"}}}}}}"],"\n",{"detail":"all","prune":false,"failOnSkip":false,"onlyCompatible":false},false] as never,
      ],
    },
  );
  assert.ok(compared > 250, `enough cases were compared (${compared})`);
  // Both ways were taken often: lines the quick check accepted (the fleet path proper) and lines it left to the library.
  assert.ok(quick.accepted > 300 && quick.doubted > 100, `quick check: ${quick.accepted} accepted, ${quick.doubted} doubted`);
});

test('the fleet path = the library path with the shipped policies and overlays: source devices of several types, each with its own effective policy', async () => {
  const shipped = (await loadPolicySet({})).value!;
  const modes = await Promise.all(['strict', 'superset'].map(async (mode) => (await loadPolicySet({ mode })).value!));
  let compared = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(shipped, ...modes),
      sourceParent,
      sourceParent,
      fc.array(destination.map(hostLine), { minLength: 1, maxLength: 5 }),
      fc.record({ detail: fc.constantFrom<'all' | 'failing'>('all', 'failing'), prune: fc.boolean(), failOnSkip: fc.boolean(), onlyCompatible: fc.boolean() }),
      async (set, a, b, lines, opts) => {
        // Two parents, so two devices of different types (with different overlays, hence numbers of rules) are common.
        const loaded = parseText(JSON.stringify(hostDoc('src', { p0: a, p1: { ...b, devices: Object.fromEntries(Object.entries(b.devices).map(([u, d]) => [u.replace(/1$/, '9').replace(/2$/, '8'), d])) } })), 'src.json');
        const src = loaded.value ? hostFromDocument(loaded.value).value : undefined;
        if (!src) return;
        const got = await both(set, set.mode, src, lines, '\n', opts, DEFAULT_LIMITS);
        if (!got) return;
        compared++;
        assert.is(got.fleet, got.reference);
        assert.equal(codes(got.streamed.decision.errors), codes(got.decision.errors));
        assert.equal(got.streamed.counts, got.counts);
      },
    ),
    { numRuns: 400 },
  );
  assert.ok(compared > 150, `enough cases were compared (${compared})`);
});

test('the splitter numbers lines the same whatever the chunks, and never holds a line far over the limit', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom('', '\r', '{"a":1}', 'é', '   ', '{"a":"\u00e9\u00e9\u00e9\u00e9"}\r'), fc.string({ maxLength: 40 }).map((s) => (s.trim() === '' ? '' : s.replace(/\n/g, '')))), { maxLength: 30 }),
      fc.boolean(),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 8, max: 60 }),
      (lines, endWithNewline, cuts, pieceBytes, maxBytes) => {
        const input = Buffer.from(lines.join('\n') + (endWithNewline && lines.length > 0 ? '\n' : ''));
        // Expected: each line (a trailing CR dropped) by number, too large, or left out when blank.
        const expected: string[] = [];
        const texts = input.length === 0 ? [] : input.toString('utf8').split('\n');
        if (endWithNewline && lines.length > 0) texts.pop();
        texts.forEach((t, i) => {
          const s = t.endsWith('\r') ? t.slice(0, -1) : t;
          if (Buffer.byteLength(s) > maxBytes) expected.push(`${i + 1}:too-large`);
          else if (s.trim() !== '') expected.push(`${i + 1}:${s}`);
        });
        const splitter = new NdjsonSplitter(maxBytes, pieceBytes);
        const out: (LinesPiece | { tooLarge: number })[] = [];
        let at = 0;
        for (let k = 0; at < input.length; k++) {
          const n = cuts[k % cuts.length]!;
          splitter.push(input.subarray(at, at + n), out);
          at += n;
        }
        splitter.end(out);
        const got: string[] = [];
        for (const p of out) {
          if ('tooLarge' in p) {
            got.push(`${p.tooLarge}:too-large`);
            continue;
          }
          // Pieces hold whole lines: at most a piece's size, plus one chunk, plus a line at the limit.
          assert.ok(p.bytes.length <= pieceBytes + 50 + maxBytes + 4, `a piece of ${p.bytes.length} bytes`);
          // A line a little over the limit reaches a piece; the loader's own check refuses it there (as this does).
          forEachLine(p, 'f', (e) => got.push('errors' in e ? `${e.line}:bad-utf8` : Buffer.byteLength(e.text) > maxBytes ? `${e.line}:too-large` : `${e.line}:${e.text}`));
        }
        assert.equal(got, expected);
      },
    ),
    { numRuns: 2000 },
  );
});

test('eval --format ndjson: the fleet path, one thread or several, writes what the library path writes, from files, a directory, an inventory and stdin', () => {
  // An inventory of many pieces (> 1 MiB) with bad lines in it, a directory, a file: every route at once, in order.
  const lines: string[] = [];
  const example = JSON.parse(JSON.stringify(parseText(readFileSync(path.join('examples', 'host-b.yaml'), 'utf8'), 'b.yaml').value!.data)) as { metadata: { name: string } };
  for (let i = 0; i < 3000; i++) {
    if (i % 997 === 5) lines.push('{"broken":');
    if (i % 1001 === 7) lines.push('{"apiVersion":"mdev-policy/v1","kind":"Host","metadata":{"name":"x","name":"y"},"spec":{"parents":{}}}');
    example.metadata.name = `fleet-${i}`;
    lines.push(JSON.stringify(example));
  }
  const inventory = path.join(dir, 'many.ndjson');
  writeFileSync(inventory, `${lines.join('\n')}\n`);
  const hosts = path.join(dir, 'hosts');
  mkdirSync(hosts, { recursive: true });
  writeFileSync(path.join(hosts, 'c.json'), JSON.stringify({ ...example, metadata: { name: 'dir-host' } }));
  const args = ['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-c.yaml', '-d', inventory, '-d', hosts, '-d', '-', '--format', 'ndjson'];
  const input = lines.slice(0, 50).join('\n');
  const reference = cli([...args, '--engine', 'bulk'], { input, maxBuffer: 1 << 28 });
  assert.is(reference.status, 2, reference.stderr);
  assert.ok(reference.stdout.length > 1024 * 1024, 'the inventory makes more than one piece of output');
  for (const extra of [['--jobs', '1'], ['--jobs', '2'], ['--jobs', '3', '--only-compatible'], ['--jobs', '2', '--explain']]) {
    const ref = extra.includes('--jobs') && extra.length > 2 ? cli([...args, '--engine', 'bulk', ...extra.slice(2)], { input, maxBuffer: 1 << 28 }) : reference;
    const got = cli([...args, ...extra], { input, maxBuffer: 1 << 28 });
    assert.is(got.status, ref.status, extra.join(' '));
    // Byte for byte, but for the Summary line's id and time (each run makes a new decision).
    const unstamp = (out: string) => out.replace(/^(\{"kind":"Summary","id":)"[^"]*","time":"[^"]*"/m, '$1"","time":""');
    assert.ok(unstamp(got.stdout) === unstamp(ref.stdout), `stdout differs with ${extra.join(' ')}`);
    assert.is(got.stderr, ref.stderr, extra.join(' '));
  }
});

test('a piece a worker cannot finish (out of its heap) is decided in the main thread: --jobs 2 writes what --jobs 1 writes, nothing lost', () => {
  // One host of 20,000 GPUs whose every candidate is refused: its output (tens of MB) is more than a worker's heap holds.
  const small = (name: string) => ({ apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name }, spec: { host: {}, parents: { '0000:00:02.0': { types: { 'i915-GVTg_V5_4': { device_api: 'vfio-pci', available_instances: 1, software_version: '1.2.0' } } } } } });
  const parents: Record<string, unknown> = {};
  for (let i = 0; i < 20_000; i++) parents[`0000:${String(i).padStart(5, '0')}.0`] = { types: { 'i915-GVTg_V5_4': { device_api: 'vfio-pci', available_instances: 1, software_version: '1.1.0' } } };
  const inventory = path.join(dir, 'huge-line.ndjson');
  writeFileSync(inventory, [small('before'), { ...small('huge'), spec: { host: {}, parents } }, small('after')].map((h) => JSON.stringify(h)).join('\n') + '\n');
  const args = ['eval', '-s', 'examples/host-a.yaml', '-d', inventory, '--format', 'ndjson', '--debug'];
  const unstamp = (out: string) => out.replace(/^(\{"kind":"Summary","id":)"[^"]*","time":"[^"]*"/m, '$1"","time":""');
  const one = cli([...args, '--jobs', '1'], { maxBuffer: 1 << 28 });
  const two = cli([...args, '--jobs', '2'], { maxBuffer: 1 << 28 });
  assert.match(two.stderr, /^debug: a worker stopped \(.*memory limit.*\); its pieces were decided in the main thread$/m);
  assert.is(two.status, one.status);
  assert.is(one.stdout.split('\n').filter((l) => l.startsWith('{"kind":"DestinationResult"')).length, 3, 'every host has its line');
  assert.ok(unstamp(two.stdout) === unstamp(one.stdout), 'the same bytes');
});

test('the output waits for its reader: a write that returns a promise is awaited before the next piece is written', async () => {
  // An inventory of several pieces (> 3 MiB), each a write.
  const example = JSON.parse(JSON.stringify(parseText(readFileSync(path.join('examples', 'host-b.yaml'), 'utf8'), 'b.yaml').value!.data)) as { metadata: { name: string } };
  const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ ...example, metadata: { ...example.metadata, name: `slow-${i}` } }));
  const inventory = path.join(dir, 'slow-reader.ndjson');
  writeFileSync(inventory, `${lines.join('\n')}\n`);
  const set = await loadPolicySet({}, DEFAULT_LIMITS);
  const source = hostFromDocument(parseText(readFileSync(path.join('examples', 'host-a.yaml'), 'utf8'), 'a.yaml').value!).value!;
  let writes = 0;
  let outstanding = 0;
  let most = 0;
  await streamDecision({
    policy: set.value!,
    source,
    destinations: [inventory],
    limits: DEFAULT_LIMITS,
    detail: 'failing',
    prune: true,
    failOnSkip: false,
    onlyCompatible: false,
    write: () => {
      writes++;
      most = Math.max(most, ++outstanding);
      return new Promise((resolve) => setTimeout(() => resolve(void outstanding--), 2));
    },
  });
  assert.ok(writes > 2, `${writes} writes`);
  assert.is(most, 1, 'never a second write while the reader has not taken the first');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
