// The fleet path (DESIGN §7): one source against an NDJSON inventory of any
// size, written as NDJSON, with the same bytes as the library path
// (evaluateDestination, then renderNdjsonDestination) but none of its
// intermediate objects. Per piece of ~1 MiB of whole lines, synchronously:
// each line is JSON.parse-d and checked by the hand-written Host check
// (anything it doubts, and anything it refuses, goes the library's way for
// the exact diagnostics); destination types are pruned on their raw values
// and only the survivors normalised, in place; each candidate runs the rules
// specialised for its source device (a pass/fail code per rule); and the
// output line is assembled from memoised fragments — check results per
// (rule, outcome, destination value) where that is exact, quoted names,
// pruned blocks — with one write per piece. A refused destination's fixes
// are assembled by the library's own function (src/evaluate/fixes.ts) from
// the outcome codes and the memoised check fixes.

import type { Diagnostic } from '../errors.js';
import { isError } from '../errors.js';
import { checkOperands } from '../compile.js';
import { destinationFact, NO_ATTRIBUTES, type Facts } from '../facts.js';
import { quickHostLine } from '../host-check.js';
import { forEachLine, parseJsonLine, type LinesPiece, type LoadLimits } from '../load.js';
import { matchOf } from '../matches/index.js';
import { isListAttribute, normalizeAttribute, presentFacts, splitList } from '../normalize.js';
import { renderNdjsonDestination } from '../report.js';
import { hostFromDocument } from '../inputs.js';
import { isWhenCheck, type EffectiveCheck, type Fix, type Host, type HostParent, type MdevType, type UnplacedCode, type WrittenHost } from '../types.js';
import { LazyOutcome } from './bulk.js';
import { sameHost, sourceAsDestination, tooManyCandidates } from './decision.js';
import { explainCheck, unknownType } from './explain.js';
import { firstProposal, pickCandidate, settleFixes, type DeviceForFixes, type Proposal, type RefusedCandidate } from './fixes.js';
import { placeDevices, type PlacementDevice } from './placement.js';
import { gatesOf, type Gate } from './prune.js';
import type { SourceDevice } from './sources.js';
import { FAIL, genericDestinationReader, PASS, SKIPPED, specialise, type SpecialisedRules, type Triple } from './specialise.js';

export interface FleetOptions {
  sources: SourceDevice[];
  /** The source host's name: a line naming it is reported as the source, never a candidate. */
  sourceName: string;
  /** Which check results each candidate lists (`--explain`: all). */
  detail: 'all' | 'failing';
  /** Skip, and count, the candidates a gate check rules out for certain. */
  prune: boolean;
  failOnSkip: boolean;
  /** Leave incompatible destinations out of the output (they still count). */
  onlyCompatible: boolean;
  limits: LoadLimits;
}

/** What a fleet run decided so far: destinations decided, compatible ones, and the diagnostics of the inputs. */
export interface FleetTally {
  destinations: number;
  compatible: number;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/**
 * Marks a destination type whose attributes are still as the document wrote
 * them. A symbol: no path a policy can write (`$.type.raw`) reads it, no
 * key listing or JSON shows it, so the type looks like any other.
 */
const RAW = Symbol('raw');

interface RawType extends MdevType {
  [RAW]: boolean;
}

/** Per source device: its specialised rules, gates, and the memoised fragments of its output. */
interface SourcePlan {
  source: SourceDevice;
  rules: SpecialisedRules;
  gates: Gate[];
  /** Each gate's index in `gateIds` (the ids of every plan's gates). */
  gateIndex: number[];
  /** Per rule: the check, its destination reader (when its result is a function of the destination value), its memo. */
  checks: { check: EffectiveCheck; reader?: Triple; memo: Map<string, string>; fixes: Map<string, Fix[]>; carriesClaims: boolean; claims: Map<string, Record<string, string | string[]>> }[];
  /** Rule names, for the checks skipped on a placed candidate. */
  names: string[];
  warnings: boolean[];
  /** `{"device":"<uuid>","parent":`: how a candidate and a placement begin. */
  prefix: string;
  /** The merged claims of a placed candidate as JSON, by the destination values its claim checks read. */
  claimsJson: Map<string, string>;
  /** The unknown-type result (a source whose type its parent does not list), as JSON. */
  unknown: string;
  /** A device of this policy counts against its parent's capacity, and under `one` a parent runs a single type. */
  capacity: PlacementDevice['capacity'];
  onePerParent: boolean;
}

const MEMO_LIMIT = 512;
/** No parent runs anything (a host without devices). Never written to. */
const NO_RUNNING: Map<string, Set<string>> = new Map();
const QUOTE_LIMIT = 8192;

/** A key for a destination value that makes a check's result exact (strings, numbers, lists of strings, absence), or undefined. */
function valueKey(v: unknown): string | undefined {
  if (v === undefined) return 'u';
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'number') return `n${v}`;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `a${JSON.stringify(v)}`;
  return undefined;
}

