// `mdev-policy eval`: can this VM's mdev devices live-migrate to these destinations?
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { modeFlag, overlayFlag, policyFlag, limitFlags, limitsFrom } from '../cli/flags.js';

export default class Eval extends BaseCommand {
  static override summary = "Decide whether a VM's mdev devices can live-migrate to each destination host, and what to claim there.";
  static override description = `Evaluates every source device against every (parent, type) of each destination with the policy's checks, then places the devices (each on its own instance, within available_instances) and prints the claim plan.

A destination named like the source host is reported as the source, never as a candidate, and is not counted. A compatible destination lists the checks it could not verify (absent on both hosts); --fail-on-skip refuses those instead.

Exit codes: 0 some destination can take every source device; 1 none can; 2 bad input (errors are reported, every readable destination is still evaluated).`;

  static override examples = [
    { description: 'Can host-b take the VM on host-a?', command: '<%= config.bin %> eval --source examples/host-a.yaml --dest examples/host-b.yaml' },
    { description: 'One device, several destinations, superset mode, as JSON', command: '<%= config.bin %> eval -s examples/host-a.yaml --device 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 -d examples/host-b.yaml -d examples/host-c.yaml -m superset --format json' },
    { description: 'Show the passing checks too', command: '<%= config.bin %> eval -s examples/host-a.yaml -d examples/ --explain' },
    { description: 'Accept only what was verified: checks absent on both hosts fail', command: '<%= config.bin %> eval -s examples/host-a.yaml -d examples/fleet.ndjson --fail-on-skip' },
    { description: 'A fleet: stream an NDJSON inventory, print the compatible hosts as they are found', command: '<%= config.bin %> eval -s examples/host-a.yaml -d examples/fleet.ndjson --format ndjson --only-compatible' },
    { description: 'The inventory on stdin', command: 'cat examples/fleet.ndjson | <%= config.bin %> eval -s examples/host-a.yaml -d - --format ndjson' },
    { description: 'Only the base policy, plus one vendor overlay', command: '<%= config.bin %> eval -s examples/host-a.yaml -d examples/host-b.yaml --policy policies/vfio-mdev.yaml --overlay policies/vendors/intel-gvt-g.yaml' },
  ];

  static override flags = {
    source: Flags.string({ char: 's', required: true, description: 'Host descriptor of the source host (YAML or JSON).', helpValue: 'FILE' }),
    device: Flags.string({ multiple: true, description: 'UUID of a source device to migrate (repeatable); default: every device on the source host.', helpValue: 'UUID' }),
    dest: Flags.string({ char: 'd', required: true, multiple: true, description: 'Destination host descriptor: a file, a directory of them, an .ndjson inventory (streamed), or - for NDJSON on stdin (repeatable).', helpValue: 'FILE|DIR|-' }),
    policy: policyFlag,
    overlay: overlayFlag,
    mode: modeFlag,
    format: Flags.string({ options: ['text', 'json', 'ndjson'], default: 'text', description: 'Output format.' }),
    json: Flags.boolean({ description: 'Same as --format json.' }),
    explain: Flags.boolean({ description: 'Show passing and skipped checks too (text), every check (ndjson).' }),
    'only-compatible': Flags.boolean({ description: 'Leave incompatible destinations out of the output (not out of the summary counts).' }),
    'fail-on-skip': Flags.boolean({
      description: 'Accept only what was verified: a check skipped because its attribute is absent on both hosts (onMissing: skip) fails instead. Checks a policy ignores on purpose (match: ignore) stay skipped.',
    }),
    engine: Flags.string({
      options: ['compiled', 'bulk', 'rules'],
      default: 'compiled',
      description:
        'Evaluator of the compiled rules: compiled (rules specialised per source device, the fleet path for NDJSON output), bulk (the same rules as closures) or rules (json-rules-engine itself, the reference semantics). Same results; the three are differentially tested, compiled is the fastest.',
    }),
    jobs: Flags.integer({
      min: 1,
      max: 64,
      description:
        'Worker threads deciding an NDJSON inventory with --format ndjson; the main thread reads and writes in order, so the output is the same bytes as with one thread. At most 2 are started (each costs ~30 MiB; peak memory stays within 200 MiB). Default: 1, or 2 with 4 cores or more.',
      helpValue: 'N',
    }),
    ...limitFlags,
  };

