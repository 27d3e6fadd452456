// `mdev-policy test PATH…`: run policy test suites and count the cases; the
// report as text (each case as it runs, then `N passed, N failed`), JSON, JUnit
// XML or TAP; `--run` selects cases by name, `--coverage` adds which checks of
// each policy and overlay the cases exercised (src/coverage.ts).
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';

export default class Test extends BaseCommand {
  static override summary = 'Run policy test suites (kind: TestSuite) and print `N passed, N failed`.';
  static override description = `Directories are searched for *.test.yaml, *.test.yml and *.test.json. Exit 0 when every case passes, 1 when one fails, 2 when a suite cannot be read or is invalid (a schema violation, a case name used twice), in every format.

--format json prints a TestReport document, junit JUnit XML for CI test reports, tap TAP version 14; errors are always printed on stderr too. --run runs only the cases whose name matches a JavaScript regular expression (case-sensitive); matching no case is an error. --coverage lists, per policy and overlay, the checks the cases exercised (in which modes, with which results) and those they never did: a table after the cases (text), a \`coverage\` object (json), on stderr (junit, tap).`;
  static override examples = [
    { description: 'Run every shipped suite', command: '<%= config.bin %> test policies/' },
    { description: 'Run one suite', command: '<%= config.bin %> test policies/vfio-mdev.test.yaml' },
    { description: 'A JUnit report for CI', command: '<%= config.bin %> test policies/ --format junit > mdev-policy-tests.xml' },
    { description: 'Only the cases about capacity', command: "<%= config.bin %> test policies/ --run 'capacity'" },
    { description: 'Fail unless every check of every policy and overlay is exercised', command: '<%= config.bin %> test policies/ --coverage-threshold 100' },
  ];
  static override strict = false;
  static override args = { paths: Args.string({ required: true, description: 'Suite files or directories holding them.' }) };
  static override flags = {
    format: Flags.string({
      options: ['text', 'json', 'junit', 'tap'],
      default: 'text',
      description: 'Output format: text (each case, then the counts), json (a TestReport document), junit (JUnit XML), tap (TAP version 14).',
    }),
    json: Flags.boolean({ description: 'Same as --format json.' }),
    run: Flags.string({ description: 'Run only the cases whose name matches this JavaScript regular expression (case-sensitive, Unicode: \\p{L} works).', helpValue: 'PATTERN' }),
    coverage: Flags.boolean({ description: 'Report which checks of each policy and overlay the cases exercised, and which they never did.' }),
    'coverage-threshold': Flags.string({
      description: 'Exit 1 when a policy or overlay has less than this percentage of its checks exercised (0 to 100; implies --coverage).',
      helpValue: 'PERCENT',
    }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Test);
    const lib = await import('../index.js');
    if (flags.json && flags.format !== 'text' && flags.format !== 'json') {
      this.writeErr(lib.renderDiagnostics([lib.diagnostic('usage', `--json is --format json, not \`${flags.format}\``, {}, { hint: 'see `mdev-policy test --help`' })]));
      process.exitCode = 2;
      return;
    }
    const format = flags.json ? 'json' : flags.format;
    const written = flags['coverage-threshold'];
    // A percentage written plainly: 80, 62.5, or 80% — not 0x50, 1e2 or +80.
    const plain = written === undefined ? undefined : /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(written);
    const threshold = plain ? Number(plain[1]) : written === undefined ? undefined : Number.NaN;
    if (threshold !== undefined && (!Number.isFinite(threshold) || threshold < 0 || threshold > 100)) {
      this.writeErr(lib.renderDiagnostics([lib.diagnostic('usage', `--coverage-threshold takes a percentage from 0 to 100, not ${lib.quote(written)}`, {}, { hint: 'see `mdev-policy test --help`' })]));
      process.exitCode = 2;
      return;
    }
    const coverage = flags.coverage || threshold !== undefined;
    let select: ((name: string) => boolean) | undefined;
    if (flags.run !== undefined) {
      let pattern: RegExp;
      try {
        pattern = new RegExp(flags.run, 'u');
      } catch (e) {
        const why = String((e as Error).message ?? e).replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
        this.writeErr(lib.renderDiagnostics([lib.diagnostic('usage', `--run ${lib.quote(flags.run)} is not a regular expression: ${why.charAt(0).toLowerCase()}${why.slice(1)}`, {}, { hint: 'see `mdev-policy test --help`' })]));
        process.exitCode = 2;
        return;
      }
      select = (name) => pattern.test(name);
    }
    const { runSuiteFile, testReport, countCases, runErrors, reportedSuites } = await import('../suite.js');
    const found = await lib.findSuites(argv as string[]);
    const run: import('../suite.js').TestRun = { suites: [], errors: [...found.errors] };
    const color = this.colorFor(process.stdout);
    const { renderCaseReport } = format === 'text' ? await import('../report.js') : { renderCaseReport: undefined };
    for (const file of found.files) {
      const report = await runSuiteFile(file, { ...(select ? { select } : {}), coverage });
      run.suites.push(report);
      // Text reports each case as its suite ends, as it always has.
      if (renderCaseReport) for (const c of report.cases) this.write(renderCaseReport(report.name ?? file, c, { color }));
    }
    if (found.files.length === 0 && found.errors.length === 0) run.errors.push(lib.diagnostic('file-unreadable', 'no test suite found (*.test.yaml)', { file: (argv as string[]).join(' ') }));
    if (select && run.suites.some((s) => s.errors.length === 0) && reportedSuites(run).every((s) => s.cases.length === 0)) {
      run.errors.push(
        lib.diagnostic('usage', `no case name matches --run ${lib.quote(flags.run)}`, {}, { hint: 'the pattern is a JavaScript regular expression, case-sensitive, matched against each case name' }),
      );
    }
    const { passed, failed } = countCases(run);
    const errors = runErrors(run);
    const covLib = coverage ? await import('../coverage.js') : undefined;
    // The policies and overlays under the directories given count too, a suite loading them or not.
    const cov = covLib?.coverageOf(run.suites, await covLib.documentsUnder(argv as string[]));
    const below = cov && threshold !== undefined ? covLib!.belowThreshold(cov, threshold) : [];

    this.writeErr(lib.renderDiagnostics(errors));
    switch (format) {
      case 'json': {
        const { toolInfo } = await import('../trace.js');
        const covJson = cov ? { ...cov, ...(threshold !== undefined ? { threshold, below: below.map((d) => `${d.name}@${d.version}`) } : {}) } : undefined;
        this.write(`${JSON.stringify(testReport(run, toolInfo(), covJson ? { coverage: covJson } : {}), null, 2)}\n`);
        break;
      }
      case 'junit':
        this.write((await import('../formats/junit.js')).renderJunit(run));
        if (cov) this.writeErr(covLib!.renderCoverageText(cov));
        break;
      case 'tap':
        this.write((await import('../formats/tap.js')).renderTap(run));
        if (cov) this.writeErr(covLib!.renderCoverageText(cov));
        break;
      default:
        if (cov) this.write(covLib!.renderCoverageText(cov));
        this.write(`${passed} passed, ${failed} failed\n`);
    }
    if (below.length > 0) this.writeErr(covLib!.renderThresholdFailures(below, threshold!));
    process.exitCode = errors.length > 0 ? 2 : failed > 0 || below.length > 0 ? 1 : 0;
  }
}