/** What a check's explanation is memoised by: its outcome code and the value it reads, when that value can be a key. */
function memoKey(c: { reader?: Triple }, code: number, host: Host, parent: HostParent, type: MdevType): string | undefined {
  if (!c.reader) return undefined;
  const v = valueKey(c.reader(host, parent, type));
  return v === undefined ? undefined : `${code}${v}`;
}

/** The output a piece holds before it is handed on, when the caller takes it in parts (characters). */
const FLUSH_CHARS = 1 << 20;

export class FleetDecider {
  private readonly plans: SourcePlan[];
  private readonly quoted = new Map<string, string>();
  private readonly fragments = new Map<string, string>();
  private readonly prunedBy = new Map<string, string>();
  private readonly gateIds: string[] = [];
  /** Which gates pruned a candidate of the destination being decided, by index in `gateIds`. */
  private prunedFlags: Uint8Array;
  private out = new Uint8Array(64);
  /** The set of fixes first proposed for a refused destination, by what decides it (one source device: its chosen candidate's failing checks and their destination values); null: none. */
  private readonly fixesMemo = new Map<string, Proposal | null>();
  private readonly quickChecked = { accepted: 0, doubted: 0 };

  constructor(private readonly options: FleetOptions) {
    this.plans = options.sources.map((source) => {
      const pe = source.engine;
      const checks = pe.compiled.rules.map((r) => {
        const check = pe.checks.get(r.name)!;
        // A result is memoised by the destination value when it is a function of it (the source being fixed), and that value is a plain path's (a family's is a map: never a key).
        const destination = isWhenCheck(check) ? undefined : checkOperands(check).destination;
        const pure = !isWhenCheck(check) && matchOf(check).explainReadsFacts !== 'destination' && destination?.fact === 'destination';
        return {
          check,
          ...(pure ? { reader: genericDestinationReader(destination.path) } : {}),
          memo: new Map<string, string>(),
          fixes: new Map<string, Fix[]>(),
          carriesClaims: !isWhenCheck(check) && matchOf(check).carriesClaims === true,
          claims: new Map<string, Record<string, string | string[]>>(),
        };
      });
      const gates = options.prune ? gatesOf(source) : [];
      for (const g of gates) if (!this.gateIds.includes(g.id)) this.gateIds.push(g.id);
      return {
        source,
        rules: specialise(source, options.failOnSkip),
        gates,
        gateIndex: gates.map((g) => this.gateIds.indexOf(g.id)),
        checks,
        names: pe.compiled.rules.map((r) => r.name),
        warnings: pe.warnings,
        prefix: `{"device":${JSON.stringify(source.device.uuid)},"parent":`,
        claimsJson: new Map<string, string>(),
        unknown: JSON.stringify(unknownType(source)),
        capacity: pe.boundedByCapacity ? pe.policy.parentCapacity : undefined,
        onePerParent: pe.boundedByCapacity && pe.policy.parentCapacity === 'one',
      };
    });
    this.prunedFlags = new Uint8Array(this.gateIds.length);
  }

  /** How many hosts the hand-written check accepted, and how many it left to the schema validator. */
  get quickCheckCounts(): { accepted: number; doubted: number } {
    return { ...this.quickChecked };
  }

