// `validate --format sarif`: diagnostics as a SARIF 2.1.0 log (one run), for
// code-scanning services (GitHub code scanning, Azure DevOps) and IDE viewers.
// Built with node-sarif-builder; pure apart from reading the working
// directory to make paths relative. The same input gives the same bytes: no
// timestamps, no absolute paths, rules and results in a fixed order.

import path from 'node:path';
import { createRequire } from 'node:module';
import type * as SarifBuilders from 'node-sarif-builder';
import type { Log } from 'sarif';
import { sortDiagnostics, type Diagnostic, type ErrorCode } from '../errors.js';
import { toolInfo } from '../trace.js';

/** What each code means, one short sentence: a SARIF rule's shortDescription. */
export const RULE_DESCRIPTIONS: Readonly<Record<ErrorCode, string>> = {
  'file-unreadable': 'A file could not be read.',
  'yaml-syntax': 'A document is not well-formed YAML or JSON.',
  'duplicate-key': 'A key appears twice in one map, or a device twice on one host.',
  'unsupported-api-version': 'A document has an apiVersion other than mdev-policy/v1.',
  'unknown-kind': 'A document has a kind mdev-policy does not know.',
  'schema-violation': 'A document does not match the JSON Schema of its kind.',
  'duplicate-check': 'A policy uses one check id twice.',
  'duplicate-case': 'A test suite names two cases alike.',
  'unknown-check': 'An overlay patches or disables a check its base policy does not have.',
  'locked-check': 'An overlay patches or disables a locked check of its base policy.',
  'extends-mismatch': 'An overlay extends another policy, or a base version outside its range.',
  'overlay-conflict': 'Two overlays patch one check on selectors that may overlap.',
  'duplicate-overlay': 'One overlay is given twice.',
  'unknown-mode': 'A mode is named that the policy does not define.',
  'unknown-device': 'A device is named that the host does not have.',
  'unknown-type': 'A device has a type its parent does not list.',
  'input-too-large': 'An input exceeds a size or nesting limit.',
  'model-mismatch': "A domain's mdev hostdev model is not its type's device_api.",
  'missing-metadata': "A domain carries no source facts, or stale ones.",
  timeout: 'A decision took longer than its time limit.',
  usage: 'A command was given flags or arguments that do not fit together.',
  internal: 'A bug in mdev-policy.',
};

/** The SARIF `$schema` of the log: the schema for 2.1.0 as editors and GitHub know it. */
const SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

export interface SarifOptions {
  /** Artifact URIs are relative to this directory (the repository root in CI); default: process.cwd(). */
  cwd?: string;
}

/** The SARIF log of one validation: a rule per code that occurs, a result per diagnostic (sorted as the text output). */
export function sarifLog(diagnostics: readonly Diagnostic[], options: SarifOptions = {}): Log {
  const cwd = options.cwd ?? process.cwd();
  const tool = toolInfo();
  // Loaded when a SARIF log is asked for, from node_modules (not bundled: the CLI's start-up stays small).
  const { SarifBuilder, SarifResultBuilder, SarifRuleBuilder, SarifRunBuilder } = createRequire(import.meta.url)('node-sarif-builder') as typeof SarifBuilders;
  const run = new SarifRunBuilder({ columnKind: 'utf16CodeUnits' }).initSimple({ toolDriverName: tool.name, toolDriverVersion: tool.version });
  for (const code of [...new Set(diagnostics.map((d) => d.code))].sort()) {
    run.addRule(new SarifRuleBuilder().initSimple({ ruleId: code, shortDescriptionText: RULE_DESCRIPTIONS[code] }));
  }
  for (const d of sortDiagnostics(diagnostics)) {
    const result = new SarifResultBuilder().initSimple({
      level: d.severity,
      ruleId: d.code,
      messageText: d.hint === undefined ? d.message : `${d.message} — hint: ${d.hint}`,
      ...(d.file === undefined ? {} : { fileUri: artifactUri(d.file, cwd) }),
    });
    // Set here rather than by initSimple, which would add an end column of 1 before the start column.
    if (d.file !== undefined && d.line !== undefined) result.setLocationRegion(d.col === undefined ? { startLine: d.line } : { startLine: d.line, startColumn: d.col });
    run.addResult(result);
  }
  const log = new SarifBuilder({ $schema: SCHEMA_URI });
  log.addRun(run);
  return log.buildSarifOutput();
}

export function renderSarif(diagnostics: readonly Diagnostic[], options: SarifOptions = {}): string {
  return `${JSON.stringify(sarifLog(diagnostics, options), null, 2)}\n`;
}

/**
 * A file as a relative URI reference from cwd: forward slashes, and every
 * character a URI path may not hold percent-encoded (UTF-8), `:` too (in a
 * first segment it would read as a scheme): `my hosts/a:b.yaml` →
 * `my%20hosts/a%3Ab.yaml`.
 */
export function artifactUri(file: string, cwd: string): string {
  const relative = path.relative(cwd, path.resolve(cwd, file));
  return relative.split(path.sep).map(encodeSegment).join('/');
}

/**
 * RFC 3986 pchar without `:` and `+`: unreserved, sub-delims and `@` stay, the
 * rest is percent-encoded (`+` too, which form decoders would read as a space).
 */
function encodeSegment(segment: string): string {
  // A lone surrogate has no UTF-8 form: written as U+FFFD, as a file system would show it.
  const wellFormed = segment.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return encodeURIComponent(wellFormed).replace(/%(2[46C]|3[BD]|40)/g, (escaped) => decodeURIComponent(escaped));
}
