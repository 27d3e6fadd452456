// `mdev-policy compile`: the json-rules-engine rule documents of a policy and mode.
import { BaseCommand } from '../cli/base.js';
import { maxBytesFlag, modeFlag, policyFlag } from '../cli/flags.js';

export default class Compile extends BaseCommand {
  static override summary = 'Print the json-rules-engine rules (JSON) that a policy compiles to for a mode.';
  static override description = 'One rule per check; its event names the check. These documents are exactly what `eval` runs.';
  static override examples = [
    { description: 'Rules of the shipped policy in its default mode', command: '<%= config.bin %> compile' },
    { description: 'Rules of a policy file in superset mode', command: '<%= config.bin %> compile --policy policies/vfio-mdev.yaml --mode superset' },
  ];
  static override flags = { policy: policyFlag, mode: modeFlag, 'max-bytes': maxBytesFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Compile);
    const lib = await import('../index.js');
    const policy = await lib.loadEffectivePolicy(flags.policy, flags.mode, { ...lib.DEFAULT_LIMITS, maxBytes: flags['max-bytes'] });
    if (!policy.value) {
      this.writeErr(lib.renderDiagnostics(policy.errors));
      process.exitCode = 2;
      return;
    }
    this.write(`${JSON.stringify(lib.compilePolicy(policy.value), null, 2)}\n`);
  }
}