  /**
   * Every line of a piece of NDJSON, decided; the output lines, as one text —
   * or, with `flush`, handed to it whenever they pass FLUSH_CHARS (a piece of
   * hosts with hundreds of refused candidates each writes tens of megabytes),
   * the rest returned.
   */
  piece(piece: LinesPiece, file: string, tally: FleetTally, flush?: (text: string) => void): string {
    let text = '';
    const limits = this.options.limits;
    forEachLine(piece, file, (entry) => {
      if ('errors' in entry) {
        tally.errors.push(...entry.errors);
        return;
      }
      const raw = entry.text;
      const quick = quickHostLine(entry, piece.bytes, limits);
      if (flush && text.length > FLUSH_CHARS) {
        flush(text);
        text = '';
      }
      if (quick) {
        this.quickChecked.accepted++;
        text += this.rawHost(quick, file, tally);
        return;
      }
      this.quickChecked.doubted++;
      // The library's way, for the exact diagnostics (or a host of a shape the quick check doubts).
      const parsed = parseJsonLine(raw, file, entry.line, limits);
      if (!parsed.ok) {
        tally.errors.push(...parsed.errors);
        return;
      }
      text += this.hostResult(hostFromDocument(parsed.value), tally);
    });
    return text;
  }

  /** A host loaded by the library (a file, a directory entry, a line the quick check doubted), with its diagnostics. */
  hostResult(host: ReturnType<typeof hostFromDocument>, tally: FleetTally): string {
    for (const e of host.errors) (isError(e) ? tally.errors : tally.warnings).push(e);
    for (const w of host.warnings) tally.warnings.push(w);
    return host.value ? this.host(host.value, undefined, tally) : '';
  }

  /** A Host document the quick check accepted: its types wait, raw, until a gate lets them through. */
  private rawHost(doc: WrittenHost, file: string, tally: FleetTally): string {
    const parents: HostParent[] = [];
    const written = doc.spec.parents;
    let onePerParent = false;
    for (const p of this.plans) onePerParent ||= p.onePerParent;
    let running: Map<string, Set<string>> | undefined;
    for (const id in written) {
      const wp = written[id]!;
      const types: RawType[] = [];
      const wt = wp.types;
      if (wt !== undefined) for (const t in wt) types.push({ id: t, attributes: wt[t] as MdevType['attributes'], [RAW]: true });
      parents.push({ id, types, attributes: wp.attributes === undefined ? NO_ATTRIBUTES : presentFacts(wp.attributes) });
      if (onePerParent && wp.devices !== undefined) {
        for (const u in wp.devices) {
          running ??= new Map();
          let set = running.get(id);
          if (!set) running.set(id, (set = new Set()));
          set.add(wp.devices[u]!.type);
        }
      }
    }
    const host: Host = { name: doc.metadata.name, file, facts: doc.spec.host === undefined ? NO_ATTRIBUTES : presentFacts(doc.spec.host), parents, devices: [] };
    return this.host(host, running ?? NO_RUNNING, tally);
  }

