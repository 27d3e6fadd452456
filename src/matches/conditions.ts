// Builders of rule-condition data (json-rules-engine's shape), shared by the
// match modules and the compiler, so every compiled leaf has the same key
// order: fact, path | params, operator, value.

import { attributePath } from '../facts.js';
import type { CheckScope, FactRef, LeafCondition, ValueTarget } from '../types.js';
import type { Operands } from './operator.js';

export function leaf(ref: FactRef, operator: string, value: LeafCondition['value']): LeafCondition {
  return ref.fact === 'family' ? { fact: 'family', params: ref.params, operator, value } : { fact: ref.fact, ...(ref.path === undefined ? {} : { path: ref.path }), operator, value };
}

export function pathRef(fact: 'source' | 'destination', path: string): FactRef {
  return { fact, path };
}

/**
 * What a value check compares by default: one attribute on both sides, or
 * both sides' families — of the type, or (by scope) of the parent or host facts.
 */
export function targetOperands(t: ValueTarget, scope: CheckScope = 'type'): Operands {
  const where = scope === 'type' ? {} : { scope };
  switch (t.kind) {
    case 'attribute':
      return { source: pathRef('source', attributePath(t.name, scope)), destination: pathRef('destination', attributePath(t.name, scope)) };
    case 'list':
      return { source: { fact: 'family', params: { side: 'source', ...where, names: t.names } }, destination: { fact: 'family', params: { side: 'destination', ...where, names: t.names } } };
    case 'family': {
      const params = { ...where, prefix: t.prefix, except: t.except };
      return { source: { fact: 'family', params: { side: 'source', ...params } }, destination: { fact: 'family', params: { side: 'destination', ...params } } };
    }
  }
}
