// `mdev-policy matrix INVENTORY…`: the fleet's compatibility matrix — hosts
// grouped into classes by what the policy reads, and for every mdev type
// which class's VMs can live-migrate to which class — and, with
// --plan-upgrade, an order in which to upgrade the classes. Thin: the work is
// src/matrix/.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { progressLine } from '../cli/progress.js';
import { limitFlags, limitsFrom, modeFlag, overlayFlag, policyChoice, policyFlag } from '../cli/flags.js';

export default class Matrix extends BaseCommand {
  static override summary = "The fleet's compatibility matrix: host classes, and which class's VMs of each mdev type can live-migrate to which.";
  static override description = `Reads every host once (NDJSON streamed; memory holds one host per class and the member names) and groups the hosts into classes whose every fact the policy reads is the same: host facts, parent facts, type attributes, and whether a parent can take one more instance (available_instances as 0 or ≥ 1). Then, for each class A and each mdev type T it offers, a VM with one device of type T on a host of A is decided against every class as a destination (a class of one host is not its own destination). Classes × types × classes decisions, never hosts × hosts.

--plan-upgrade FACT=VALUE (repeatable; host.NAME or NAME a host fact, parent.NAME a parent fact, type.NAME a type attribute, type[GLOB].NAME that of the types whose id the glob matches; each changes where the fact is present with another value) plans an order in which to upgrade the classes so that, at every step, every VM on a class not yet upgraded keeps a destination outside the class being upgraded (every order is searched, not only the greedy one); or says at which step that cannot hold, and why.

Formats: text (default), json (the CompatibilityMatrix document; with --plan-upgrade, its upgradePlan), csv (one row per class pair), nova-traits (a shell script setting a Placement trait per compatibility group: hosts among which a VM of that type can live-migrate in every direction, named by a fingerprint of the anchor class's facts), k8s-labels (the same groups as kubectl node labels; labels an earlier run set under the prefix are removed).

Exit codes: 0 the matrix was made (whatever its verdicts), and with --plan-upgrade the plan is feasible; 1 no plan: infeasible (no order works), or undecided (the search stopped at its limit of 100,000 states); 2 bad input (errors on stderr; the output is still written for the hosts that were read).`;

  static override examples = [
    { description: 'The matrix of an inventory, as text', command: '<%= config.bin %> matrix examples/fleet-matrix.ndjson' },
    { description: 'One row per class pair, for a spreadsheet', command: '<%= config.bin %> matrix examples/fleet-matrix.ndjson --format csv > matrix.csv' },
    { description: 'The inventory on stdin, the document as JSON', command: 'cat examples/fleet-matrix.ndjson | <%= config.bin %> matrix - --format json' },
    { description: 'Can the NVIDIA hosts be upgraded to 570.86.10 one class at a time?', command: '<%= config.bin %> matrix examples/fleet-matrix.ndjson --plan-upgrade nvidia_version=570.86.10' },
    { description: 'The HTML report, one self-contained file', command: '<%= config.bin %> matrix examples/fleet-matrix.ndjson --format html > matrix.html' },
    { description: 'Placement traits for Nova, reviewed then run', command: '<%= config.bin %> matrix examples/fleet-matrix.ndjson --format nova-traits > traits.sh' },
    { description: 'Kubernetes node labels', command: '<%= config.bin %> matrix examples/fleet-matrix.ndjson --format k8s-labels | sh' },
  ];

