// `mdev-policy validate FILE…`: schema and consistency checks for any kind.
// Thin: the checking is the library's validateFiles; this renders and sets the exit code.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { limitFlags, limitsFrom } from '../cli/flags.js';

export default class Validate extends BaseCommand {
  static override summary = 'Check Policy, Overlay, Host, TestSuite and Facts documents against their schemas and rules.';
  static override description =
    'Every error is printed as `file:line:col code: message`, with a `hint:` line where one helps. Overlays are checked against the Policy named by their `extends` among the files given, else the shipped base; two overlays that patch one check on overlapping selectors get a warning. Exit 0 when every file is valid (warnings allowed), 2 otherwise.';
  static override examples = [
    { description: 'Validate the shipped policy and the example hosts', command: '<%= config.bin %> validate policies/vfio-mdev.yaml examples/*.yaml' },
    { description: 'Validate vendor overlays against the shipped base', command: '<%= config.bin %> validate policies/vendors/*.yaml' },
  ];
  static override strict = false;
  static override args = { files: Args.string({ required: true, description: 'Files to validate (YAML or JSON; .ndjson checks every line).' }) };
  static override flags = {
    ...limitFlags,
    quiet: Flags.boolean({ char: 'q', description: 'Print nothing when everything is valid.' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Validate);
    const lib = await import('../index.js');
    const { documents, diagnostics } = await lib.validateFiles(argv as string[], limitsFrom(flags, lib.DEFAULT_LIMITS));
    const errors = diagnostics.filter(lib.isError).length;
    this.write(lib.renderDiagnostics(diagnostics));
    if (errors > 0) {
      this.write(`${errors} error${errors === 1 ? '' : 's'} in ${documents} document${documents === 1 ? '' : 's'} read\n`);
      process.exitCode = 2;
    } else if (!flags.quiet) {
      this.write(`${documents} document${documents === 1 ? '' : 's'} valid\n`);
    }
  }
}
