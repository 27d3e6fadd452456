// Stage 3 — resolve: a validated base policy, its overlays and a mode become
// the effective policy for a source type: one flat list of checks, each with
// the single match that applies in that mode, its origin and the overlays
// that touched it.
//
// Precedence, in one place (DESIGN §2.2), and nowhere else:
//   1. The base policy's checks, in written order.
//   2. Then each overlay, in the order given, when its selector matches the
//      source type (`types`: globs on the type id; `deviceApi`: the type's
//      device_api; both must hold when both are given; no selector: always).
//      A check with a new id is appended. A check with a known id takes each
//      field the overlay gives; the target (`attribute` / `attributes` /
//      `when`) and `match` are replaced whole. `disable` removes checks.
//   3. So for one check id, the last applicable overlay's fields win; its
//      `origin` is the last document that defined or patched it.
//   4. The mode picks one match per check: the map's entry for the mode,
//      else its `default`.
//   5. `parentCapacity` (how a destination parent's types share its
//      instances): the base's value (`shared` when it gives none), then each
//      applicable overlay that sets it replaces it: the last one wins, and is
//      its origin. (Devices of different policies on one parent: placement
//      takes the most restrictive of their values, src/evaluate/placement.ts.)
// Load-time errors do not depend on selectors: every overlay is checked as
// if it applied (locked checks, extends, unknown ids and modes, new checks
// that lack a target or a match).

import semver from 'semver';
import { diagnostic, didYouMean, failed, ok, quote, warning, type Diagnostic, type Position, type Result } from './errors.js';
import { MATCH_MODULES, targetProblem } from './matches/index.js';
import { selectorMatches, selectorsMayOverlap } from './selector.js';
import { digestOf } from './trace.js';
import type { SourceDocument } from './load.js';
import type { CheckPatch, EffectiveCheck, EffectivePolicy, MatchName, MdevType, ParentCapacity, PolicyRef, ValueTarget, WrittenCheck, WrittenOverlay, WrittenPolicy } from './types.js';

export interface PolicySource {
  written: WrittenPolicy;
  doc?: SourceDocument;
}

export interface OverlaySource {
  written: WrittenOverlay;
  doc?: SourceDocument;
}

type At = (...p: (string | number)[]) => Position;

function locator(doc: SourceDocument | undefined, key: boolean): At {
  return (...p) => doc?.locate(['spec', ...p], key) ?? {};
}

const refOf = (m: { name: string; version: string }): string => `${m.name}@${m.version}`;

// --- checks on one document -----------------------------------------------------

