// The library surface of mdev-policy: the pipeline stages as functions, and
// their types. No oclif here; the CLI is one consumer among others.
//
//   load → validate → resolve → compile → evaluate → report

export * from './errors.js';
export * from './types.js';
export { parseText, parseJsonLine, loadFile, loadDocuments, DEFAULT_LIMITS, type LoadLimits, type SourceDocument } from './load.js';
export { validateDocument, schemaErrors, KINDS, type Kind } from './validate.js';
export { normalizeHost, normalizeWrittenHost, splitList } from './normalize.js';
export { checkPolicy, checkPolicySet, resolvePolicy, resolvePolicySet, typeForSelection, type OverlaySource, type PolicySet, type PolicySource } from './resolve.js';
export { compilePolicy, compileCheck, resolvePath, type CompiledPolicy, type RuleDocument } from './compile.js';
export { VERDICTS, TESTS, BUILTIN_OPERATORS, operatorTable } from './operators.js';
export { asPolicySet, buildEngine, runBulk, runCandidate, explainRun, evaluate, evaluateDestination, selectSourceDevices, placeDevices, exitCodeOf, type DestinationInput, type EvaluateOptions } from './evaluate.js';
export { describePolicy, renderPolicyText, renderText, renderJson, renderNdjson, renderNdjsonDestination, renderNdjsonSummary, renderDiagnostics, type PolicyDescription } from './report.js';
export { DEFAULT_OVERLAY_DIR, DEFAULT_POLICY_FILE, defaultOverlayFiles, loadOverlay, loadPolicySet, loadPolicySource, loadEffectivePolicy, loadHost, loadHostFile, loadDestinations, hostFromDocument, overlayFromDocument, policyFromDocument, type PolicyChoice } from './inputs.js';
export { validateFiles, type FilesChecked } from './check-files.js';
export { runSuiteFile, findSuites, type SuiteReport, type CaseReport } from './suite.js';
