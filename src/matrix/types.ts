// The compatibility matrix of a fleet (`mdev-policy matrix`, issue 17): hosts
// grouped into classes whose every fact the policy reads is the same, and,
// for every mdev type present, which class's VMs of that type can move to
// which class. The JSON output is this document; the CSV, HTML, Nova-traits
// and Kubernetes-labels outputs are renderings of it.

import type { Diagnostic } from '../errors.js';
import type { Tool } from '../trace.js';
import type { Fix, PolicyRef } from '../types.js';

// The fix of a failing check is the Decision's (src/types.ts); the matrix reports the same.
export type { Fix } from '../types.js';

/** One failing check of a refused class pair. */
export interface FailingCheck {
  check: string;
  origin: string;
  message: string;
  fix?: Fix;
}

/** A class: the hosts whose every fact the policy reads is identical. */
export interface HostClass {
  /** `C1`, `C2`, … in order of first appearance in the input. */
  id: string;
  /** Member host names, in input order. */
  members: string[];
  size: number;
  /** The shared facts that define the class (what the policy reads), for display. */
  facts: {
    host: Record<string, string>;
    /** Each distinct parent shape, with how many parents of each member have it. */
    parents: { count: number; attributes: Record<string, string>; types: Record<string, Record<string, unknown>> }[];
  };
  /** mdev types its hosts offer. */
  types: string[];
}

/** The decision for VMs of one type on a host of class `from` moving to a host of class `to`. */
export interface ClassPair {
  type: string;
  from: string;
  to: string;
  compatible: boolean;
  /** Checks that could not be verified (absent on both sides), when compatible. */
  skipped?: string[];
  /** Why not, when refused: the placement reason code and text. */
  reasonCode?: string;
  reason?: string;
  failing?: FailingCheck[];
  /** The fixes that together would admit the VM (one per failing check that has one). */
  fixes?: Fix[];
}

export interface CompatibilityMatrix {
  apiVersion: 'mdev-policy/v1';
  kind: 'CompatibilityMatrix';
  id: string;
  time: string;
  tool: Tool;
  mode: string;
  policy: PolicyRef & { overlays: PolicyRef[]; digest: string };
  /** Hosts read (valid ones), and the errors of the inputs that were not. */
  hosts: number;
  errors: Diagnostic[];
  classes: HostClass[];
  /** Every mdev type some host offers, sorted. */
  types: string[];
  /**
   * Checks the matrix cannot decide for every VM: they compare values of the
   * VM's own instance attributes (`*`: all of them). They fail closed in it
   * (the pairs they apply to are refused, naming them); `eval` a VM to decide.
   */
  vmDependent?: { check: string; attributes: string[] }[];
  /** Every (type, from, to) with from a class offering the type as a source; `to` every class (itself too, when it has two or more hosts). */
  relation: ClassPair[];
}