  /** A progress line on stderr, only when stderr is a terminal: hosts read, compatible so far, rate. */
  private progress(counts: { destinations: number; compatible: number }): { tick(): void; done(): void } {
    if (!process.stderr.isTTY) return { tick() {}, done() {} };
    const start = Date.now();
    let last = 0;
    let shown = false;
    const show = () => {
      const seconds = (Date.now() - start) / 1000;
      process.stderr.write(`\r\u001b[2K${counts.destinations} hosts read, ${counts.compatible} compatible, ${Math.round(counts.destinations / Math.max(seconds, 0.001))} hosts/s`);
      shown = true;
    };
    return {
      tick() {
        const now = Date.now();
        if (now - last >= 200) {
          last = now;
          show();
        }
      },
      done() {
        if (shown) process.stderr.write('\r\u001b[2K');
      },
    };
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Eval);
    const lib = await import('../index.js');
    const limits = limitsFrom(flags, lib.DEFAULT_LIMITS);
    const format = flags.json ? 'json' : flags.format;
    const [policy, source] = await Promise.all([lib.loadPolicySet({ policy: flags.policy, overlays: flags.overlay, mode: flags.mode }, limits), lib.loadHost(flags.source, limits)]);
    const early = [...policy.errors, ...source.errors];
    if (!policy.value || !source.value) {
      this.writeErr(lib.renderDiagnostics(early));
      process.exitCode = 2;
      return;
    }
    const streaming = format === 'ndjson';
    const engine = flags.engine as 'compiled' | 'rules' | 'bulk';
    const counts = { destinations: 0, compatible: 0 };
    const progress = this.progress(counts);
    let decision;
    if (streaming && engine === 'compiled') {
      // The fleet path: NDJSON inventories in pieces, one write per piece, no per-destination objects.
      const streamed = await lib.streamDecision({
        policy: policy.value,
        source: source.value,
        devices: flags.device,
        destinations: flags.dest,
        limits,
        detail: flags.explain ? 'all' : 'failing',
        prune: !flags.explain,
        failOnSkip: flags['fail-on-skip'],
        onlyCompatible: flags['only-compatible'],
        jobs: flags.jobs ?? lib.defaultJobs(),
        write: (text) => this.write(text),
        progress: (c) => {
          Object.assign(counts, c);
          progress.tick();
        },
      });
      decision = streamed.decision;
      Object.assign(counts, streamed.counts);
    } else {
      decision = await lib.evaluate({
        policy: policy.value,
        source: source.value,
        devices: flags.device,
        destinations: lib.loadDestinations(flags.dest, limits),
        // A stream keeps nothing per destination: memory stays flat whatever the fleet's size.
        keep: !streaming,
        counts,
        destination: { engine, failOnSkip: flags['fail-on-skip'], ...(streaming ? { detail: flags.explain ? 'all' : 'failing', prune: !flags.explain } : {}) },
        onDestination: (d) => {
          if (streaming && (d.compatible || !flags['only-compatible'])) this.write(lib.renderNdjsonDestination(d));
          progress.tick();
        },
      });
    }
    progress.done();
    if (flags['only-compatible'] && !streaming) decision.destinations = decision.destinations.filter((d) => d.compatible);
    decision.errors = lib.sortDiagnostics(decision.errors);
    const warnings = [...source.warnings, ...(decision.warnings ?? [])];
    // When bad input stopped the evaluation before it began (a bad policy, source or --device), stdout stays empty in every format.
    if (decision.source.devices.length > 0) {
      if (format === 'json') this.write(lib.renderJson(decision));
      else if (streaming) this.write(lib.renderNdjsonSummary(decision, counts));
      else this.write(lib.renderText(decision, { explain: flags.explain, color: this.colorFor(process.stdout), counts }));
    }
    this.writeErr(lib.renderDiagnostics([...decision.errors, ...warnings]));
    process.exitCode = lib.exitCodeOf(decision);
  }
}
