// `mdev-policy validate FILE…`: schema and consistency checks for any kind.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { maxBytesFlag } from '../cli/flags.js';

export default class Validate extends BaseCommand {
  static override summary = 'Check Policy, Host and TestSuite documents against their schemas and rules.';
  static override description =
    'Every error is printed as `file:line:col code: message`, with a `hint:` line where one helps. Exit 0 when every file is valid, 2 otherwise.';
  static override examples = [
    { description: 'Validate the shipped policy and the example hosts', command: '<%= config.bin %> validate policies/vfio-mdev.yaml examples/*.yaml' },
  ];
  static override strict = false;
  static override args = { files: Args.string({ required: true, description: 'Files to validate (YAML or JSON; .ndjson checks every line).' }) };
  static override flags = {
    'max-bytes': maxBytesFlag,
    quiet: Flags.boolean({ char: 'q', description: 'Print nothing when everything is valid.' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Validate);
    const lib = await import('../index.js');
    const limits = { ...lib.DEFAULT_LIMITS, maxBytes: flags['max-bytes'] };
    const all: import('../errors.js').Diagnostic[] = [];
    let documents = 0;
    for (const file of argv as string[]) {
      for await (const entry of lib.loadDocuments(file, limits)) {
        if (!entry.value) {
          all.push(...entry.errors);
          continue;
        }
        documents++;
        const v = lib.validateDocument(entry.value);
        all.push(...v.errors);
        if (!v.value) continue;
        if (v.kind === 'Policy') all.push(...lib.policyFromDocument(entry.value).errors);
        if (v.kind === 'Host') all.push(...lib.hostFromDocument(entry.value).warnings);
      }
    }
    const errors = all.filter(lib.isError);
    this.write(lib.renderDiagnostics(all));
    if (errors.length > 0) {
      this.write(`${errors.length} error${errors.length === 1 ? '' : 's'} in ${documents} document${documents === 1 ? '' : 's'} read\n`);
      process.exitCode = 2;
    } else if (!flags.quiet) {
      this.write(`${documents} document${documents === 1 ? '' : 's'} valid\n`);
    }
  }
}
