// The matrix and the upgrade plan as text for a terminal (`matrix --format
// text`, the default): the classes, then per mdev type a grid of from → to,
// then the refused pairs with their first failing check. Every string from
// an inventory goes through escapeForTerminal (src/terminal.ts).

import { escapeForTerminal as safe } from '../terminal.js';
import type { ClassPair, CompatibilityMatrix, HostClass } from './types.js';
import type { Stranded, UpgradePlan } from './upgrade.js';

const MEMBERS_SHOWN = 5;
export const REFUSED_SHOWN = 50;

function members(c: HostClass): string {
  const shown = c.members.slice(0, MEMBERS_SHOWN).map(safe).join(', ');
  return c.members.length > MEMBERS_SHOWN ? `${shown}, … ${c.members.length - MEMBERS_SHOWN} more` : shown;
}

/** A pair refused because no host of the destination class offers the type (no check failed). */
const offersNone = (p: ClassPair) => p.reasonCode === 'no-candidate' && p.failing === undefined;

const plural = (n: number, word: string, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;

export function renderMatrixText(m: CompatibilityMatrix): string {
  const out: string[] = [];
  const policy = [`${m.policy.name}@${m.policy.version}`, ...m.policy.overlays.map((o) => `${o.name}@${o.version}`)].join(' + ');
  out.push(`${plural(m.hosts, 'host')} in ${plural(m.classes.length, 'class', 'classes')}, ${plural(m.types.length, 'mdev type')} (${safe(policy)}, mode ${safe(m.mode)})`);
  for (const d of m.vmDependent ?? []) {
    const what = d.attributes.includes('*') ? 'its instance attributes' : d.attributes.map((a) => `\`${a}\``).join(', ');
    out.push(`Not decided for every VM: check \`${d.check}\` compares the VM's own ${what}; it fails closed here (eval a VM to decide)`);
  }
  out.push('');
  for (const c of m.classes) {
    out.push(`${c.id}  ${plural(c.size, 'host')}: ${members(c)}`);
    out.push(`    types: ${c.types.map(safe).join(', ') || 'none'}`);
    const facts = Object.entries(c.facts.host).map(([k, v]) => `${k}=${v}`);
    if (facts.length > 0) out.push(`    host: ${safe(facts.join(', '))}`);
  }
  const byType = new Map<string, ClassPair[]>();
  for (const p of m.relation) {
    let list = byType.get(p.type);
    if (!list) byType.set(p.type, (list = []));
    list.push(p);
  }
  const ids = m.classes.map((c) => c.id);
  const width = Math.max(3, ...ids.map((id) => id.length)) + 1;
  const pad = (s: string) => s.padEnd(width);
  for (const type of m.types) {
    const pairs = byType.get(type) ?? [];
    const at = new Map(pairs.map((p) => [`${p.from}\u0000${p.to}`, p]));
    const froms = ids.filter((id) => pairs.some((p) => p.from === id));
    out.push('');
    out.push(`${safe(type)}: from (rows) → to (columns); ✓ can take it, ✗ refused, · does not offer it, - one host (not its own destination)`);
    out.push(`  ${pad('')}${ids.map(pad).join('')}`.trimEnd());
    for (const from of froms) {
      const cells = ids.map((to) => {
        const p = at.get(`${from}\u0000${to}`);
        return pad(p === undefined ? '-' : p.compatible ? '✓' : offersNone(p) ? '·' : '✗');
      });
      out.push(`  ${pad(from)}${cells.join('')}`.trimEnd());
    }
  }
  const refused = m.relation.filter((p) => !p.compatible && !offersNone(p));
  if (refused.length > 0) {
    out.push('');
    out.push('Refused (the pairs whose destination does not offer the type left out):');
    for (const p of refused.slice(0, REFUSED_SHOWN)) {
      const first = p.failing?.[0];
      out.push(`  ${safe(p.type)} ${p.from} → ${p.to}: ${safe(first ? `${first.check}: ${first.message}` : (p.reason ?? p.reasonCode ?? 'refused'))}${(p.failing?.length ?? 0) > 1 ? ` (+${p.failing!.length - 1} more)` : ''}`);
    }
    if (refused.length > REFUSED_SHOWN) out.push(`  … ${refused.length - REFUSED_SHOWN} more (--format json or csv lists every one)`);
  }
  return `${out.join('\n')}\n`;
}

/** Why (y, T) has nowhere to go, in one line: the refusals by a check, the class being upgraded, its own single host; the classes that offer no such type left out. */
function refusalsText(s: Stranded): string {
  const parts = s.refusals
    .filter((r) => r.state === 'being upgraded' || r.state === 'one host' || r.reasonCode !== 'no-candidate' || (r.failing?.length ?? 0) > 0)
    .map((r) => (r.state === 'being upgraded' ? `${r.to} is being upgraded` : r.state === 'one host' ? `${r.to} has no other host` : `${r.to} (${r.state}) refuses: ${r.failing?.length ? r.failing.join(', ') : (r.reasonCode ?? 'refused')}`));
  return `${safe(s.type)} VMs on ${s.class} have nowhere to go: ${parts.join('; ') || 'no other class offers the type'}`;
}

export function renderPlanText(plan: UpgradePlan, classes: readonly HostClass[]): string {
  const out: string[] = [];
  const byId = new Map(classes.map((c) => [c.id, c]));
  out.push(`Upgrade: ${safe(plan.changes.join(', '))}`);
  out.push(`Affected: ${plan.affected.join(', ') || 'none'}; unaffected: ${plan.unaffected.join(', ') || 'none'}`);
  for (const s of plan.stranded) out.push(`  note, before any upgrade: ${refusalsText(s)}`);
  out.push('');
  const undecided = !plan.feasible && !plan.search.exhaustive;
  out.push(
    plan.feasible
      ? `Feasible, in ${plural(plan.steps.length, 'step')}:`
      : undecided
        ? `Undecided: search limit reached after ${plural(plan.search.states, 'state')} (sets of upgraded classes) without an order that keeps every VM a destination; one may still exist.`
        : `Infeasible at step ${plan.blocked!.step}${plan.steps.length > 0 ? ', after:' : ':'}`,
  );
  for (const s of plan.steps) {
    out.push(`  ${s.step}. ${s.class} (${plural(s.size, 'host')}: ${members(byId.get(s.class)!)})`);
    for (const e of s.evacuate) {
      out.push(e.to.length > 0 ? `       its ${safe(e.type)} VMs can go to ${e.to.join(', ')}` : `       its ${safe(e.type)} VMs have no destination even before the upgrade: stop them, or move them cold`);
    }
  }
  if (plan.blocked) {
    out.push('');
    out.push(`Step ${plan.blocked.step}: no remaining class can be upgraded without stranding VMs:`);
    for (const c of plan.blocked.candidates) out.push(`  upgrading ${c.class}: ${refusalsText(c.strands)}`);
    out.push(`Every order was tried (${plural(plan.search.states, 'state')}): none gets past step ${plan.blocked.step}.`);
  }
  return `${out.join('\n')}\n`;
}