/** Errors in a base policy that do not depend on the mode chosen: checked once, at load. */
export function checkPolicy(source: PolicySource): Diagnostic[] {
  const { written, doc } = source;
  const errors: Diagnostic[] = [];
  const at = locator(doc, false);
  const atKey = locator(doc, true);
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

function checkMatch(check: Partial<WrittenCheck> & { id: string }, modes: string[], at: At): Diagnostic[] {
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
    const problem = targetProblemOf(check, m);
    if (problem) errors.push(diagnostic('schema-violation', `check ${quote(check.id)}: ${problem}`, at('match')));
    const wanted = MATCH_MODULES[m].value;
    if (wanted && (check.value === undefined || !wanted.check(check.value))) {
      errors.push(
        diagnostic('schema-violation', `check ${quote(check.id)}: \`${m}\` needs ${check.value === undefined ? 'a `value`' : `a version as its \`value\`, not ${quote(check.value)}`}`, at(check.value === undefined ? 'match' : 'value'), {
          hint: wanted.hint,
        }),
      );
    }
  }
  return errors;
}

/** Whether a match can work on a check's target: the match module says (src/matches/). */
function targetProblemOf(check: Partial<WrittenCheck>, match: MatchName): string | undefined {
  if (check.when !== undefined) return undefined;
  const kind = check.attribute !== undefined ? 'attribute' : Array.isArray(check.attributes) ? 'list' : check.attributes !== undefined ? 'family' : undefined;
  return kind === undefined ? undefined : targetProblem(match, kind);
}

// --- merging -------------------------------------------------------------------------

const TARGET_FIELDS = ['attribute', 'attributes', 'when'] as const;

/** A check with an overlay's fields applied: the target and the match are replaced whole. */
function patchCheck(base: WrittenCheck, patch: CheckPatch): WrittenCheck {
  const merged: Record<string, unknown> = { ...base };
  if (TARGET_FIELDS.some((f) => patch[f] !== undefined)) {
    for (const f of TARGET_FIELDS) delete merged[f];
    if (patch.when !== undefined) delete merged.match;
  }
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) merged[k] = v;
  return merged as unknown as WrittenCheck;
}

/** Why a check (new, or as patched) is not whole; undefined when it is. */
function isWholeCheck(c: Partial<WrittenCheck>): string | undefined {
  const targets = TARGET_FIELDS.filter((f) => c[f] !== undefined);
  if (targets.length !== 1) return 'a new check needs exactly one of `attribute`, `attributes` or `when`';
  if (c.when === undefined && c.match === undefined) return 'a new check needs a `match`';
  return undefined;
}

interface Layer {
  checks: Map<string, { check: WrittenCheck; origin: string; overlays: string[] }>;
  order: string[];
  disabled: { id: string; by: string }[];
}

function baseLayer(policy: WrittenPolicy): Layer {
  const origin = refOf(policy.metadata);
  const layer: Layer = { checks: new Map(), order: [], disabled: [] };
  for (const c of policy.spec.checks) {
    layer.checks.set(c.id, { check: c, origin, overlays: [] });
    layer.order.push(c.id);
  }
  return layer;
}

/** Apply one overlay to a layer; with `errors`, report what an overlay may not do (load-time checking). */
function applyOverlay(layer: Layer, overlay: OverlaySource, modes: string[], errors?: Diagnostic[]): void {
  const { written, doc } = overlay;
  const name = refOf(written.metadata);
  const at = locator(doc, false);
  const atKey = locator(doc, true);
  (written.spec.checks ?? []).forEach((patch, i) => {
    const existing = layer.checks.get(patch.id);
    if (existing?.check.locked) {
      errors?.push(
        diagnostic('locked-check', `overlay ${quote(written.metadata.name)} patches locked check ${quote(patch.id)} (defined by ${existing.origin})`, at('checks', i, 'id'), {
          hint: 'locked checks hold what the base policy guarantees; add a new check instead',
        }),
      );
      return;
    }
    const merged: WrittenCheck = existing ? patchCheck(existing.check, patch) : patch;
    // At evaluation, a patch of a check that only a non-applicable overlay defines has nothing to patch: it does not apply.
    if (!errors && isWholeCheck(merged)) return;
    if (errors) {
      if (merged.when !== undefined && merged.match !== undefined) {
        errors.push(diagnostic('schema-violation', `check ${quote(patch.id)} is a \`when\` check: it takes no \`match\``, at('checks', i, 'match'), { hint: 'to stop using it, list its id in `disable`' }));
        return;
      }
      const whole = isWholeCheck(merged);
      if (whole) {
        errors.push(
          diagnostic('schema-violation', `check ${quote(patch.id)}: ${whole}`, at('checks', i, 'id'), {
            hint: existing ? undefined : (didYouMean(patch.id, layer.order) ?? 'to patch a check, use the id of an existing one'),
          }),
        );
        return;
      }
      errors.push(...checkMatch(merged, modes, (...p) => atKey('checks', i, ...p)));
    }
    layer.checks.set(patch.id, { check: merged, origin: name, overlays: [...(existing?.overlays ?? []), name] });
    if (!existing) layer.order.push(patch.id);
  });
  (written.spec.disable ?? []).forEach((id, i) => {
    const existing = layer.checks.get(id);
    if (!existing) {
      errors?.push(
        diagnostic('unknown-check', `overlay ${quote(written.metadata.name)} disables unknown check ${quote(id)}`, at('disable', i), {
          hint: didYouMean(id, layer.order) ?? `checks: ${layer.order.map((c) => `\`${c}\``).join(', ')}`,
        }),
      );
      return;
    }
    if (existing.check.locked) {
      errors?.push(diagnostic('locked-check', `overlay ${quote(written.metadata.name)} disables locked check ${quote(id)}`, at('disable', i), { hint: 'locked checks cannot be disabled' }));
      return;
    }
    layer.checks.delete(id);
    layer.order = layer.order.filter((x) => x !== id);
    layer.disabled.push({ id, by: name });
  });
}

/** An overlay's extends must name the base and a range its version satisfies. */
function checkExtends(base: WrittenPolicy, overlay: OverlaySource): Diagnostic[] {
  const { written, doc } = overlay;
  const ext = written.spec.extends;
  const at = locator(doc, false);
  if (ext.policy !== base.metadata.name) {
    return [
      diagnostic('extends-mismatch', `overlay ${quote(written.metadata.name)} extends policy ${quote(ext.policy)}, not ${quote(base.metadata.name)}`, at('extends', 'policy'), {
        hint: `this overlay fits another base policy; use it with --policy, or drop it`,
      }),
    ];
  }
  const range = semver.validRange(ext.version);
  if (range === null) return [diagnostic('extends-mismatch', `${quote(ext.version)} is not a semver range`, at('extends', 'version'), { hint: 'for example `^1.0.0`' })];
  if (!semver.satisfies(base.metadata.version, range)) {
    return [
      diagnostic('extends-mismatch', `overlay ${quote(written.metadata.name)} fits ${base.metadata.name} ${quote(ext.version)}, but the base is ${base.metadata.version}`, at('extends', 'version'), {
        hint: 'update the overlay for this base version, or pin the base it was written for',
      }),
    ];
  }
  return [];
}

/** Two overlays that patch one check, or set different parentCapacity values, on selectors that may overlap: allowed, but the order decides — say so. */
function overlapWarnings(overlays: OverlaySource[], baseIds: Set<string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (let j = 1; j < overlays.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = overlays[i]!.written;
      const b = overlays[j]!.written;
      if (!selectorsMayOverlap(a.spec.selector, b.spec.selector)) continue;
      if (a.spec.parentCapacity !== undefined && b.spec.parentCapacity !== undefined && a.spec.parentCapacity !== b.spec.parentCapacity) {
        out.push(
          warning(
            'overlay-conflict',
            `overlays ${quote(a.metadata.name)} and ${quote(b.metadata.name)} set different \`parentCapacity\` on selectors that may overlap: ${quote(b.metadata.name)} wins, being later`,
            overlays[j]!.doc?.locate(['spec', 'parentCapacity']) ?? {},
          ),
        );
      }
      const patched = new Set((a.spec.checks ?? []).map((c) => c.id).filter((id) => baseIds.has(id)));
      (b.spec.checks ?? []).forEach((c, k) => {
        if (!patched.has(c.id)) return;
        out.push(
          warning(
            'overlay-conflict',
            `overlays ${quote(a.metadata.name)} and ${quote(b.metadata.name)} both patch check ${quote(c.id)} on selectors that may overlap: ${quote(b.metadata.name)} wins, being later`,
            overlays[j]!.doc?.locate(['spec', 'checks', k, 'id']) ?? {},
          ),
        );
      });
    }
  }
  return out;
}

