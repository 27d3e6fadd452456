import type { Diagnostic } from './errors.js';

// The shapes that flow between stages. "Written" types are documents as a user
// writes them (after schema validation); the others are what later stages
// produce. Keeping them apart keeps each stage honest about what it may assume.

export const API_VERSION = 'mdev-policy/v1';

/** The match vocabulary (DESIGN §2.1); each name has its module in src/matches/. */
export const MATCHES = ['equal', 'version-compatible', 'version-at-least', 'version-equal', 'one-to-one', 'superset', 'equal-or-listed', 'capacity', 'sync', 'ignore'] as const;
export type MatchName = (typeof MATCHES)[number];

/**
 * How the types of one parent share its instances (DESIGN §4), least
 * restrictive first:
 * - `per-type`: each type is its own pool, bounded by its own `available_instances`;
 * - `shared` (the default): the types of a parent draw on one pool, which each
 *   type's `available_instances` already reflects, so the devices placed on a
 *   parent number no more than the `available_instances` of every type placed
 *   there (mdpy, mbochs, mtty, GVT-g);
 * - `one`: a shared pool that takes one type at a time (time-sliced NVIDIA vGPU).
 */
export const PARENT_CAPACITIES = ['per-type', 'shared', 'one'] as const;
export type ParentCapacity = (typeof PARENT_CAPACITIES)[number];

// --- conditions (the restricted `when` grammar, and compiled rules) ---------

export type FactName = 'source' | 'destination';
export type Scalar = string | number | boolean;

/** A fact read by path: `source` or `destination` (DESIGN §4), optionally narrowed by a plain `$.a.b[0]` path. */
export interface PathRef {
  fact: FactName;
  path?: string;
}

/** Attributes of one side's type selected by name or by prefix (the compiler's own fact; never written by users). */
export interface FamilyParams {
  side: FactName;
  /** Whose attributes: the type's (default), the parent's or the host's (DESIGN §10). */
  scope?: CheckScope;
  prefix?: string;
  except?: string[];
  names?: string[];
}

export interface FamilyRef {
  fact: 'family';
  params: FamilyParams;
}

export type FactRef = PathRef | FamilyRef;

export type LeafCondition = FactRef & {
  operator: string;
  value: Scalar | Scalar[] | FactRef | null;
};

export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | LeafCondition;

// --- Policy as written ------------------------------------------------------

export interface AttributeFamily {
  prefix: string;
  except?: string[];
}

/** Whose attributes a check names: the mdev type's (default), its parent device's, or the host's (DESIGN §10). */
export type CheckScope = 'type' | 'parent' | 'host';

export interface WrittenCheck {
  id: string;
  scope?: CheckScope;
  /** The value a `version-at-least` check compares both hosts' values with (a platform minimum). */
  value?: string;
  description?: string;
  note?: string;
  attribute?: string;
  attributes?: string[] | AttributeFamily;
  match?: MatchName | Record<string, MatchName>;
  when?: Condition;
  onMissing?: 'fail' | 'skip';
  locked?: boolean;
  severity?: 'error' | 'warning';
}

export interface WrittenPolicy {
  apiVersion: typeof API_VERSION;
  kind: 'Policy';
  metadata: { name: string; version: string; description?: string };
  spec: {
    defaultMode: string;
    modes: Record<string, { description?: string; experimental?: boolean }>;
    /** How a parent's types share its instances; absent: `shared`. */
    parentCapacity?: ParentCapacity;
    checks: WrittenCheck[];
  };
}

export type CheckPatch = Partial<WrittenCheck> & { id: string };

export interface WrittenOverlay {
  apiVersion: typeof API_VERSION;
  kind: 'Overlay';
  metadata: { name: string; version: string; vendor?: string; description?: string };
  spec: {
    extends: { policy: string; version: string };
    selector?: { types?: string[]; deviceApi?: string[] };
    /** For the source types the selector matches: how a parent's types share its instances (replaces the base's). */
    parentCapacity?: ParentCapacity;
    checks?: CheckPatch[];
    disable?: string[];
  };
}

// --- Effective policy (after resolve) --------------------------------------

export type ValueTarget = { kind: 'attribute'; name: string } | { kind: 'list'; names: string[] } | { kind: 'family'; prefix: string; except: string[] };
export type TargetKind = ValueTarget['kind'];

