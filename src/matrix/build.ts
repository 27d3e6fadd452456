// The compatibility matrix of a fleet, end to end: the policy's reads, one
// streaming pass over the inventories into host classes, the class × class
// decisions, and the CompatibilityMatrix document (src/matrix/types.ts) with
// the traceability of a Decision (an id, the time, the tool, the policy set's
// digest: src/trace.ts). Reads files; never prints.

import { sortDiagnostics, type Diagnostic } from '../errors.js';
import type { LoadLimits } from '../load.js';
import { newDecisionId, now, toolInfo } from '../trace.js';
import { ClassIndex } from './classes.js';
import { decideRelation } from './decide.js';
import { readFleet } from './read.js';
import type { MatrixPolicy } from './reads.js';
import type { CompatibilityMatrix } from './types.js';

export interface MatrixOptions {
  policy: MatrixPolicy;
  /** Inventory arguments: files, directories, .ndjson inventories, `-` for NDJSON on standard input. */
  inventories: readonly string[];
  limits: LoadLimits;
  failOnSkip: boolean;
  /** Called now and then while reading (a progress line). */
  progress?: (hosts: number) => void;
}

export interface MatrixRun {
  matrix: CompatibilityMatrix;
  /** The classes with their representatives (for the upgrade planner and the label renderings). */
  index: ClassIndex;
  warnings: Diagnostic[];
}

/** Read the fleet, group it, decide every class pair: the matrix document. */
export async function buildMatrix(options: MatrixOptions): Promise<MatrixRun> {
  const { set, reads } = options.policy;
  const index = new ClassIndex(reads, set);
  const read = await readFleet(options.inventories, options.limits, index, options.progress && (() => options.progress!(index.hosts)));
  const decided = await decideRelation(index.classes, set, reads, { failOnSkip: options.failOnSkip });
  const classes = index.classes.map((c) => index.describe(c));
  const types = [...new Set(classes.flatMap((c) => c.types))].sort();
  let id: string | undefined;
  const matrix: CompatibilityMatrix = {
    apiVersion: 'mdev-policy/v1',
    kind: 'CompatibilityMatrix',
    // As a Decision's: made when first read.
    get id() {
      return (id ??= newDecisionId());
    },
    time: now(),
    tool: toolInfo(),
    mode: set.mode,
    policy: {
      ...set.policy,
      overlays: decided.overlays,
      get digest() {
        return set.digest;
      },
    },
    hosts: index.hosts,
    errors: sortDiagnostics([...read.errors, ...decided.errors]),
    classes,
    types,
    relation: decided.relation,
  };
  return { matrix, index, warnings: read.warnings };
}

/** The matrix as JSON (getters resolved), as `--format json` prints it. */
export function renderMatrixJson(matrix: CompatibilityMatrix, extra: Record<string, unknown> = {}): string {
  // The spread reads the id and digest getters: they are written as values.
  return `${JSON.stringify({ ...matrix, ...extra }, null, 2)}\n`;
}
