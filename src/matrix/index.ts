// The compatibility matrix's modules, for the `matrix` command (one import).
export { buildMatrix, matrixJsonPieces, renderMatrixJson, type MatrixOptions, type MatrixRun } from './build.js';
export { ClassIndex, type HostClassEntry } from './classes.js';
export { matrixCsvPieces, renderMatrixCsv, csvCell } from './csv.js';
export { bodiesOf, classPair, classSource, pairBody, pairOf, decideRelation, asDestinations, VM_DEVICE, PLACEHOLDER } from './decide.js';
export {
  canonicalJson,
  classFingerprints,
  compatibilityGroups,
  hostLabels,
  hostTraits,
  typeNames,
  isDnsSubdomain,
  isLabelName,
  renderK8sLabels,
  renderNovaTraits,
  traitNames,
  DEFAULT_LABEL_PREFIX,
  FINGERPRINT_MIN,
  TRAIT_PREFIX,
  type CompatibilityGroup,
  type CompatibilityGroups,
} from './labels.js';
export { readFleet } from './read.js';
export { loadMatrixPolicy, matrixPolicyOf, possibleChecks, readsAttribute, readsOf, type MatrixPolicy, type PolicyReads } from './reads.js';
export { renderMatrixText, renderPlanText } from './text.js';
export { applyChanges, parseChange, planUpgrade, type FactChange, type UpgradePlan } from './upgrade.js';
export type * from './types.js';
