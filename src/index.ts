// The library surface of mdev-policy: the pipeline stages as functions, and
// their types. No oclif here; the CLI is one consumer among others.
//
//   load → validate → resolve → compile → evaluate → report

export * from './errors.js';
export * from './types.js';
export { parseText, parseJsonLine, loadFile, loadDocuments, DEFAULT_LIMITS, type LoadLimits, type SourceDocument } from './load.js';
export { validateDocument, schemaErrors, KINDS, type Kind } from './validate.js';
export { normalizeHost, splitList } from './normalize.js';
export { checkPolicy, checkPolicySet, resolvePolicy, resolvePolicySet, typeForSelection, type OverlaySource, type PolicySet, type PolicySource } from './resolve.js';
export { compilePolicy, compileCheck, type CompiledPolicy, type RuleDocument } from './compile.js';
export { resolvePath } from './facts.js';
export { VERDICTS, TESTS, BUILTIN_OPERATORS, WHEN_OPERATORS, MATCH_MODULES, operatorTable, type Match, type Operator } from './matches/index.js';
export { buildEngine } from './evaluate/engine.js';
export { asPolicySet, selectSourceDevices } from './evaluate/sources.js';
export { runBulk } from './evaluate/bulk.js';
export { specialise, runSpecialised, FAIL, PASS, SKIPPED, type SpecialisedRules } from './evaluate/specialise.js';
export { explainRun } from './evaluate/explain.js';
export { placeDevices, MAX_PLACEMENT_MATCHINGS, MAX_PLACEMENT_STEPS, type PlacementDevice, type PlacementOption, type PlacementResult } from './evaluate/placement.js';
export { runCandidate, evaluate, evaluateDestination, exitCodeOf, sameHost, type DestinationInput, type EngineName, type EvaluateOptions } from './evaluate/decision.js';
export { describePolicy, renderPolicyText, renderRefusal, renderText, renderJson, renderNdjson, renderNdjsonDestination, renderNdjsonSummary, renderDiagnostics, type PolicyDescription } from './report.js';
export { DEFAULT_OVERLAY_DIR, DEFAULT_POLICY_FILE, defaultOverlayFiles, loadDomain, loadOverlay, loadPolicySet, loadPolicySource, loadEffectivePolicy, loadHost, loadDestinations, hostFromDocument, overlayFromDocument, policyFromDocument, type PolicyChoice } from './inputs.js';
export { streamDecision, defaultJobs, MAX_WORKERS, type StreamOptions } from './stream.js';
export { FleetDecider, type FleetOptions, type FleetTally } from './evaluate/fleet.js';
export { validateFiles, type FilesChecked } from './check-files.js';
export { runSuiteFile, findSuites, type SuiteReport, type CaseReport } from './suite.js';
export { parseDomain, MDEV_MODELS, type Domain, type DomainMdev } from './libvirt/domain.js';
export { METADATA_NAMESPACE, hostSubset, readSourceFacts, sourceFromMetadata } from './libvirt/metadata.js';
export { annotateDomain, rewriteDomain, sourceFactsElement, vmDevices, vmOf, vmTypes } from './libvirt/vm.js';
export { libvirtQemuHook, type HookOptions, type HookOutcome } from './libvirt/hook.js';
export { claimPlan, derivedUuid, releasePrepared, renderPlanScript, shellQuote, unplannable, type ClaimPlan, type PlannedDevice, type PlanContext } from './plan.js';
export { TargetPicker, type Target } from './evaluate/target.js';
