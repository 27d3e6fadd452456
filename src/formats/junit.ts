// `mdev-policy test --format junit`: a run as JUnit XML, the report CI
// systems read (GitHub and GitLab test reports, Jenkins). Built with
// junit-report-builder, which escapes every value: suite and case names,
// file names and messages come from suites and reach the XML only as
// attribute values, never as CDATA (its CDATA escaping handles one `]]>`
// only). Control and format characters in them are first made visible
// escapes (src/terminal.ts), as in the text report: XML 1.0 cannot hold most
// of them (the builder would drop them silently, making two names one), and
// a CI page shows each name on one line. Deterministic: no timestamps, no durations, so the output of a run
// is the same bytes every time.
//
// One <testsuite> per suite file (its name, the file as a property), one
// <testcase> per case run (classname the suite's name, file the suite file),
// <failure message="…"> naming what differed (caseFailureMessage), <error>
// for a case that could not be evaluated; a suite that could not be read or
// loaded is a <testsuite> holding one <testcase> with an <error> carrying
// its diagnostics, as are errors outside any suite (grouped by file).

import { createRequire } from 'node:module';
import type { Builder, TestCase } from 'junit-report-builder';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../errors.js';
import { caseFailureMessage, reportedSuites, type TestRun } from '../suite.js';
import { escapeForTerminal } from '../terminal.js';

/**
 * A name as XML 1.0 can hold it, each character visible: control and format
 * characters as the text report shows them, and what XML cannot carry at all
 * (lone surrogates, U+FFFE, U+FFFF) as `\uXXXX` — never dropped, so two
 * names never become one.
 */
const visible = (s: string): string =>
  escapeForTerminal(s).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

// Loaded when a JUnit report is asked for, from node_modules (not bundled: the CLI's start-up stays small). Its CommonJS
// module.exports is the builder itself (the package's types declare an ES default export).
let loaded: Builder | undefined;
const junitBuilder = (): Builder => {
  if (!loaded) {
    const junit = createRequire(import.meta.url)('junit-report-builder') as Builder & { default?: Builder };
    loaded = junit.default ?? junit;
  }
  return loaded;
};

/** The name of the test case standing for a suite (or a path) that could not be run. */
export const UNREADABLE_CASE = 'suite could not be run';

export function renderJunit(run: TestRun): string {
  const report = junitBuilder().newBuilder().name('mdev-policy test');
  for (const s of reportedSuites(run)) {
    const name = visible(s.name ?? s.file);
    const file = visible(s.file);
    const suite = report.testSuite().name(name).property('file', file);
    if (s.errors.length > 0) {
      errorCase(suite.testCase(), name, file, s.errors);
      continue;
    }
    for (const c of s.cases) {
      const tc = suite.testCase().className(name).name(visible(c.name)).file(file);
      if (c.errors.length > 0) tc.error(visible(caseFailureMessage(c)), c.errors[0]!.code);
      else if (!c.passed) tc.failure(visible(caseFailureMessage(c)), c.problems.map((p) => p.kind).join(','));
    }
  }
  const byFile = new Map<string, Diagnostic[]>();
  for (const e of run.errors) byFile.set(e.file ?? '', [...(byFile.get(e.file ?? '') ?? []), e]);
  for (const [written, errors] of byFile) {
    const file = visible(written);
    const name = file || 'mdev-policy test';
    const suite = report.testSuite().name(name);
    if (file) suite.property('file', file);
    errorCase(suite.testCase(), name, file, errors);
  }
  return `${report.build()}\n`;
}

function errorCase(tc: TestCase, className: string, file: string, errors: readonly Diagnostic[]): void {
  const sorted = sortDiagnostics(errors);
  tc.className(className).name(UNREADABLE_CASE);
  if (file) tc.file(file);
  tc.error(sorted.map(formatDiagnostic).join('\n'), sorted[0]!.code);
}
