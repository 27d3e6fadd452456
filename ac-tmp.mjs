import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
const body = JSON.stringify({ source: parse(readFileSync('examples/host-a.yaml', 'utf8')), destinations: [parse(readFileSync('examples/host-b.yaml', 'utf8'))] });
for (const c of [1, 2, 4]) {
const r = await autocannon({ url: 'http://127.0.0.1:8799/v1/decisions', method: 'POST', headers: { 'content-type': 'application/json' }, body, duration: 4, connections: c });
console.log(c, r.requests.average, r.latency.p50, r.latency.p99, r.latency.average, r.errors, r.non2xx, r.requests.total);
}
