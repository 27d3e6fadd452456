// `mdev-policy eval`: can this VM's mdev devices live-migrate to these destinations?
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { progressLine } from '../cli/progress.js';
import { modeFlag, overlayFlag, policyFlag, limitFlags, limitsFrom, policyChoice } from '../cli/flags.js';
import { escapeForTerminal } from '../terminal.js';

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
    source: Flags.string({
      char: 's',
      description: "Host descriptor of the source host (YAML or JSON). Required, unless --domain carries the source host's facts in its metadata (`mdev-policy annotate`).",
      helpValue: 'FILE',
    }),
    device: Flags.string({ multiple: true, description: 'UUID of a source device to migrate (repeatable); default: every device on the source host.', helpValue: 'UUID' }),
    dest: Flags.string({ char: 'd', required: true, multiple: true, description: 'Destination host descriptor: a file, a directory of them, an .ndjson inventory (streamed), or - for NDJSON on stdin (repeatable).', helpValue: 'FILE|DIR|-' }),
    policy: policyFlag,
    overlay: overlayFlag,
    mode: modeFlag,
    domain: Flags.string({
      exclusive: ['device'],
      description: "The VM to migrate, as its libvirt domain XML (`virsh dumpxml VM`; - for stdin): its mdev hostdevs are the source devices. Each must be on the source host, with a model that is its type's device_api.",
      helpValue: 'FILE|-',
    }),
    format: Flags.string({
      options: ['text', 'json', 'ndjson', 'plan', 'domain-xml'],
      default: 'text',
      description:
        'Output format. plan: a POSIX shell script of mdevctl commands creating the devices on the destination (the first compatible one, or --to); domain-xml: the domain XML (--domain) with each mdev hostdev pointing at its device on that destination.',
    }),
    to: Flags.string({ description: 'With --format plan or domain-xml: the destination to plan for (default: the first compatible one).', helpValue: 'HOST' }),
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

  /** The progress line (src/cli/progress.ts): hosts read, compatible so far, rate. */
  private progress(counts: { destinations: number; compatible: number }): { tick(): void; done(): void } {
    const line = progressLine();
    const start = Date.now();
    const text = () => `${counts.destinations} hosts read, ${counts.compatible} compatible, ${Math.round(counts.destinations / Math.max((Date.now() - start) / 1000, 0.001))} hosts/s`;
    return { tick: () => line.tick(text), done: () => line.done() };
  }

  /** Flag combinations oclif cannot express: one line, or undefined when they are fine. */
  private usageProblem(flags: { json: boolean; format: string; explain: boolean; source?: string; domain?: string; dest: string[]; to?: string; 'only-compatible': boolean }, format: string, planning: boolean): string | undefined {
    if (flags.json && flags.format !== 'text' && flags.format !== 'json') return `--json is --format json, not \`${flags.format}\``;
    if (flags.source === undefined && flags.domain === undefined) return 'give the source host with --source, or a domain XML annotated with its facts with --domain';
    if (flags.domain === '-' && flags.dest.includes('-')) return '--domain - and --dest - both read standard input: give one of them as a file';
    if (format === 'domain-xml' && flags.domain === undefined) return '--format domain-xml rewrites the domain XML given with --domain';
    if (flags.to !== undefined && !planning) return '--to names the destination of --format plan or domain-xml';
    if (flags.explain && planning) return '--explain shows checks in a report; --format plan and domain-xml print no checks';
    if (flags['only-compatible'] && planning) return '--only-compatible filters a report; --format plan and domain-xml print one destination';
    return undefined;
  }

  /** `--format plan | domain-xml`: the script or the XML for one compatible destination; else why there is none (exit 1). */
  private async plan(
    lib: typeof import('../index.js'),
    input: {
      flags: { dest: string[]; to?: string; 'fail-on-skip': boolean; engine: string; explain: boolean };
      format: string;
      limits: import('../load.js').LoadLimits;
      policy: import('../resolve.js').PolicySet;
      source: import('../types.js').Host;
      devices?: readonly string[];
      domain?: import('../libvirt/domain.js').Domain;
      warnings: import('../errors.js').Diagnostic[];
    },
  ): Promise<void> {
    const { flags, source, domain } = input;
    if (flags.to !== undefined && lib.sameHost(flags.to, source.name)) {
      this.writeErr(lib.renderDiagnostics([lib.diagnostic('usage', `\`${flags.to}\` is the source host: a VM does not migrate to the host it runs on`)]));
      process.exitCode = 2;
      return;
    }
    // The VM's devices (named, or every device of the source): its own already on a destination are released for it, with or without --domain.
    const vm = lib.vmTypes(source, input.devices ?? source.devices.map((d) => d.uuid));
    const picker = new lib.TargetPicker({ source: source.name, vm, anyType: input.policy.mode === 'cross-type', ...(flags.to !== undefined ? { to: flags.to } : {}) });
    const counts = { destinations: 0, compatible: 0 };
    const decision = await lib.evaluate({
      counts,
      policy: input.policy,
      source,
      ...(input.devices ? { devices: input.devices } : {}),
      destinations: picker.destinations(lib.loadDestinations(flags.dest, input.limits)),
      keep: false,
      destination: { engine: flags.engine as 'compiled' | 'rules' | 'bulk', failOnSkip: flags['fail-on-skip'] },
      onDestination: (d) => picker.decided(d),
    });
    const errors = lib.sortDiagnostics(decision.errors);
    const warnings = [...input.warnings, ...(decision.warnings ?? [])];
    const target = flags.to !== undefined ? picker.named : picker.chosen;
    if (decision.source.devices.length > 0 && target?.result.compatible) {
      const plan = lib.claimPlan(target.result, target.host.devices, target.reserved);
      const refused = lib.unplannable(plan);
      if (refused) errors.push(lib.diagnostic('schema-violation', refused, target.host.file ? { file: target.host.file } : {}));
      else if (input.format === 'plan') {
        const policy = decision.policy;
        this.write(
          lib.renderPlanScript(plan, {
            ...(domain?.name !== undefined ? { vm: domain.name } : {}),
            sourceHost: source.name,
            policy: `${policy.name}@${policy.version}${policy.overlays.map((o) => ` + ${o.name}@${o.version}`).join('')}`,
            digest: policy.digest,
            mode: decision.mode,
            decision: decision.id,
            time: decision.time,
            tool: `${decision.tool.name} ${decision.tool.version}`,
          }),
        );
      } else this.write(lib.rewriteDomain(domain!, plan, target.host));
    } else if (decision.source.devices.length > 0) {
      const ownType = new Map(decision.source.devices.map((d) => [d.uuid, d.type]));
      if (flags.to !== undefined && !target) errors.push(lib.diagnostic('usage', `no destination named \`${flags.to}\` among --dest`));
      else if (target) this.writeErr(`${lib.renderRefusal(target.result, ownType)}\n`);
      // One destination decided: its own reason says more than a count.
      else if (counts.destinations === 1 && picker.refused) this.writeErr(`no plan: ${lib.renderRefusal(picker.refused.result, ownType)}\n`);
      else this.writeErr(`no plan: ${counts.destinations === 0 ? 'no destination was decided' : `none of the ${counts.destinations} destination${counts.destinations === 1 ? '' : 's'} decided can take every device`}\n`);
    }
    this.writeErr(lib.renderDiagnostics([...lib.sortDiagnostics(errors), ...warnings]));
    process.exitCode = errors.length > 0 ? 2 : target?.result.compatible ? 0 : 1;
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Eval);
    const lib = await import('../index.js');
    const limits = limitsFrom(flags, lib.DEFAULT_LIMITS);
    const format = flags.json ? 'json' : flags.format;
    const planning = format === 'plan' || format === 'domain-xml';
    const usage = this.usageProblem(flags, format, planning);
    if (usage) {
      this.writeErr(lib.renderDiagnostics([lib.diagnostic('usage', usage, {}, { hint: 'see `mdev-policy eval --help`' })]));
      process.exitCode = 2;
      return;
    }
    const [policy, domain, named] = await Promise.all([
      lib.loadPolicySet(policyChoice(flags), limits),
      flags.domain === undefined ? undefined : lib.loadDomain(flags.domain, limits),
      flags.source === undefined ? undefined : lib.loadHost(flags.source, limits),
    ]);
    // Without --source, the source host's facts the domain carries (annotate): the VM decided as its destination's hook would.
    const source = named ?? lib.sourceFromMetadata(domain);
    const early = [...policy.errors, ...source.errors, ...(domain?.errors ?? [])];
    const vm = domain?.value && source.value ? lib.vmDevices(domain.value, source.value) : undefined;
    if (!policy.value || !source.value || (domain && !domain.value) || (vm && vm.errors.length > 0)) {
      this.writeErr(lib.renderDiagnostics([...early, ...(vm?.errors ?? []), ...(vm?.warnings ?? [])]));
      process.exitCode = 2;
      return;
    }
    const devices = vm ? vm.uuids : flags.device;
    if (planning) return this.plan(lib, { flags, format, limits, policy: policy.value, source: source.value, devices, domain: domain?.value, warnings: [...source.warnings, ...(vm?.warnings ?? [])] });
    const streaming = format === 'ndjson';
    const engine = flags.engine as 'compiled' | 'rules' | 'bulk';
    const counts = { destinations: 0, compatible: 0 };
    const progress = this.progress(counts);
    let decision;
    // The fleet path reads hosts as bytes; a VM's devices already on a destination are released on Host objects (the library path).
    if (streaming && engine === 'compiled' && !vm) {
      // The fleet path: NDJSON inventories in pieces, one write per piece, no per-destination objects.
      const streamed = await lib.streamDecision({
        policy: policy.value,
        source: source.value,
        devices,
        destinations: flags.dest,
        limits,
        detail: flags.explain ? 'all' : 'failing',
        prune: !flags.explain,
        failOnSkip: flags['fail-on-skip'],
        onlyCompatible: flags['only-compatible'],
        jobs: flags.jobs ?? lib.defaultJobs(),
        ...(this.debugWanted() ? { onWorkerFailure: (why: string) => this.writeErr(`debug: a worker stopped (${escapeForTerminal(why)}); its pieces were decided in the main thread\n`) } : {}),
        write: (text) => this.writeDrained(text),
        progress: (c) => {
          Object.assign(counts, c);
          progress.tick();
        },
      });
      decision = streamed.decision;
      Object.assign(counts, streamed.counts);
    } else {
      const picker = new lib.TargetPicker({ source: source.value.name, ...(vm ? { vm: lib.vmTypes(source.value, vm.uuids), anyType: policy.value.mode === 'cross-type' } : {}) });
      decision = await lib.evaluate({
        policy: policy.value,
        source: source.value,
        devices,
        destinations: picker.destinations(lib.loadDestinations(flags.dest, limits)),
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
    if (domain?.value) decision.source.vm = lib.vmOf(domain.value);
    decision.errors = lib.sortDiagnostics(decision.errors);
    const warnings = [...source.warnings, ...(vm?.warnings ?? []), ...(decision.warnings ?? [])];
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
