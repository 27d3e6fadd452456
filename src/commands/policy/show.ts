// `mdev-policy policy show`: the effective policy for a mode and a source type,
// with provenance and the overlays left out for want of --device-api.
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base.js';
import { effectivePolicyFlags, limitFlags, limitsFrom, policyChoice } from '../../cli/flags.js';

export default class PolicyShow extends BaseCommand {
  static override summary = 'Print the effective policy for a mode and a source type: every check with its match and origin.';
  static override description =
    'Like `eslint --print-config`: what the base policy and the overlays that apply to that source type make of each check, which document defined it last (origin) and which overlays touched it. Without --type, only overlays without a selector apply. Without --device-api, overlays whose selector names a device_api are left out: each is listed (a note on stderr, or `overlaysLeftOut` in JSON) with the --device-api that would include it.';
  static override examples = [
    { description: 'The shipped policy for an Intel GVT-g type', command: '<%= config.bin %> policy show --type i915-GVTg_V5_4 --device-api vfio-pci' },
    { description: 'An overlay under development, in superset mode, as JSON', command: '<%= config.bin %> policy show --overlay my-overlay.yaml --type nvidia-11 --device-api vfio-pci --mode superset --format json' },
  ];
  static override flags = {
    ...effectivePolicyFlags,
    format: Flags.string({ options: ['text', 'json'], default: 'text', description: 'Output format.' }),
    json: Flags.boolean({ description: 'Same as --format json.' }),
    ...limitFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PolicyShow);
    const lib = await import('../../index.js');
    const set = await lib.loadPolicySet(policyChoice(flags), limitsFrom(flags, lib.DEFAULT_LIMITS));
    // Errors and warnings in one sorted list (file, line, col), as every command prints them.
    this.writeErr(lib.renderDiagnostics([...set.errors, ...set.warnings]));
    if (!set.value) {
      process.exitCode = 2;
      return;
    }
    const type = lib.typeForSelection(flags.type, flags['device-api']);
    const description = lib.describePolicy(set.value, set.value.forType(type), type);
    if (flags.json || flags.format === 'json') {
      this.write(`${JSON.stringify(description, null, 2)}\n`);
      return;
    }
    this.write(lib.renderPolicyText(description, { color: this.colorFor(process.stdout) }));
    const { renderOverlaysLeftOut } = await import('../../report.js');
    this.writeErr(renderOverlaysLeftOut(description.overlaysLeftOut));
  }
}
