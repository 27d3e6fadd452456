// Test helpers: build documents from compact case data and run them through the
// real pipeline (parse → validate → resolve/normalise → evaluate), so the table
// cases exercise the schemas and the compiler, not a shortcut.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import {
  evaluate,
  hostFromDocument,
  parseText,
  policyFromDocument,
  resolvePolicy,
  type Decision,
  type Diagnostic,
  type EffectivePolicy,
  type Host,
  type PolicySet,
  type WrittenCheck,
} from '../src/index.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The tests decide colour and the policy in force themselves: a developer's FORCE_COLOR or MDEV_POLICY_* must not
// reach the CLI runs they make (children inherit this environment).
for (const name of Object.keys(process.env)) if (name === 'FORCE_COLOR' || name.startsWith('MDEV_POLICY_')) delete process.env[name];

export function readCases<T>(name: string): T[] {
  return parse(readFileSync(new URL(`cases/${name}`, import.meta.url), 'utf8')) as T[];
}

export const MODES = { strict: {}, superset: {}, 'cross-type': { experimental: true } };

export function policyText(checks: WrittenCheck[], defaultMode = 'strict'): string {
  return stringify({ apiVersion: 'mdev-policy/v1', kind: 'Policy', metadata: { name: 'case', version: '1.0.0' }, spec: { defaultMode, modes: MODES, checks } });
}

export function effectivePolicy(text: string, mode?: string, file = 'policy.yaml'): { policy?: EffectivePolicy; errors: Diagnostic[] } {
  const loaded = parseText(text, file);
  if (!loaded.value) return { errors: loaded.errors };
  const src = policyFromDocument(loaded.value);
  if (!src.value) return { errors: src.errors };
  const r = resolvePolicy(src.value, mode);
  return r.value ? { policy: r.value, errors: [] } : { errors: r.errors };
}

export function hostDoc(name: string, parents: Record<string, unknown>, host?: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name }, spec: { ...(host ? { host } : {}), parents } };
}

export function hostFrom(doc: unknown, file = 'host.yaml'): Host {
  const loaded = parseText(typeof doc === 'string' ? doc : stringify(doc), file);
  if (!loaded.value) throw new Error(`test host does not parse: ${JSON.stringify(loaded.errors)}`);
  const h = hostFromDocument(loaded.value);
  if (!h.value) throw new Error(`test host is invalid: ${JSON.stringify(h.errors)}`);
  return h.value;
}

/** A decision through json-rules-engine (the reference) by default, or through the bulk closures or the specialised rules. */
export async function decide(policy: EffectivePolicy | PolicySet, source: Host, destinations: Host[], devices?: string[], engine: 'rules' | 'bulk' | 'compiled' = 'rules'): Promise<Decision> {
  return evaluate({ policy, source, destinations: destinations.map((host) => ({ host, errors: [] })), ...(devices ? { devices } : {}), destination: { engine } });
}

/** A Decision without what differs from one run to the next (its id and time): what two evaluators must agree on. */
export function unstamped(d: Decision): Omit<Decision, 'id' | 'time'> {
  const { id: _id, time: _time, ...rest } = d;
  return rest;
}

/** The same decision from the three evaluators: it must be identical but for its id and time (DESIGN §4). */
export async function decideBoth(policy: EffectivePolicy | PolicySet, source: Host, destinations: Host[], devices?: string[]): Promise<Decision> {
  const reference = await decide(policy, source, destinations, devices, 'rules');
  for (const engine of ['bulk', 'compiled'] as const) {
    const other = await decide(policy, source, destinations, devices, engine);
    if (JSON.stringify(unstamped(other)) !== JSON.stringify(unstamped(reference))) throw new Error(`the ${engine} evaluator disagrees with json-rules-engine:\n${JSON.stringify(other)}\n${JSON.stringify(reference)}`);
  }
  return reference;
}

export const UUID = ['83b8f4f2-509f-382f-3c1e-e6bfe0fa1001', '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002', '83b8f4f2-509f-382f-3c1e-e6bfe0fa1003', '83b8f4f2-509f-382f-3c1e-e6bfe0fa1004'];