// --- the policy set -------------------------------------------------------------------

/**
 * A base policy with its overlays, for one mode. `forType` gives the
 * effective policy for a source type (base + the overlays whose selector
 * matches it), built once per distinct set of applicable overlays.
 */
export interface PolicySet {
  policy: PolicyRef;
  mode: string;
  modes: string[];
  overlays: PolicyRef[];
  /** Each overlay's selector as written (undefined: it applies to every type), by index into `overlays`. */
  selectors: (WrittenOverlay['spec']['selector'] | undefined)[];
  /** Which overlays apply to a source type, by index into `overlays`. */
  applicable(type: MdevType): boolean[];
  forType(type: MdevType): EffectivePolicy;
  /** Warnings found while checking the overlays (e.g. overlapping patches). */
  warnings: Diagnostic[];
  /** `sha256:…` of the documents (base, overlays in order) and the mode: what a Decision made with this set names. */
  digest: string;
}

/** Every error in a base policy and its overlays, independent of mode and selectors, plus warnings. */
export function checkPolicySet(base: PolicySource, overlays: readonly OverlaySource[]): { errors: Diagnostic[]; warnings: Diagnostic[] } {
  const errors = checkPolicy(base);
  if (errors.length > 0) return { errors, warnings: [] };
  const modes = Object.keys(base.written.spec.modes);
  const layer = baseLayer(base.written);
  const named = new Map<string, OverlaySource>();
  for (const o of overlays) {
    // Provenance is `name@version`: two documents under one name would make it ambiguous, and both would apply.
    const first = named.get(o.written.metadata.name);
    if (first) {
      errors.push(
        diagnostic('duplicate-overlay', `overlay ${quote(o.written.metadata.name)} is given twice: in ${quote(first.doc?.file ?? 'an earlier document')} and here`, o.doc?.locate(['metadata', 'name']) ?? {}, {
          hint: 'give each overlay its own metadata.name, or pass only one of the two files',
        }),
      );
      continue;
    }
    named.set(o.written.metadata.name, o);
    const ext = checkExtends(base.written, o);
    errors.push(...ext);
    if (ext.length === 0) applyOverlay(layer, o, modes, errors);
  }
  return { errors, warnings: overlapWarnings([...overlays], new Set(base.written.spec.checks.map((c) => c.id))) };
}

