// The decision service's Prometheus metrics (prom-client), in a registry of
// their own so two services in one process (tests) never share a count.
// Requests, decision latency and verdicts are counted by the app; reloads by
// the store's onReload; what is loaded now (policy name, version, digest,
// generation) and whether the last reload succeeded are read from the store
// at each scrape, so they can never lag behind it. This module never serves
// HTTP and never reads a file.

import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { Store } from './types.js';

// Loaded on first use (the CLI bundle must not import packages dynamically; only `serve` needs this one).
const require = createRequire(import.meta.url);

export interface ServiceMetrics {
  registry: PromClient.Registry;
  requests: PromClient.Counter<'method' | 'route' | 'status'>;
  decisionSeconds: PromClient.Histogram<'verdict'>;
  decisions: PromClient.Counter<'verdict'>;
  reloads: PromClient.Counter<'result'>;
  reloadFailures: PromClient.Counter;
}

/** Every metric of one service, registered in a new registry; `processMetrics` adds prom-client's process and Node metrics. */
export function createMetrics(store: Store, { processMetrics = true }: { processMetrics?: boolean } = {}): ServiceMetrics {
  const prom = require('prom-client') as typeof PromClient;
  const registry = new prom.Registry();
  if (processMetrics) prom.collectDefaultMetrics({ register: registry, prefix: 'mdev_policy_' });
  const registers = [registry];
  const requests = new prom.Counter({
    name: 'mdev_policy_http_requests_total',
    help: 'HTTP requests answered, by method, route (the route pattern; unmatched for 404s) and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const decisionSeconds = new prom.Histogram({
    name: 'mdev_policy_decision_duration_seconds',
    help: 'Time to decide one POST /v1/decisions request (reading its hosts, evaluating, placing), by verdict.',
    labelNames: ['verdict'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const decisions = new prom.Counter({
    name: 'mdev_policy_decisions_total',
    help: 'Decisions made, by verdict: compatible (some destination takes every device), incompatible, or error (bad input, HTTP 4xx/5xx).',
    labelNames: ['verdict'] as const,
    registers,
  });
  const reloads = new prom.Counter({
    name: 'mdev_policy_policy_reloads_total',
    help: 'Reloads of the policy set and inventory attempted since start, by result (success, failure).',
    labelNames: ['result'] as const,
    registers,
  });
  const reloadFailures = new prom.Counter({
    name: 'mdev_policy_policy_reload_failures_total',
    help: 'Reloads that failed (a bad edit): the previous set kept serving.',
    registers,
  });
  new prom.Gauge({
    name: 'mdev_policy_policy_info',
    help: 'The policy set serving now (value 1): base policy name and version, digest (sha256 of base, overlays and default mode), generation.',
    labelNames: ['policy', 'version', 'digest', 'mode', 'generation'] as const,
    registers,
    collect() {
      this.reset();
      const set = store.current();
      if (!set) return;
      const { policy } = set.policyFor().value ?? { policy: { name: set.base.written.metadata.name, version: set.base.written.metadata.version } };
      this.set({ policy: policy.name, version: policy.version, digest: set.digest, mode: set.mode, generation: String(set.generation) }, 1);
    },
  });
  new prom.Gauge({
    name: 'mdev_policy_policy_loaded',
    help: '1 when a policy set is loaded and requests are served (/ready answers 200), else 0.',
    registers,
    collect() {
      this.set(store.current() ? 1 : 0);
    },
  });
  new prom.Gauge({
    name: 'mdev_policy_policy_last_reload_success',
    help: '1 when the last load or reload succeeded, 0 when it failed (the previous set, if any, still serves; /ready shows the errors).',
    registers,
    collect() {
      const last = store.lastOutcome();
      this.set(last?.ok === false ? 0 : 1);
    },
  });
  new prom.Gauge({
    name: 'mdev_policy_inventory_hosts',
    help: 'Hosts in the inventory serving now (destinations a request may name by host name).',
    registers,
    collect() {
      this.set(store.current()?.inventory.size ?? 0);
    },
  });
  store.onReload((outcome) => {
    reloads.inc({ result: outcome.ok ? 'success' : 'failure' });
    if (!outcome.ok) reloadFailures.inc();
  });
  return { registry, requests, decisionSeconds, decisions, reloads, reloadFailures };
}
