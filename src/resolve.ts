// Stage 3 — resolve: a validated base policy (and, later, overlays) plus a
// mode become the effective policy: one flat list of checks, each with the
// single match that applies in that mode and the origin that defined it.
//
// Precedence, in one place: the base policy's checks in their written order;
// a per-mode `match` map picks the entry named after the mode, else its
// `default`; a mode the map neither names nor defaults is an error, and so is
// a map key that names no mode of the policy. Nothing else decides precedence.

import { diagnostic, didYouMean, quote, type Diagnostic, type Position } from './errors.js';
import type { SourceDocument } from './load.js';
import type { EffectiveCheck, EffectivePolicy, MatchName, WrittenCheck, WrittenPolicy } from './types.js';

export interface PolicySource {
  written: WrittenPolicy;
  doc?: SourceDocument;
}

export interface Resolved<T> {
  value?: T;
  errors: Diagnostic[];
}

/** Errors in a policy that do not depend on the mode chosen: check them once, at load. */
export function checkPolicy(source: PolicySource): Diagnostic[] {
  const { written, doc } = source;
  const errors: Diagnostic[] = [];
  const at = (...p: (string | number)[]) => doc?.locate(['spec', ...p]) ?? {};
  const atKey = (...p: (string | number)[]) => doc?.locate(['spec', ...p], true) ?? {};
  const modes = Object.keys(written.spec.modes);
  if (!modes.includes(written.spec.defaultMode)) {
    errors.push(
      diagnostic('unknown-mode', `default mode ${quote(written.spec.defaultMode)} is not one of the policy's modes`, at('defaultMode'), {
        hint: didYouMean(written.spec.defaultMode, modes) ?? `modes: ${modes.map((m) => `\`${m}\``).join(', ')}`,
      }),
    );
  }
  const seen = new Map<string, number>();
  written.spec.checks.forEach((check, i) => {
    if (seen.has(check.id)) {
      errors.push(diagnostic('duplicate-check', `check id ${quote(check.id)} is already used by check ${seen.get(check.id)! + 1}`, at('checks', i, 'id')));
    } else {
      seen.set(check.id, i);
    }
    errors.push(...checkMatch(check, modes, (...p) => atKey('checks', i, ...p)));
  });
  return errors;
}

function checkMatch(check: WrittenCheck, modes: string[], at: (...p: (string | number)[]) => Position): Diagnostic[] {
  const errors: Diagnostic[] = [];
  const match = check.match;
  if (match !== undefined && typeof match === 'object') {
    for (const key of Object.keys(match)) {
      if (key !== 'default' && !modes.includes(key)) {
        errors.push(
          diagnostic('unknown-mode', `check ${quote(check.id)} names mode ${quote(key)}, which the policy does not define`, at('match', key), {
            hint: didYouMean(key, [...modes, 'default']) ?? `modes: ${modes.map((m) => `\`${m}\``).join(', ')}`,
          }),
        );
      }
    }
    if (!Object.hasOwn(match, 'default')) {
      const missing = modes.filter((m) => !Object.hasOwn(match, m));
      if (missing.length > 0) {
        errors.push(
          diagnostic('unknown-mode', `check ${quote(check.id)} has no match for mode${missing.length > 1 ? 's' : ''} ${missing.map((m) => quote(m)).join(', ')}`, at('match'), {
            hint: 'add an entry for each mode, or a `default`',
          }),
        );
      }
    }
  }
  for (const m of match === undefined ? [] : typeof match === 'string' ? [match] : Object.values(match)) {
    const problem = targetProblem(check, m);
    if (problem) errors.push(diagnostic('schema-violation', `check ${quote(check.id)}: ${problem}`, at('match')));
  }
  return errors;
}

/** Which targets each match can work on. */
function targetProblem(check: WrittenCheck, match: MatchName): string | undefined {
  const family = check.attributes !== undefined && !Array.isArray(check.attributes);
  const list = Array.isArray(check.attributes);
  switch (match) {
    case 'capacity':
    case 'equal-or-listed':
      return check.attribute === undefined ? `\`${match}\` compares one \`attribute\`` : undefined;
    case 'sync':
      return family ? '`sync` takes an `attribute` that lists instance attributes, or a list of them in `attributes`' : undefined;
    case 'equal':
    case 'version-compatible':
    case 'one-to-one':
    case 'superset':
    case 'ignore':
      return list && match !== 'ignore' && (check.attributes as string[]).length === 0 ? 'empty attribute list' : undefined;
  }
}

/** The base policy for one mode (the policy's default mode when none is given). */
export function resolvePolicy(source: PolicySource, mode?: string): Resolved<EffectivePolicy> {
  const errors = checkPolicy(source);
  if (errors.length > 0) return { errors };
  const { written } = source;
  const modes = Object.keys(written.spec.modes);
  const chosen = mode ?? written.spec.defaultMode;
  if (!modes.includes(chosen)) {
    return {
      errors: [
        diagnostic('unknown-mode', `policy ${quote(written.metadata.name)} has no mode ${quote(chosen)}`, {}, {
          hint: didYouMean(chosen, modes) ?? `modes: ${modes.map((m) => `\`${m}\``).join(', ')}`,
        }),
      ],
    };
  }
  const origin = `${written.metadata.name}@${written.metadata.version}`;
  const checks = written.spec.checks.map((c) => effectiveCheck(c, chosen, origin));
  return {
    value: { policy: { name: written.metadata.name, version: written.metadata.version }, overlays: [], mode: chosen, modes, checks },
    errors: [],
  };
}

function effectiveCheck(c: WrittenCheck, mode: string, origin: string): EffectiveCheck {
  const target: EffectiveCheck['target'] =
    c.when !== undefined
      ? { kind: 'when', condition: c.when }
      : c.attribute !== undefined
        ? { kind: 'attribute', name: c.attribute }
        : Array.isArray(c.attributes)
          ? { kind: 'list', names: [...c.attributes] }
          : { kind: 'family', prefix: c.attributes!.prefix, except: [...(c.attributes!.except ?? [])] };
  const check: EffectiveCheck = {
    id: c.id,
    target,
    onMissing: c.onMissing ?? 'fail',
    locked: c.locked ?? false,
    severity: c.severity ?? 'error',
    origin,
  };
  if (c.description !== undefined) check.description = c.description;
  if (c.note !== undefined) check.note = c.note;
  if (c.match !== undefined) check.match = typeof c.match === 'string' ? c.match : (c.match[mode] ?? c.match.default)!;
  return check;
}
