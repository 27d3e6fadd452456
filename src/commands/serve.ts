// `mdev-policy serve`: the decision service (DESIGN §11). Thin: open the store
// (policy set and inventory), the decision log, build the app
// (src/serve/app.ts), listen, and close gracefully on SIGTERM/SIGINT.
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { limitsFrom, maxBytesFlag, maxDepthFlag, overlayFlag, policyChoice, policyFlag } from '../cli/flags.js';

export default class Serve extends BaseCommand {
  static override summary = 'Run the decision service: POST /v1/decisions answers the Decision of `eval --format json` over HTTP.';
  static override description = `A long-running HTTP/JSON service for schedulers: POST /v1/decisions (a source Host, optionally device UUIDs, destination Hosts inline or named from --inventory, a mode) answers the same Decision document as \`eval --format json\`; GET /v1/policy the effective policy (as \`policy show --format json\`) with its digest; GET /health, GET /ready, GET /metrics (Prometheus), GET /openapi.json. Policy files and the inventory reload on change; a bad edit keeps the previous set serving (logged, shown by /ready and a metric). A policy set or inventory that does not load at start is an error (exit 2) and the service does not start.

Logs (JSON lines) go to stderr; the address bound is printed there as \`listening on http://HOST:PORT\`. SIGTERM or SIGINT stops accepting connections, finishes the requests in flight and flushes the decision log. Every flag can also be set by the environment variable named in its description.`;

  static override examples = [
    { description: 'Serve the shipped policies on 127.0.0.1:8787', command: '<%= config.bin %> serve' },
    { description: 'On every interface, with an inventory of destinations and a decision log', command: '<%= config.bin %> serve --host 0.0.0.0 --inventory examples/fleet.ndjson --decision-log /var/log/mdev-policy/decisions.ndjson' },
    { description: 'A free port (the address is printed on stderr), configured from the environment', command: 'MDEV_POLICY_PORT=0 MDEV_POLICY_MODE=superset <%= config.bin %> serve' },
  ];

  static override flags = {
    port: Flags.integer({ default: 8787, min: 0, max: 65535, env: 'MDEV_POLICY_PORT', description: 'TCP port to listen on; 0 picks a free one.', helpValue: 'PORT' }),
    host: Flags.string({ default: '127.0.0.1', env: 'MDEV_POLICY_HOST', description: 'Address to listen on.', helpValue: 'ADDRESS' }),
    policy: Flags.string({ char: 'p', env: 'MDEV_POLICY_POLICY', description: `${policyFlag.description}`, helpValue: 'FILE' }),
    overlay: overlayFlag,
    mode: Flags.string({ char: 'm', env: 'MDEV_POLICY_MODE', description: "Mode of requests that name none; default: the policy's defaultMode.", helpValue: 'MODE' }),
    inventory: Flags.string({
      multiple: true,
      env: 'MDEV_POLICY_INVENTORY',
      description: 'Destination hosts a request may name by host name (destinationHosts): an .ndjson inventory, a Host file or a directory of them; reloaded on change like the policies (repeatable; the variable holds one path).',
      helpValue: 'FILE|DIR',
    }),
    'decision-log': Flags.string({ env: 'MDEV_POLICY_DECISION_LOG', description: 'Append one NDJSON line per decision to FILE, or - for stdout.', helpValue: 'FILE|-' }),
    'request-timeout': Flags.integer({
      default: 10_000,
      min: 1,
      env: 'MDEV_POLICY_REQUEST_TIMEOUT',
      description: 'Longest a request may take to arrive and be decided, in milliseconds; past it the answer is 503 `timeout`.',
      helpValue: 'MS',
    }),
    'log-level': Flags.string({ default: 'info', options: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], env: 'MDEV_POLICY_LOG_LEVEL', description: 'Level of the JSON logs on stderr.' }),
    'max-bytes': Flags.integer({
      default: maxBytesFlag.default as number,
      min: 1,
      env: 'MDEV_POLICY_MAX_BYTES',
      description: 'Largest request body accepted, in bytes (413 beyond); also each policy and inventory document.',
      helpValue: 'BYTES',
    }),
    'max-depth': Flags.integer({ default: maxDepthFlag.default as number, min: 4, max: 1000, env: 'MDEV_POLICY_MAX_DEPTH', description: `${maxDepthFlag.description}`, helpValue: 'LEVELS' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    const lib = await import('../index.js');
    const { openStore } = await import('../serve/store.js');
    const { buildApp } = await import('../serve/app.js');
    const { openDecisionLog } = await import('../serve/decision-log.js');
    const limits = limitsFrom(flags, lib.DEFAULT_LIMITS);
    // oclif gives a repeatable flag set from its environment variable as one string, not a list: one path either way.
    const list = (v: string | readonly string[] | undefined): string[] | undefined => (v === undefined ? undefined : typeof v === 'string' ? [v] : [...v]);
    const store = await openStore({ ...policyChoice(flags), inventory: list(flags.inventory), limits });
    // Bad input at start is refused at start (exit 2, the coded errors), as every command does: a service that could never be
    // ready (a mistyped flag, an inventory on stdin) must not listen. Later bad edits keep the previous set serving.
    if (!store.current()) {
      await store.close();
      this.writeErr(lib.renderDiagnostics(store.lastOutcome()?.errors ?? []));
      process.exitCode = 2;
      return;
    }
    let decisionLog;
    try {
      decisionLog = flags['decision-log'] === undefined ? undefined : await openDecisionLog(flags['decision-log']);
    } catch (e) {
      await store.close();
      this.writeErr(lib.renderDiagnostics([lib.diagnostic('file-unreadable', `cannot open the decision log: ${(e as Error).message}`, { file: flags['decision-log'] })]));
      process.exitCode = 2;
      return;
    }
    const app = buildApp({ store, limits, decisionLog, requestTimeoutMs: flags['request-timeout'], logger: { level: flags['log-level'], stream: process.stderr } });
    let address: string;
    try {
      address = await app.listen({ port: flags.port, host: flags.host });
    } catch (e) {
      await app.close();
      await store.close();
      this.writeErr(`usage: cannot listen on ${flags.host}:${flags.port}: ${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    // One plain line for people and scripts (--port 0): the address actually bound.
    this.writeErr(`listening on ${address}\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        app.log.info({ signal }, 'shutting down: finishing requests in flight');
        // Stop accepting, finish what is in flight, flush the decision log (the app's onClose), stop watching.
        void app
          .close()
          .then(() => store.close())
          .then(resolve, (e: unknown) => {
            app.log.error({ err: e }, 'shutdown failed');
            process.exitCode = 1;
            resolve();
          });
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
  }
}