  /** One destination: its NDJSON line (empty when left out), with the counts. `running`: the types each parent runs (from `host.devices` when undefined). */
  host(host: Host, running: Map<string, Set<string>> | undefined, tally: FleetTally): string {
    const options = this.options;
    if (host.name === options.sourceName || sameHost(host.name, options.sourceName)) return options.onlyCompatible ? '' : renderNdjsonDestination(sourceAsDestination(host));
    let types = 0;
    for (const p of host.parents) types += p.types.length;
    const tooMany = tooManyCandidates(host, this.plans.length, types);
    if (tooMany) {
      tally.errors.push(tooMany);
      return '';
    }
    tally.destinations++;
    if (running === undefined) {
      running = new Map();
      for (const d of host.devices) running.set(d.parent, (running.get(d.parent) ?? new Set()).add(d.type));
    }
    // Every evaluated candidate: its source plan, parent and type, and its rule outcomes (a slice of `out`).
    const evaluated: Evaluated[] = [];
    const verdictFirst = options.onlyCompatible;
    let used = 0;
    let pruned = 0;
    const prunedBy = this.prunedFlags;
    prunedBy.fill(0);
    const wanted: PlacementDevice[] = [];
    for (const plan of this.plans) {
      const n = plan.rules.count;
      const own: PlacementDevice['options'] = [];
      const others: PlacementDevice['options'] = [];
      for (const parent of host.parents) {
        for (const type of parent.types as RawType[]) {
          const gate = this.failingGate(plan.gates, type);
          if (gate >= 0) {
            pruned++;
            prunedBy[plan.gateIndex[gate]!] = 1;
            continue;
          }
          if (type[RAW]) normalizeType(type);
          // Each candidate's outcome codes take the next `n` bytes of `out` (plans differ in their number of rules).
          const at = used;
          used += n;
          if (this.out.length < used) {
            const grown = new Uint8Array(Math.max(this.out.length * 2, used));
            grown.set(this.out);
            this.out = grown;
          }
          // Verdict first: a run that prints only compatible destinations needs the codes of those alone.
          let compatible: boolean;
          if (verdictFirst) compatible = plan.source.known && plan.rules.verdict(host, parent, type);
          else {
            plan.rules.outcomes(host, parent, type, this.out, at);
            compatible = this.compatible(plan, at);
          }
          evaluated.push({ plan, parent, type, compatible, at });
          if (compatible && !(plan.onePerParent && takenByAnother(running, parent.id, type.id))) {
            const option = { parent: parent.id, type: type.id, available: plan.capacity === undefined ? Infinity : availableOf(type) };
            if (type.id === plan.source.device.type) own.push(option);
            else others.push(option);
          }
        }
      }
      const options = others.length === 0 ? own : own.concat(others);
      wanted.push(plan.capacity !== undefined ? { id: plan.source.device.uuid, options, capacity: plan.capacity } : { id: plan.source.device.uuid, options });
    }
    const placed = wanted.length > 0 ? placeDevices(wanted) : undefined;
    const compatible = placed?.ok === true;
    if (compatible) tally.compatible++;
    if (options.onlyCompatible && !compatible) return '';
    if (verdictFirst) for (const e of evaluated) e.plan.rules.outcomes(host, e.parent, e.type, this.out, e.at);

    // Host names are each met once: quoted, never memoised.
    let line = `{"kind":"DestinationResult","host":${JSON.stringify(host.name)},"compatible":${compatible},"placement":[`;
    let skipped: Set<string> | undefined;
    if (placed?.ok) {
      let first = true;
      for (const plan of this.plans) {
        const o = placed.placed.get(plan.source.device.uuid)!;
        const c = evaluated.find((e) => e.plan === plan && e.parent.id === o.parent && e.type.id === o.type)!;
        // JSON.stringify({ device, parent, type, set }), from fragments.
        line += `${first ? '' : ','}${plan.prefix}${this.quote(c.parent.id)},"type":${this.quote(c.type.id)},"set":${this.claimsJson(plan, host, c.parent, c.type, c.at)}}`;
        first = false;
        for (let i = 0; i < plan.rules.count; i++) if (this.out[c.at + i] === SKIPPED) (skipped ??= new Set()).add(plan.names[i]!);
      }
    }
    line += '],"candidates":[';
    for (let k = 0; k < evaluated.length; k++) {
      const e = evaluated[k]!;
      line += `${k === 0 ? '' : ','}${e.plan.prefix}${this.quote(e.parent.id)},"type":${this.quote(e.type.id)},"compatible":${e.compatible},"checks":[${this.checks(e.plan, host, e.parent, e.type, e.at)}]}`;
    }
    line += ']';
    if (pruned > 0) line += `,"pruned":{"candidates":${pruned},"by":${this.prunedIds(prunedBy)}}`;
    if (host.file !== undefined) line += `,"file":${this.quote(host.file)}`;
    if (placed?.ok) {
      if (skipped !== undefined) {
        const ids = [...skipped];
        line += this.fragment(`s\u0000${ids.join('\u0000')}`, () => `,"skipped":${JSON.stringify(ids)}`);
      }
    } else if (placed) {
      const { reason, code } = placed;
      line += this.fragment(`r\u0000${code}\u0000${reason}`, () => `,"reason":${JSON.stringify(reason)},"reasonCode":${JSON.stringify(code)}`);
      line += this.fixesJson(host, running, evaluated, wanted, code);
    }
    return `${line}}\n`;
  }