interface CheckFields {
  id: string;
  description?: string;
  note?: string;
  onMissing: 'fail' | 'skip';
  locked: boolean;
  severity: 'error' | 'warning';
  /** `name@version` of the last document that defined or patched the check. */
  origin: string;
  /** `name@version` of every overlay that added or patched the check, in order. */
  overlays: string[];
}

/** A check of `attribute` / `attributes`: one attribute, a named list, or a family selected by prefix, with the match for the chosen mode. */
export interface ValueCheck extends CheckFields {
  target: ValueTarget;
  match: MatchName;
  scope: CheckScope;
  /** The check's own value (a `version-at-least` minimum). */
  value?: string;
}

/** A check of a `when` condition: no match, the condition decides. */
export interface WhenCheck extends CheckFields {
  target: { kind: 'when'; condition: Condition };
  match?: undefined;
}

export type EffectiveCheck = ValueCheck | WhenCheck;

export function isWhenCheck(check: EffectiveCheck): check is WhenCheck {
  return check.target.kind === 'when';
}

export interface PolicyRef {
  name: string;
  version: string;
}

export interface EffectivePolicy {
  policy: PolicyRef;
  /** The overlays that applied, in order. */
  overlays: PolicyRef[];
  mode: string;
  modes: string[];
  checks: EffectiveCheck[];
  /** Checks removed by an overlay's `disable`, with who removed them. */
  disabled: { id: string; by: string }[];
  /** How a destination parent's types share its instances when placing devices of this policy (DESIGN §4). */
  parentCapacity: ParentCapacity;
  /** `name@version` of the document that set `parentCapacity` (the base, also when it relies on the default). */
  parentCapacityOrigin: string;
}

// --- Host as written and normalised ----------------------------------------

export type AttributeValue = string | string[] | number;

export interface WrittenHost {
  apiVersion: typeof API_VERSION;
  kind: 'Host';
  metadata: { name: string; collectedAt?: string; description?: string };
  spec: {
    /** Host facts (DESIGN §10). */
    host?: Record<string, string | number>;
    parents: Record<
      string,
      {
        /** Parent facts (DESIGN §10). */
        attributes?: Record<string, string | number>;
        types?: Record<string, Record<string, string | number | string[]>>;
        devices?: Record<string, { type: string; attributes?: Record<string, string | string[]> }>;
      }
    >;
  };
}

/** Facts merged into a Host by `--facts` (DESIGN §10): host facts, and parent facts by parent id. */
export interface WrittenFacts {
  apiVersion: typeof API_VERSION;
  kind: 'Facts';
  metadata: { name: string; collectedAt?: string; description?: string };
  spec: {
    host?: Record<string, string>;
    parents?: Record<string, Record<string, string>>;
  };
}

export interface MdevType {
  id: string;
  attributes: Record<string, AttributeValue>;
}

export interface MdevDevice {
  uuid: string;
  parent: string;
  type: string;
  attributes: Record<string, string | string[]>;
}

export interface HostParent {
  id: string;
  types: MdevType[];
  /** Parent facts (PCI identity, driver, vendor facts: DESIGN §10); empty when none are known. */
  attributes: Record<string, string>;
}

export interface Host {
  name: string;
  file?: string;
  /** Host facts (kernel, OS, libvirt / QEMU, driver versions: DESIGN §10); empty when none are known. */
  facts: Record<string, string>;
  parents: HostParent[];
  devices: MdevDevice[];
  /**
   * The VM's own devices this destination already holds (by uuid), released
   * for the VM before it is decided (src/plan.ts): each such source device may
   * go only where its own device runs, with the values it runs with.
   */
  reserved?: ReadonlyMap<string, MdevDevice>;
}

// --- Facts handed to the rules (DESIGN §4) ---------------------------------

export interface SourceFact {
  host: string;
  parent: string;
  type: MdevType;
  device: { uuid: string; attributes: Record<string, string | string[]> };
  /** The source device's parent facts and host facts. */
  parentAttributes: Record<string, string>;
  hostAttributes: Record<string, string>;
}

export interface DestinationFact {
  host: string;
  parent: string;
  type: MdevType;
  /** The candidate parent's facts and the destination host's facts. */
  parentAttributes: Record<string, string>;
  hostAttributes: Record<string, string>;
}

// --- Decision (DESIGN §3.1) -------------------------------------------------

export type CheckOutcome = 'pass' | 'fail' | 'skip';