export function resolvePolicySet(base: PolicySource, overlays: readonly OverlaySource[], mode?: string): Result<PolicySet> {
  const checked = checkPolicySet(base, overlays);
  if (checked.errors.length > 0) return failed(checked.errors, checked.warnings);
  const { written } = base;
  const modes = Object.keys(written.spec.modes);
  const chosen = mode ?? written.spec.defaultMode;
  if (!modes.includes(chosen)) {
    return failed([
      diagnostic('unknown-mode', `policy ${quote(written.metadata.name)} has no mode ${quote(chosen)}`, {}, {
        hint: didYouMean(chosen, modes) ?? `modes: ${modes.map((m) => `\`${m}\``).join(', ')}`,
      }),
    ]);
  }
  const matchers = overlays.map((o) => (type: MdevType) => selectorMatches(o.written.spec.selector, type));
  const cache = new Map<string, EffectivePolicy>();
  // The set as loaded: the base and every overlay document, in order, and the mode (an overlay that applies to no source type
  // still counts). Made when first asked for.
  let digest: string | undefined;
  const set: PolicySet = {
    policy: { name: written.metadata.name, version: written.metadata.version },
    get digest() {
      return (digest ??= digestOf({ mode: chosen, policy: written, overlays: overlays.map((o) => o.written) }));
    },
    mode: chosen,
    modes,
    overlays: overlays.map((o) => ({ name: o.written.metadata.name, version: o.written.metadata.version })),
    selectors: overlays.map((o) => o.written.spec.selector),
    warnings: checked.warnings,
    applicable: (type) => matchers.map((m) => m(type)),
    forType: (type) => {
      const applies = set.applicable(type);
      const key = applies.map((x) => (x ? '1' : '0')).join('');
      let effective = cache.get(key);
      if (!effective) {
        effective = effectivePolicy(base, overlays.filter((_, i) => applies[i]), chosen);
        cache.set(key, effective);
      }
      return effective;
    },
  };
  return ok(set, checked.warnings);
}

/** The effective policy of a base with exactly these overlays applied (already checked). */
function effectivePolicy(base: PolicySource, overlays: readonly OverlaySource[], mode: string): EffectivePolicy {
  const modes = Object.keys(base.written.spec.modes);
  const layer = baseLayer(base.written);
  for (const o of overlays) applyOverlay(layer, o, modes);
  let parentCapacity: ParentCapacity = base.written.spec.parentCapacity ?? 'shared';
  let parentCapacityOrigin = refOf(base.written.metadata);
  for (const o of overlays) {
    if (o.written.spec.parentCapacity === undefined) continue;
    parentCapacity = o.written.spec.parentCapacity;
    parentCapacityOrigin = refOf(o.written.metadata);
  }
  return {
    policy: { name: base.written.metadata.name, version: base.written.metadata.version },
    overlays: overlays.map((o) => ({ name: o.written.metadata.name, version: o.written.metadata.version })),
    mode,
    modes,
    checks: layer.order.map((id) => {
      const entry = layer.checks.get(id)!;
      return effectiveCheck(entry.check, mode, entry.origin, entry.overlays);
    }),
    disabled: layer.disabled,
    parentCapacity,
    parentCapacityOrigin,
  };
}

/** The base policy alone for one mode (the policy's default mode when none is given). */
export function resolvePolicy(source: PolicySource, mode?: string): Result<EffectivePolicy> {
  const set = resolvePolicySet(source, [], mode);
  if (!set.ok) return set;
  return ok(effectivePolicy(source, [], set.value.mode));
}

function effectiveCheck(c: WrittenCheck, mode: string, origin: string, overlays: string[]): EffectiveCheck {
  const fields = {
    id: c.id,
    ...(c.description !== undefined ? { description: c.description } : {}),
    ...(c.note !== undefined ? { note: c.note } : {}),
    onMissing: c.onMissing ?? 'fail',
    locked: c.locked ?? false,
    severity: c.severity ?? 'error',
    origin,
    overlays,
  };
  if (c.when !== undefined) return { ...fields, target: { kind: 'when', condition: c.when } };
  const target: ValueTarget =
    c.attribute !== undefined
      ? { kind: 'attribute', name: c.attribute }
      : Array.isArray(c.attributes)
        ? { kind: 'list', names: [...c.attributes] }
        : { kind: 'family', prefix: c.attributes!.prefix, except: [...(c.attributes!.except ?? [])] };
  // A value check always has a match (checked at load: a new check needs one, a mode with no entry needs a `default`).
  const match = typeof c.match === 'string' ? c.match : (c.match![mode] ?? c.match!.default)!;
  return { ...fields, target, match, scope: c.scope ?? 'type', ...(c.value !== undefined ? { value: c.value } : {}) };
}

/** The source type a command asks about (`--type`, `--device-api`), for selecting overlays without a host. */
export function typeForSelection(id?: string, deviceApi?: string): MdevType {
  const attributes = Object.create(null) as MdevType['attributes'];
  if (deviceApi !== undefined) attributes.device_api = deviceApi;
  return { id: id ?? '', attributes };
}