  /** A refused destination's fixes as JSON (`,"fixes":[…]`, or nothing): the library's (firstProposal, settleFixes), the first proposal memoised for one source device. */
  private fixesJson(host: Host, running: Map<string, Set<string>>, evaluated: Evaluated[], wanted: PlacementDevice[], code: UnplacedCode): string {
    const devices = this.plans.map((plan, i) => {
      const refused: (RefusedCandidate & { e: Evaluated })[] = [];
      for (const e of evaluated) {
        if (e.plan !== plan || e.compatible) continue;
        let memo: Fix[] | undefined;
        refused.push({
          parent: e.parent.id,
          type: e.type.id,
          failing: this.failing(plan, e.at),
          fixes: () => (memo ??= this.fixes(plan, host, e.parent, e.type, e.at)),
          available: plan.capacity === undefined ? Infinity : availableOf(e.type),
          e,
        });
      }
      const options = wanted[i]!.options;
      const blocked = evaluated.some((e) => e.plan === plan && e.compatible && !options.some((o) => o.parent === e.parent.id && o.type === e.type.id));
      return { source: plan.source, placement: wanted[i]!, ownType: plan.source.device.type, refused, ...(blocked ? { blocked } : {}) } satisfies DeviceForFixes;
    });
    // One device without a candidate (a fleet's usual refusal): the set first proposed is a function of the candidate it
    // borrows from — its failing checks, their destination values, its free instances — when every such value is a memo
    // key. Whether that set admits the VM depends on the rest of the candidate too: it is tried on every destination.
    let key: string | undefined;
    if (devices.length === 1 && code === 'no-candidate' && devices[0]!.blocked !== true) {
      const pick = pickCandidate(devices[0]!.refused, devices[0]!.ownType);
      key = pick && this.failingKey(this.plans[0]!, host, pick.e, pick.available);
    }
    let first = key === undefined ? undefined : this.fixesMemo.get(key);
    if (first === undefined) {
      first = firstProposal(devices, code) ?? null;
      if (key !== undefined && this.fixesMemo.size < MEMO_LIMIT) this.fixesMemo.set(key, first);
    }
    const settled = settleFixes(devices, code, { host, failOnSkip: this.options.failOnSkip, running }, first ?? undefined);
    if (!settled) return '';
    return (settled.json ??= `,"fixes":${JSON.stringify(settled.fixes)}`);
  }

  /** A key for a candidate's failing checks and the destination values they read, with its free instances; undefined when a value is no memo key. */
  private failingKey(plan: SourcePlan, host: Host, e: Evaluated, available: RefusedCandidate['available']): string | undefined {
    const failOnSkip = this.options.failOnSkip;
    // The candidate's parent and type too: a capacity fix names where its instances are needed.
    let key = `${available}|${e.parent.id.length}:${e.parent.id}|${e.type.id.length}:${e.type.id}`;
    for (let i = 0; i < plan.rules.count; i++) {
      const code = this.out[e.at + i]!;
      if (!(code === FAIL || (failOnSkip && code === SKIPPED)) || plan.warnings[i]) continue;
      const reader = plan.checks[i]!.reader;
      const v = reader && valueKey(reader(host, e.parent, e.type));
      if (v === undefined) return undefined;
      // Length-prefixed: no value, whatever it holds, can make two keys alike.
      key += `|${i}:${code}:${v.length}:${v}`;
    }
    return key;
  }

  /** A candidate's failed error-severity checks (finishRun's count: with failOnSkip, skips too; an unknown source type is one more). */
  private failing(plan: SourcePlan, at: number): number {
    const failOnSkip = this.options.failOnSkip;
    let n = plan.source.known ? 0 : 1;
    for (let i = 0; i < plan.rules.count; i++) {
      const code = this.out[at + i]!;
      if ((code === FAIL || (failOnSkip && code === SKIPPED)) && !plan.warnings[i]) n++;
    }
    return n;
  }

