// `validate --format json`: what validateFiles found, as one JSON document (a
// ValidationReport) for scripts and CI. Pure: no I/O, no exit codes. The
// diagnostics are in the text output's order (sortDiagnostics) and carry the
// same fields; JSON escapes control characters itself, so values from files
// need no further care here.

import { isError, sortDiagnostics, type Diagnostic, type ErrorCode } from '../errors.js';
import { toolInfo, type Tool } from '../trace.js';

export interface ReportedDiagnostic {
  code: ErrorCode;
  severity: 'error' | 'warning';
  message: string;
  file?: string;
  line?: number;
  col?: number;
  hint?: string;
}

export interface ValidationReport {
  apiVersion: 'mdev-policy/v1';
  kind: 'ValidationReport';
  tool: Tool;
  /** Documents read; a file or NDJSON line that could not be read counts none. */
  documents: number;
  /** No errors (warnings allowed): what exit code 0 means. */
  valid: boolean;
  errors: number;
  warnings: number;
  diagnostics: ReportedDiagnostic[];
}

export function validationReport(documents: number, diagnostics: readonly Diagnostic[]): ValidationReport {
  const errors = diagnostics.filter(isError).length;
  return {
    apiVersion: 'mdev-policy/v1',
    kind: 'ValidationReport',
    tool: toolInfo(),
    documents,
    valid: errors === 0,
    errors,
    warnings: diagnostics.length - errors,
    diagnostics: sortDiagnostics(diagnostics).map(reported),
  };
}

/** One key order for every diagnostic, whatever order its fields were set in; absent fields stay absent. */
function reported(d: Diagnostic): ReportedDiagnostic {
  const r: ReportedDiagnostic = { code: d.code, severity: d.severity, message: d.message };
  if (d.file !== undefined) r.file = d.file;
  if (d.line !== undefined) r.line = d.line;
  if (d.col !== undefined) r.col = d.col;
  if (d.hint !== undefined) r.hint = d.hint;
  return r;
}

export function renderValidationJson(report: ValidationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
