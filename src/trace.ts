// What makes a Decision traceable (DESIGN §11): an id, the time it was made,
// the tool and version that made it, and a digest of the policy set it was
// made with — the same in the CLI's documents and the decision service's, so a
// decision log line, a scheduler's record and a re-run can be tied together.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** node:crypto, loaded when a digest or an id is first asked for (a text report asks for neither). */
let crypto: typeof import('node:crypto') | undefined;
export const cryptoModule = () => (crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto'));

export interface Tool {
  name: string;
  version: string;
}

let tool: Tool | undefined;

/** This package's name and version (from its package.json). */
export function toolInfo(): Tool {
  if (!tool) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    tool = { name: pkg.name, version: pkg.version };
  }
  return tool;
}

/** A new decision id: a random UUID. */
export function newDecisionId(): string {
  return cryptoModule().randomUUID();
}

/** The time now, ISO 8601 UTC. */
export function now(): string {
  return new Date().toISOString();
}

/** JSON with every map's keys sorted: the same text for the same data, whatever order a document wrote it in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** `sha256:<hex>` of data's canonical JSON. */
export function digestOf(value: unknown): string {
  return `sha256:${cryptoModule().createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}