  /** The fixes of a candidate's failed error-severity checks, in check order, memoised as its check results are. */
  private fixes(plan: SourcePlan, host: Host, parent: HostParent, type: MdevType, at: number): Fix[] {
    const failOnSkip = this.options.failOnSkip;
    const out: Fix[] = [];
    let facts: Facts | undefined;
    for (let i = 0; i < plan.rules.count; i++) {
      const code = this.out[at + i]!;
      if (!(code === FAIL || (failOnSkip && code === SKIPPED)) || plan.warnings[i]) continue;
      const c = plan.checks[i]!;
      const key = memoKey(c, code, host, parent, type);
      let fixes = key === undefined ? undefined : c.fixes.get(key);
      if (fixes === undefined) {
        const f = (facts ??= { source: plan.source.fact, destination: destinationFact(host, parent, type) });
        fixes = explainCheck(c.check, outcomeOf(plan, i, code, f), f, failOnSkip).fixes ?? [];
        if (key !== undefined && c.fixes.size < MEMO_LIMIT) c.fixes.set(key, fixes);
      }
      out.push(...fixes);
    }
    return out;
  }

  /** The index of the first gate a destination type fails (reading a raw type's one attribute, normalised), or -1. */
  private failingGate(gates: Gate[], type: RawType): number {
    for (let g = 0; g < gates.length; g++) {
      const gate = gates[g]!;
      const a = gate.attribute;
      let value: unknown;
      if (a === '@id') value = type.id;
      else if (Object.hasOwn(type.attributes, a)) value = type[RAW] ? normalizeAttribute(a, type.attributes[a] as string) : type.attributes[a];
      if (!gate.passesValue(value)) return g;
    }
    return -1;
  }

  /** finishRun's verdict from outcome codes: the source type known, no error rule failed (nor, with failOnSkip, skipped). */
  private compatible(plan: SourcePlan, at: number): boolean {
    if (!plan.source.known) return false;
    const out = this.out;
    const failOnSkip = this.options.failOnSkip;
    for (let i = 0; i < plan.rules.count; i++) {
      const code = out[at + i]!;
      if ((code === FAIL || (failOnSkip && code === SKIPPED)) && !plan.warnings[i]) return false;
    }
    return true;
  }

  /** A candidate's reported check results, as JSON, from the memo where the result depends on the destination value alone. */
  private checks(plan: SourcePlan, host: Host, parent: HostParent, type: MdevType, at: number): string {
    const failOnSkip = this.options.failOnSkip;
    const all = this.options.detail === 'all';
    let facts: Facts | undefined;
    let text = '';
    for (let i = 0; i < plan.rules.count; i++) {
      const code = this.out[at + i]!;
      if (!all && (code === PASS || (code === SKIPPED && !failOnSkip))) continue;
      const c = plan.checks[i]!;
      const key = memoKey(c, code, host, parent, type);
      let json = key === undefined ? undefined : c.memo.get(key);
      if (json === undefined) {
        const f = (facts ??= { source: plan.source.fact, destination: destinationFact(host, parent, type) });
        json = JSON.stringify(explainCheck(c.check, outcomeOf(plan, i, code, f), f, failOnSkip).result);
        if (key !== undefined && c.memo.size < MEMO_LIMIT) c.memo.set(key, json);
      }
      text += text === '' ? json : `,${json}`;
    }
    if (!plan.source.known) text += text === '' ? plan.unknown : `,${plan.unknown}`;
    return text;
  }

