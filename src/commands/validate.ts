// `mdev-policy validate FILE…`: schema and consistency checks for any kind.
// Thin: the checking is the library's validateFiles; this renders (text, the
// ValidationReport JSON, SARIF or GitHub workflow commands) and sets the exit
// code, the same in every format. The renderers are loaded for their format only.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { limitFlags, limitsFrom } from '../cli/flags.js';

export default class Validate extends BaseCommand {
  static override summary = 'Check Policy, Overlay, Host, TestSuite and Facts documents against their schemas and rules.';
  static override description =
    'Every error is printed as `file:line:col code: message`, with a `hint:` line where one helps. Overlays are checked against the Policy named by their `extends` among the files given, else the shipped base; two overlays that patch one check on overlapping selectors get a warning. For CI, --format json prints one ValidationReport document, sarif a SARIF 2.1.0 log (for code scanning), github one workflow command per problem (annotations in a GitHub Actions run); paths in sarif and github are relative to the current directory. Exit 0 when every file is valid (warnings allowed), 2 otherwise, in every format.';
  static override examples = [
    { description: 'Validate the shipped policy and the example hosts', command: '<%= config.bin %> validate policies/vfio-mdev.yaml examples/*.yaml' },
    { description: 'Validate vendor overlays against the shipped base', command: '<%= config.bin %> validate policies/vendors/*.yaml' },
    { description: 'In a GitHub Actions step: annotations on the files of a pull request', command: '<%= config.bin %> validate --format github policies/*.yaml policies/vendors/*.yaml' },
    { description: 'A SARIF log for code scanning', command: '<%= config.bin %> validate --format sarif policies/*.yaml > validate.sarif' },
  ];
  static override strict = false;
  static override args = { files: Args.string({ required: true, description: 'Files to validate (YAML or JSON; .ndjson checks every line).' }) };
  static override flags = {
    ...limitFlags,
    format: Flags.string({
      options: ['text', 'json', 'sarif', 'github'],
      default: 'text',
      description:
        'Output format. json: one ValidationReport document; sarif: a SARIF 2.1.0 log; github: GitHub Actions workflow commands (::error/::warning), then the summary line.',
    }),
    json: Flags.boolean({ description: 'Same as --format json.' }),
    quiet: Flags.boolean({ char: 'q', description: 'Print nothing when everything is valid (text and github; json and sarif always print their document).' }),
  };

  async run(): Promise<void> {
    const { argv, flags, metadata } = await this.parse(Validate);
    const lib = await import('../index.js');
    if (flags.json && !metadata.flags.format?.setFromDefault && flags.format !== 'json') {
      this.writeErr(lib.renderDiagnostics([lib.diagnostic('usage', `--json is --format json, not \`${flags.format}\``, {}, { hint: 'see `mdev-policy validate --help`' })]));
      process.exitCode = 2;
      return;
    }
    const format = flags.json ? 'json' : flags.format;
    const { documents, diagnostics } = await lib.validateFiles(argv as string[], limitsFrom(flags, lib.DEFAULT_LIMITS));
    const errors = diagnostics.filter(lib.isError).length;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const summary = errors > 0 ? `${plural(errors, 'error')} in ${plural(documents, 'document')} read` : flags.quiet ? undefined : `${plural(documents, 'document')} valid`;
    if (format === 'json') {
      const { renderValidationJson, validationReport } = await import('../formats/diagnostics-json.js');
      this.write(renderValidationJson(validationReport(documents, diagnostics)));
    } else if (format === 'sarif') {
      const { renderSarif } = await import('../formats/sarif.js');
      this.write(renderSarif(diagnostics));
    } else if (format === 'github') {
      const { renderGithub } = await import('../formats/github.js');
      this.write(renderGithub(diagnostics, summary === undefined ? {} : { summary }));
    } else {
      this.write(lib.renderDiagnostics(diagnostics));
      if (summary !== undefined) this.write(`${summary}\n`);
    }
    process.exitCode = errors > 0 ? 2 : 0;
  }
}