/**
 * What would make one failing check pass (issue 17 §1): the smallest change
 * on one host that the check's match itself says would satisfy it. On a
 * check result, when both hosts must make the same change (a value absent on
 * both, a platform minimum neither meets), `side` is `source` and `to` ends
 * with "on both sides"; a destination's `fixes` lists one per host.
 */
export interface Fix {
  /** The attribute (or fact) to change, as the check names it (a family's or a list's failing member; a `when` leaf's path, last segment). */
  attribute: string;
  /** Where it lives: the type, the parent, the host, or the device instance. */
  scope: 'type' | 'parent' | 'host' | 'device';
  /** Which host must change for the check to pass. */
  side: 'source' | 'destination';
  /** Its value now (absent when it is missing). */
  from?: unknown;
  /** What it must become: a value, or a range / condition in words (`≥ 1.2.0 <2.0.0`, `enabled`, `≥ 2`, `present on both sides`). */
  to: string;
  /** For the free instances placement still lacks (a destination's `fixes`): the parent and type they are needed on. */
  parent?: string;
  type?: string;
}


export interface CheckResult {
  id: string;
  result: CheckOutcome;
  severity?: 'warning';
  origin: string;
  match?: string;
  source?: unknown;
  destination?: unknown;
  message: string;
  note?: string;
  /**
   * On a failed check: the one change that would make it pass, when its
   * match can say and one change would do (several — a family's failing
   * members, a `when`'s failing leaves — are listed in the destination's
   * `fixes`, not here).
   */
  fix?: Fix;
}

export interface CandidateResult {
  device: string;
  parent: string;
  type: string;
  compatible: boolean;
  checks: CheckResult[];
}

export interface Placement {
  device: string;
  parent: string;
  type: string;
  set: Record<string, string | string[]>;
}

/**
 * Why a destination cannot take the devices: `no-candidate` (a device has no
 * compatible candidate), `capacity` (too few free instances even counted per
 * type), `shared-capacity` (the types of a parent share one pool, leaving too
 * few), `one-type` (a parent takes one type at a time), `search-limit` (the
 * placement search ran out of its budget: refused rather than guessed),
 * `prepared-mismatch` (the VM's own device already runs there with other
 * values than the ones it must be given).
 */
export const UNPLACED_CODES = ['no-candidate', 'capacity', 'shared-capacity', 'one-type', 'search-limit', 'prepared-mismatch'] as const;
export type UnplacedCode = (typeof UNPLACED_CODES)[number];

export interface DestinationResult {
  host: string;
  file?: string;
  /** The destination is the source host itself: never a candidate, not counted (DESIGN §4). */
  isSource?: true;
  compatible: boolean;
  /** Why no placement exists (set when not compatible). */
  reason?: string;
  /** What kind of reason it is, for tools (set with `reason`). */
  reasonCode?: UnplacedCode;
  placement: Placement[];
  candidates: CandidateResult[];
  /** Candidates skipped without evaluation (bulk output): they fail these `equal` checks for certain. */
  pruned?: { candidates: number; by: string[] };
  /** On a compatible destination: the checks its placement passed without verifying (absent on both hosts, `onMissing: skip`). */
  skipped?: string[];
  /**
   * On a refused destination: the fixes that together would admit the VM —
   * for each source device without a compatible candidate, those of its
   * refused candidate (its own type first) with the fewest failing checks;
   * and the free instances placement lacks.
   */
  fixes?: Fix[];
}

export interface Decision {
  apiVersion: typeof API_VERSION;
  kind: 'Decision';
  /** A random UUID naming this decision (DESIGN §11: in the decision log, a scheduler's records, a bug report). */
  id: string;
  /** When it was made, ISO 8601 UTC. */
  time: string;
  /** The tool and version that made it. */
  tool: { name: string; version: string };
  compatible: boolean;
  mode: string;
  /** The base policy, the overlays that applied to a source device, and the digest of the whole set as loaded (base, every overlay, mode). */
  policy: PolicyRef & { overlays: PolicyRef[]; digest: string };
  source: { host: string; devices: { uuid: string; parent: string; type: string }[]; /** The VM, when it was given as its domain XML (`--domain`). */ vm?: { name?: string; uuid?: string } };
  destinations: DestinationResult[];
  errors: Diagnostic[];
  warnings?: Diagnostic[];
}