  static override strict = false;
  static override args = { inventory: Args.string({ required: true, description: 'Host inventories: files, directories, .ndjson files, - for NDJSON on stdin.' }) };
  static override flags = {
    policy: policyFlag,
    overlay: overlayFlag,
    mode: modeFlag,
    format: Flags.string({
      options: ['text', 'json', 'csv', 'html', 'nova-traits', 'k8s-labels'],
      default: 'text',
      description: 'Output format. json: the CompatibilityMatrix document; csv: one row per class pair; html: one self-contained page (a coloured grid per type, a click shows the failing checks and fixes); nova-traits: a shell script setting a Placement trait per compatibility group (hosts that can exchange VMs of a type both ways); k8s-labels: the same groups as kubectl node labels.',
    }),
    json: Flags.boolean({ description: 'Same as --format json.' }),
    'fail-on-skip': Flags.boolean({ description: 'Accept only what was verified: a check skipped because its attribute is absent on both hosts fails instead.' }),
    'plan-upgrade': Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      description: 'A fact change applied to every host that has the fact (repeatable): NAME=VALUE or host.NAME=VALUE (host fact), parent.NAME=VALUE, type.NAME=VALUE, type[GLOB].NAME=VALUE (the types whose id the glob matches). Plans the order of the class upgrades (text or json).',
      helpValue: 'FACT=VALUE',
    }),
    'label-prefix': Flags.string({ description: 'With --format k8s-labels: the label key prefix (a DNS subdomain).', default: 'mdev-policy.io', helpValue: 'DOMAIN' }),
    ...limitFlags,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Matrix);
    const lib = await import('../index.js');
    const m = await import('../matrix/index.js');
    const format = flags.json ? 'json' : flags.format;
    const usage = (message: string) => {
      this.writeErr(lib.renderDiagnostics([lib.diagnostic('usage', message, {}, { hint: 'see `mdev-policy matrix --help`' })]));
      process.exitCode = 2;
    };
    const changes = (flags['plan-upgrade'] ?? []).map(m.parseChange);
    const badChange = changes.find((c): c is string => typeof c === 'string');
    if (badChange !== undefined) return usage(badChange);
    if (changes.length > 0 && format !== 'json' && format !== 'text') return usage(`--plan-upgrade prints a plan as text or json, not ${format}`);
    if (!m.isDnsSubdomain(flags['label-prefix'])) return usage(`\`${flags['label-prefix']}\` is not a DNS subdomain (a label prefix such as mdev-policy.io)`);
    if ((argv as string[]).filter((a) => a === '-').length > 1) return usage('`-` (standard input) is given twice');
    const limits = limitsFrom(flags, lib.DEFAULT_LIMITS);
    const policy = await m.loadMatrixPolicy(policyChoice(flags), limits);
    if (!policy.value) {
      this.writeErr(lib.renderDiagnostics(policy.errors));
      process.exitCode = 2;
      return;
    }
    const progress = this.progress();
    const failOnSkip = flags['fail-on-skip'];
    // Schedulers count free instances themselves (Placement inventories, device plugins): their groups must not change as hosts fill up.
    const assumeRoom = format === 'nova-traits' || format === 'k8s-labels';
    const run = await m.buildMatrix({ policy: policy.value, inventories: argv as string[], limits, failOnSkip, progress: progress.tick, assumeRoom });
    progress.done();
    const { matrix } = run;
    const diagnostics = [...matrix.errors];
    let exit = matrix.errors.length > 0 ? 2 : 0;
    if (changes.length > 0) {
      const planned = await m.planUpgrade({ index: run.index, relation: matrix.relation, changes: changes as import('../matrix/upgrade.js').FactChange[], set: policy.value.set, reads: policy.value.reads, options: { failOnSkip } });
      diagnostics.push(...planned.errors);
      if (format === 'json') for (const piece of m.matrixJsonPieces(matrix, { upgradePlan: planned.plan })) this.write(piece);
      else this.write(m.renderPlanText(planned.plan, matrix.classes));
      if (exit === 0 && !planned.plan.feasible) exit = 1;
    } else if (format === 'json') for (const piece of m.matrixJsonPieces(matrix)) this.write(piece);
    else if (format === 'csv') for (const piece of m.matrixCsvPieces(matrix)) this.write(piece);
    else if (format === 'html') this.write((await import('../matrix/html.js')).renderMatrixHtml(matrix));
    else if (format === 'nova-traits') this.write(m.renderNovaTraits(matrix));
    else if (format === 'k8s-labels') this.write(m.renderK8sLabels(matrix, flags['label-prefix']));
    else this.write(m.renderMatrixText(matrix));
    this.writeErr(lib.renderDiagnostics([...diagnostics, ...run.warnings]));
    process.exitCode = exit;
  }

  /** The progress line (src/cli/progress.ts): hosts read so far. */
  private progress(): { tick: (hosts: number) => void; done: () => void } {
    const line = progressLine();
    return { tick: (hosts) => line.tick(() => `${hosts} hosts read`), done: () => line.done() };
  }
}
