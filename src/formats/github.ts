// `validate --format github`: diagnostics as GitHub Actions workflow commands
// (`::error file=…,line=…,col=…,title=…::message`), which the runner turns into
// annotations on the files of a pull request. Pure string building, no I/O.
//
// The runner reads its log line by line and takes any line starting with `::`
// as a command. File names, keys and values in messages come from the files
// validated, so each command is escaped as the actions toolkit escapes
// (@actions/core, command.ts): `%`, CR and LF in the message; in a property
// value also `:` and `,`, which would end the value. No input can therefore
// break a command's line and start one of its own. What else a terminal or
// the log viewer would act on (ESC sequences, bidi overrides) is written as a
// visible escape, as in the text output.

import path from 'node:path';
import { sortDiagnostics, type Diagnostic } from '../errors.js';
import { escapeForTerminal } from '../terminal.js';

export interface GithubOptions {
  /** Files are given relative to this directory (the repository root in a workflow); default: process.cwd(). */
  cwd?: string;
  /** A last plain line after the commands (the text output's summary); none when absent. */
  summary?: string;
}

/** One workflow command per diagnostic, sorted as the text output, then the summary line. */
export function renderGithub(diagnostics: readonly Diagnostic[], options: GithubOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const lines = sortDiagnostics(diagnostics).map((d) => workflowCommand(d, cwd));
  if (options.summary !== undefined) lines.push(escapeForTerminal(options.summary));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function workflowCommand(d: Diagnostic, cwd: string): string {
  const properties: [string, string | number | undefined][] = [
    ['file', d.file === undefined ? undefined : relativeFile(d.file, cwd)],
    ['line', d.line],
    ['col', d.line === undefined ? undefined : d.col],
    ['title', d.code],
  ];
  const shown = properties.filter((p): p is [string, string | number] => p[1] !== undefined).map(([k, v]) => `${k}=${escapeProperty(String(v))}`);
  const message = d.hint === undefined ? d.message : `${d.message} (hint: ${d.hint})`;
  return `::${d.severity === 'warning' ? 'warning' : 'error'} ${shown.join(',')}::${escapeData(message)}`;
}

/** The path from cwd, with forward slashes (what the runner resolves against the repository root). */
function relativeFile(file: string, cwd: string): string {
  return path.relative(cwd, path.resolve(cwd, file)).split(path.sep).join('/');
}

/** Every character a terminal would act on made visible, except CR and LF, which the toolkit's escaping keeps as %0D and %0A. */
function visible(s: string): string {
  return s.replace(/[^\r\n]+/g, escapeForTerminal);
}

/** A command's message, escaped as @actions/core's escapeData. */
export function escapeData(s: string): string {
  return visible(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command's property value, escaped as @actions/core's escapeProperty. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
