// The compatibility matrix of a fleet, end to end: the policy's reads, one
// streaming pass over the inventories into host classes, the class × class
// decisions, and the CompatibilityMatrix document (src/matrix/types.ts) with
// the traceability of a Decision (an id, the time, the tool, the policy set's
// digest: src/trace.ts). Reads files; never prints.

import { sortDiagnostics, warning, type Diagnostic } from '../errors.js';
import type { LoadLimits } from '../load.js';
import { newDecisionId, now, toolInfo } from '../trace.js';
import { ClassIndex } from './classes.js';
import { bodiesOf, decideRelation, pairOf } from './decide.js';
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
  /** Decide as if every type had room: free instances are the scheduler's to count (the trait and label exports). */
  assumeRoom?: boolean;
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
  const index = new ClassIndex(reads, set, options.assumeRoom ?? false);
  const read = await readFleet(options.inventories, options.limits, index, options.progress && (() => options.progress!(index.hosts)));
  const decided = await decideRelation(index, set, reads, { failOnSkip: options.failOnSkip });
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
    ...(reads.vmDependent.length > 0 ? { vmDependent: reads.vmDependent.map((d) => ({ check: d.check, attributes: [...d.attributes] })) } : {}),
    relation: decided.relation,
  };
  const repeated = index.repeated.length;
  const warnings = [...read.warnings];
  if (repeated > 0) {
    const shown = index.repeated.slice(0, 5).map((n) => `\`${n}\``).join(', ');
    warnings.push(warning('duplicate-key', `${repeated} host${repeated === 1 ? ' was' : 's were'} read again and left out (the first read of each name counts): ${shown}${repeated > 5 ? ', …' : ''}`));
  }
  return { matrix, index, warnings };
}

/**
 * The matrix as JSON, in pieces (a large fleet's relation is long: it is
 * written as it is made, never held as one text): the document indented by
 * two, but each class pair on one line of its own — a matrix of a hundred
 * classes has hundreds of thousands of pairs. `extra` keys (the upgrade
 * plan) follow `relation`.
 */
export function* matrixJsonPieces(matrix: CompatibilityMatrix, extra: Record<string, unknown> = {}): Generator<string> {
  // The spread reads the id and digest getters: they are written as values.
  const { relation, ...head } = matrix;
  const text = JSON.stringify(head, null, 2);
  yield `${text.slice(0, text.lastIndexOf('\n}'))},\n  "relation": [`;
  const quoted = new Map<string, string>();
  const quote = (s: string) => {
    let q = quoted.get(s);
    if (q === undefined) quoted.set(s, (q = JSON.stringify(s)));
    return q;
  };
  const bodies = new WeakMap<object, string>();
  const crossType = matrix.mode === 'cross-type';
  const made = bodiesOf(relation);
  let piece = '';
  for (let i = 0; i < relation.length; i++) {
    const p = relation[i]!;
    const body = made?.[i];
    let line: string;
    if (body === undefined || body.offersNone) line = JSON.stringify(p);
    else {
      let tail = bodies.get(body);
      if (tail === undefined) bodies.set(body, (tail = JSON.stringify(pairOf('', '', '', body, crossType)).slice('{"type":"","from":"","to":""'.length)));
      line = `{"type":${quote(p.type)},"from":${quote(p.from)},"to":${quote(p.to)}${tail}`;
    }
    piece += `${i === 0 ? '' : ','}\n    ${line}`;
    if (piece.length > 1 << 16) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece}${relation.length > 0 ? '\n  ' : ''}]`;
  for (const [k, v] of Object.entries(extra)) yield `,\n  ${JSON.stringify(k)}: ${JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')}`;
  yield '\n}\n';
}

/** The matrix as one JSON text (tests, small fleets). */
export function renderMatrixJson(matrix: CompatibilityMatrix, extra: Record<string, unknown> = {}): string {
  return [...matrixJsonPieces(matrix, extra)].join('');
}