  /**
   * The claim plan of a placed candidate (claimsOf's) as JSON: what its
   * passing claim-carrying checks carry, merged in check order; each check's
   * claims memoised per destination value, and the merged JSON per the
   * combination of those values.
   */
  private claimsJson(plan: SourcePlan, host: Host, parent: HostParent, type: MdevType, at: number): string {
    let combined = '';
    let exact = true;
    const parts: Record<string, string | string[]>[] = [];
    let facts: Facts | undefined;
    for (let i = 0; i < plan.rules.count; i++) {
      const c = plan.checks[i]!;
      const code = this.out[at + i]!;
      if (!c.carriesClaims || code === FAIL) continue;
      const key = c.reader ? valueKey(c.reader(host, parent, type)) : undefined;
      let claims = key === undefined ? undefined : c.claims.get(key);
      if (claims === undefined) {
        const f = (facts ??= { source: plan.source.fact, destination: destinationFact(host, parent, type) });
        claims = explainCheck(c.check, outcomeOf(plan, i, code, f), f).claims ?? {};
        if (key !== undefined && c.claims.size < MEMO_LIMIT) c.claims.set(key, claims);
      }
      if (key === undefined) exact = false;
      else combined += `${i}\u0000${key}\u0001`;
      parts.push(claims);
    }
    let json = exact ? plan.claimsJson.get(combined) : undefined;
    if (json === undefined) {
      json = JSON.stringify(parts.length === 1 ? parts[0] : Object.assign({}, ...parts));
      if (exact && plan.claimsJson.size < MEMO_LIMIT) plan.claimsJson.set(combined, json);
    }
    return json;
  }

  /** A JSON fragment by a key, made once (bounded). */
  private fragment(key: string, make: () => string): string {
    let f = this.fragments.get(key);
    if (f === undefined) {
      f = make();
      if (this.fragments.size < QUOTE_LIMIT) this.fragments.set(key, f);
    }
    return f;
  }

  private quote(s: string): string {
    let q = this.quoted.get(s);
    if (q === undefined) {
      q = JSON.stringify(s);
      if (this.quoted.size < QUOTE_LIMIT) this.quoted.set(s, q);
    }
    return q;
  }

  /** The sorted ids of the gates flagged, as JSON. */
  private prunedIds(flags: Uint8Array): string {
    let key = '';
    for (let i = 0; i < flags.length; i++) if (flags[i] === 1) key += `${i},`;
    let ids = this.prunedBy.get(key);
    if (ids === undefined) {
      ids = JSON.stringify(this.gateIds.filter((_, i) => flags[i] === 1).sort());
      if (this.prunedBy.size < MEMO_LIMIT) this.prunedBy.set(key, ids);
    }
    return ids;
  }
}

/** An evaluated candidate: its source plan, parent and type, whether it is compatible, and where its outcome codes start in `out`. */
interface Evaluated {
  plan: SourcePlan;
  parent: HostParent;
  type: MdevType;
  compatible: boolean;
  at: number;
}

/** Rule i's outcome from its code, for an explanation (its conditions annotated only if asked). */
function outcomeOf(plan: SourcePlan, i: number, code: number, facts: Facts): LazyOutcome {
  return new LazyOutcome(plan.names[i]!, code !== FAIL, plan.source.engine.compiled.rules[i]!, facts, code === SKIPPED);
}

/** Under `one`, a parent already running another type takes none of this one. */
function takenByAnother(running: Map<string, Set<string>>, parent: string, type: string): boolean {
  const set = running.get(parent);
  if (set === undefined) return false;
  for (const t of set) if (t !== type) return true;
  return false;
}

function availableOf(type: MdevType): number {
  const a = type.attributes.available_instances;
  return typeof a === 'number' ? a : 0;
}

/** Lists as normalised, by their text: a fleet repeats a handful of them. Frozen, as they are shared by every type that writes them. */
const lists = new Map<string, readonly string[]>();
const LISTS_LIMIT = 4096;

/** A raw type's attributes normalised in place (the quick check refused any `__proto__` key), as normalizeHost would build them. */
function normalizeType(type: RawType): void {
  const attrs = type.attributes as Record<string, unknown>;
  for (const k in attrs) {
    const v = attrs[k];
    if (typeof v === 'string' && isListAttribute(k)) {
      let list = lists.get(v);
      if (list === undefined) {
        list = Object.freeze(splitList(v));
        if (lists.size < LISTS_LIMIT) lists.set(v, list);
      }
      attrs[k] = list;
    } else {
      attrs[k] = normalizeAttribute(k, v as string);
    }
  }
  type[RAW] = false;
}
