// `mdev-policy test --format tap`: a run as TAP version 14 (testanything.org
// tap-version-14-specification): the version line, the plan `1..N`, then one
// test point per case run, `ok N - <suite> › <case>` or `not ok N - …`; a
// failing point is followed by a YAML diagnostic block (indented two spaces,
// between `  ---` and `  ...`) holding the message, the expectation and what
// the decision gave. A suite that could not be read or loaded is a `not ok`
// point named by its file, as are errors outside any suite (one per file).
// The last line is a comment with the counts.
//
// One test point is one line whatever the names hold: in a description `\`
// is written `\\` and `#` is `\#` (TAP's escapes), then every control,
// format or line-separator character is a visible escape (src/terminal.ts);
// the YAML block is the `yaml` package's output of data escaped the same way,
// so it is valid YAML that no terminal can be tricked by.

import { stringify } from 'yaml';
import { sortDiagnostics, type Diagnostic } from '../errors.js';
import { caseFailureMessage, countCases, reportedSuites, type CaseReport, type TestRun } from '../suite.js';
import { escapeForTerminal, forTerminal } from '../terminal.js';

/** A test point description: TAP's escapes, then nothing that could end the line or hide text. */
export function tapDescription(s: string): string {
  return escapeForTerminal(s.replace(/\\/g, '\\\\').replace(/#/g, '\\#'));
}

/** A YAML diagnostic block for a test point, indented two spaces. */
function yamlBlock(data: Record<string, unknown>): string[] {
  const text = stringify(forTerminal(data), { lineWidth: 0, minContentWidth: 0 }).replace(/\n$/, '');
  return ['  ---', ...text.split('\n').map((l) => `  ${l}`), '  ...'];
}

function caseBlock(file: string, c: CaseReport): Record<string, unknown> {
  return {
    message: caseFailureMessage(c),
    severity: c.errors.length > 0 ? 'error' : 'fail',
    file,
    ...(c.mode !== undefined ? { mode: c.mode } : {}),
    expected: c.expected,
    ...(c.actual ? { actual: c.actual } : {}),
    ...(c.errors.length > 0 ? { errors: sortDiagnostics(c.errors) } : {}),
  };
}

function errorBlock(file: string, errors: readonly Diagnostic[]): Record<string, unknown> {
  const sorted = sortDiagnostics(errors);
  const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more)` : '';
  return { message: `${sorted[0]!.code}: ${sorted[0]!.message}${more}`, severity: 'error', ...(file ? { file } : {}), errors: sorted };
}

export function renderTap(run: TestRun): string {
  const points: string[][] = [];
  const point = (ok: boolean, description: string, block?: Record<string, unknown>) =>
    points.push([`${ok ? 'ok' : 'not ok'} ${points.length + 1} - ${tapDescription(description)}`, ...(block ? yamlBlock(block) : [])]);
  for (const s of reportedSuites(run)) {
    if (s.errors.length > 0) {
      point(false, s.file, errorBlock(s.file, s.errors));
      continue;
    }
    for (const c of s.cases) point(c.passed, `${s.name ?? s.file} › ${c.name}`, c.passed ? undefined : caseBlock(s.file, c));
  }
  const byFile = new Map<string, Diagnostic[]>();
  for (const e of run.errors) byFile.set(e.file ?? '', [...(byFile.get(e.file ?? '') ?? []), e]);
  for (const [file, errors] of byFile) point(false, file || 'mdev-policy test', errorBlock(file, errors));
  const { passed, failed } = countCases(run);
  return `${['TAP version 14', `1..${points.length}`, ...points.flat(), `# ${passed} passed, ${failed} failed`].join('\n')}\n`;
}
