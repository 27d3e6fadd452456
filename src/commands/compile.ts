// `mdev-policy compile`: the json-rules-engine rule documents of a policy, mode
// and source type, and the overlays left out for want of --device-api.
import { BaseCommand } from '../cli/base.js';
import { effectivePolicyFlags, limitFlags, limitsFrom, policyChoice } from '../cli/flags.js';

export default class Compile extends BaseCommand {
  static override summary = 'Print the json-rules-engine rules (JSON) that a policy compiles to for a mode.';
  static override description =
    'One rule per check; its event names the check. These documents are exactly what `eval` runs for a source device of that type: overlays apply by their selectors, so give --type (and --device-api) to see a vendor\'s rules; without --type only the overlays without a selector apply. Without --device-api, overlays whose selector names a device_api are left out: each is listed in `overlaysLeftOut` and in a note on stderr, with the --device-api that would include it.';
  static override examples = [
    { description: 'Rules of the shipped policy in its default mode', command: '<%= config.bin %> compile' },
    { description: 'Rules of a policy file in superset mode', command: '<%= config.bin %> compile --policy policies/vfio-mdev.yaml --mode superset' },
    { description: 'Rules for an NVIDIA vGPU source type, with the shipped overlays', command: '<%= config.bin %> compile --type nvidia-11 --device-api vfio-pci' },
  ];
  static override flags = {
    ...effectivePolicyFlags,
    ...limitFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Compile);
    const lib = await import('../index.js');
    const set = await lib.loadPolicySet(policyChoice(flags), limitsFrom(flags, lib.DEFAULT_LIMITS));
    if (!set.value) {
      this.writeErr(lib.renderDiagnostics(set.errors));
      process.exitCode = 2;
      return;
    }
    const type = lib.typeForSelection(flags.type, flags['device-api']);
    const { overlaysLeftOut, renderOverlaysLeftOut } = await import('../report.js');
    const leftOut = overlaysLeftOut(set.value, type);
    this.write(`${JSON.stringify({ ...lib.compilePolicy(set.value.forType(type)), overlaysLeftOut: leftOut }, null, 2)}\n`);
    this.writeErr(renderOverlaysLeftOut(leftOut));
  }
}
