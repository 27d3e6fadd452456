// `mdev-policy test PATH…`: run policy test suites and count the cases.
import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';

export default class Test extends BaseCommand {
  static override summary = 'Run policy test suites (kind: TestSuite) and print `N passed, N failed`.';
  static override description = 'Directories are searched for *.test.yaml, *.test.yml and *.test.json. Exit 0 when every case passes, 1 when one fails, 2 when a suite cannot be read or is invalid (a schema violation, a case name used twice).';
  static override examples = [
    { description: 'Run every shipped suite', command: '<%= config.bin %> test policies/' },
    { description: 'Run one suite', command: '<%= config.bin %> test policies/vfio-mdev.test.yaml' },
  ];
  static override strict = false;
  static override args = { paths: Args.string({ required: true, description: 'Suite files or directories holding them.' }) };

  async run(): Promise<void> {
    const { argv } = await this.parse(Test);
    const lib = await import('../index.js');
    const { renderCaseReport } = await import('../report.js');
    const found = await lib.findSuites(argv as string[]);
    const errors = [...found.errors];
    let passed = 0;
    let failed = 0;
    const color = this.colorFor(process.stdout);
    for (const file of found.files) {
      const report = await lib.runSuiteFile(file);
      errors.push(...report.errors);
      for (const c of report.cases) {
        if (c.passed) passed++;
        else failed++;
        this.write(renderCaseReport(report.name ?? file, c, { color }));
      }
    }
    if (found.files.length === 0 && errors.length === 0) errors.push(lib.diagnostic('file-unreadable', 'no test suite found (*.test.yaml)', { file: (argv as string[]).join(' ') }));
    this.writeErr(lib.renderDiagnostics(errors));
    this.write(`${passed} passed, ${failed} failed\n`);
    process.exitCode = errors.length > 0 ? 2 : failed > 0 ? 1 : 0;
  }
}
