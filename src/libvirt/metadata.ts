// Source facts that travel with the VM: the part of the source Host the
// checks read for the VM's devices (the host's facts; each device's parent
// with its facts and the device's type with every attribute; the devices
// with their attributes) written into the domain XML's `<metadata>` under
// the project's own namespace. libvirt keeps custom metadata with the domain
// and sends it along when the VM migrates, so the destination reads the
// source's facts back from the XML it receives.
//
// The facts are a Host document, as JSON, in the element's text: every
// non-ASCII character \u-escaped and XML's metacharacters escaped, so no
// whitespace rule, encoding or serializer on the way can change a value.
// Read back, it is validated and normalised like any Host document: the
// round trip is lossless for everything the checks read.

import { diagnostic, failed, ok, type Diagnostic, type Result } from '../errors.js';
import { DEFAULT_LIMITS, parseJsonDocument, type LoadLimits } from '../load.js';
import { hostFromDocument } from '../inputs.js';
import { API_VERSION, type Host, type WrittenHost } from '../types.js';
import { lineColAt } from '../json-text.js';
import { attribute, children, escapeXml, indentationOf, textOf, type Domain, type TextEdit, type XmlElement } from './domain.js';

/** The namespace of mdev-policy's metadata element (libvirt requires one per custom element). */
export const METADATA_NAMESPACE = 'urn:mdev-policy:source:1';
export const METADATA_PREFIX = 'mdev-policy';
const LOCAL_NAME = 'source';

/** The part of a host the checks read for some of its devices, as a Host document. */
export function hostSubset(host: Host, uuids: readonly string[]): WrittenHost {
  const parents: WrittenHost['spec']['parents'] = {};
  for (const uuid of uuids) {
    const device = host.devices.find((d) => d.uuid === uuid);
    if (!device) continue;
    const parent = host.parents.find((p) => p.id === device.parent);
    const entry = (parents[device.parent] ??= {});
    if (parent && Object.keys(parent.attributes).length > 0) entry.attributes = { ...parent.attributes };
    const type = parent?.types.find((t) => t.id === device.type);
    if (type) (entry.types ??= {})[type.id] = { ...type.attributes };
    (entry.devices ??= {})[device.uuid] = { type: device.type, ...(Object.keys(device.attributes).length > 0 ? { attributes: { ...device.attributes } } : {}) };
  }
  return {
    apiVersion: API_VERSION,
    kind: 'Host',
    metadata: { name: host.name },
    spec: { ...(Object.keys(host.facts).length > 0 ? { host: { ...host.facts } } : {}), parents },
  };
}

/** JSON that is ASCII only, with nothing XML would read as markup. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[&<>]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface MetadataInfo {
  /** When the facts were written. */
  time: string;
  /** `mdev-policy <version>`. */
  tool: string;
}

/** The metadata element holding a host's facts for the VM's devices. */
export function metadataElement(facts: WrittenHost, info: MetadataInfo): string {
  return `<${METADATA_PREFIX}:${LOCAL_NAME} xmlns:${METADATA_PREFIX}="${METADATA_NAMESPACE}" host="${escapeXml(facts.metadata.name)}" written="${escapeXml(info.time)}" by="${escapeXml(info.tool)}">${asciiJson(facts)}</${METADATA_PREFIX}:${LOCAL_NAME}>`;
}

/** The namespace an element is in: declared on itself (as libvirt writes each metadata element), else on the nearest of its ancestors that declares it. */
function namespaceOf(e: XmlElement, ancestors: readonly XmlElement[]): string | undefined {
  const colon = e.name.indexOf(':');
  const declared = colon < 0 ? 'xmlns' : `xmlns:${e.name.slice(0, colon)}`;
  for (const x of [e, ...ancestors]) {
    const a = attribute(x, declared);
    if (a) return a.value;
  }
  return undefined;
}

/** The domain's `<metadata>` and mdev-policy's elements inside it (libvirt keeps the first), when there are. */
export function findMetadata(domain: Domain): { metadata?: XmlElement; ours: XmlElement[] } {
  const metadata = children(domain.root, 'metadata')[0];
  if (!metadata) return { ours: [] };
  return { metadata, ours: metadata.children.filter((e) => namespaceOf(e, [metadata, domain.root]) === METADATA_NAMESPACE) };
}

/**
 * The source host's facts the domain carries, or undefined when it carries
 * none; errors (at the element's line:col) when they are not a valid Host.
 */
export function readSourceFacts(domain: Domain, limits: LoadLimits): Result<Host | undefined> {
  const { ours } = findMetadata(domain);
  if (ours.length === 0) return ok(undefined);
  const at = (e: XmlElement) => ({ file: domain.file, ...lineColAt(domain.text, e.start) });
  if (ours.length > 1) return failed([diagnostic('schema-violation', `the domain holds ${ours.length} mdev-policy metadata elements: one is read, so none is`, at(ours[1]!))]);
  const element = ours[0]!;
  const local = element.name.slice(element.name.indexOf(':') + 1);
  if (local !== LOCAL_NAME || element.children.length > 0) {
    return failed([diagnostic('schema-violation', `the mdev-policy metadata element is \`<${element.name}>\` with ${element.children.length} child elements, not \`<${METADATA_PREFIX}:${LOCAL_NAME}>\` holding a Host`, at(element))]);
  }
  const json = textOf(domain.text, element);
  const doc = parseJsonDocument(json, domain.file, limits);
  // Positions inside the JSON mean nothing to a reader of the domain XML: every problem is reported at the element.
  const moved = (ds: readonly Diagnostic[]): Diagnostic[] =>
    ds.map((d) => ({ ...d, file: domain.file, ...lineColAt(domain.text, element.start), message: `mdev-policy metadata: ${d.message}` }));
  if (!doc.ok) return failed(moved(doc.errors));
  const host = hostFromDocument(doc.value);
  if (!host.ok) return failed(moved(host.errors));
  return { ok: true, value: host.value, errors: [], warnings: moved(host.warnings) };
}

/**
 * The edits that put `element` in the domain's metadata: in place of
 * mdev-policy's element (any further one removed, with its line), else inside
 * `<metadata>`, else in a new `<metadata>`.
 */
export function metadataEdits(domain: Domain, element: string): TextEdit[] {
  const { ours } = findMetadata(domain);
  const text = domain.text;
  const removals = ours.slice(1).map((e): TextEdit => {
    const indent = indentationOf(text, e.start);
    const ownLine = text.lastIndexOf('\n', e.start - 1) + 1 === e.start - indent.length && (text[e.end] === '\n' || e.end === text.length);
    return ownLine ? { start: e.start - indent.length, end: Math.min(e.end + 1, text.length), text: '' } : { start: e.start, end: e.end, text: '' };
  });
  return [metadataEdit(domain, element), ...removals];
}

function metadataEdit(domain: Domain, element: string): TextEdit {
  const { metadata, ours } = findMetadata(domain);
  const text = domain.text;
  const root = domain.root;
  const step = (() => {
    const first = root.children[0];
    const outer = indentationOf(text, root.start);
    const inner = first ? indentationOf(text, first.start) : '';
    return inner.length > outer.length ? inner.slice(outer.length) : '  ';
  })();
  if (ours[0]) return { start: ours[0].start, end: ours[0].end, text: element };
  if (metadata) {
    const indent = indentationOf(text, metadata.start);
    if (metadata.selfClosing) return { start: metadata.start, end: metadata.end, text: `<metadata>\n${indent}${step}${element}\n${indent}</metadata>` };
    // Before `</metadata>`: on a line of its own, one step deeper than `<metadata>`, when `</metadata>` starts its line.
    const closeIndent = indentationOf(text, metadata.closeStart);
    const ownLine = text.lastIndexOf('\n', metadata.closeStart - 1) + 1 === metadata.closeStart - closeIndent.length;
    if (ownLine) {
      const lineStart = metadata.closeStart - closeIndent.length;
      return { start: lineStart, end: lineStart, text: `${indent}${step}${element}\n` };
    }
    return { start: metadata.closeStart, end: metadata.closeStart, text: element };
  }
  // A new <metadata> after the elements libvirt writes before it (name, uuid, genid, title, description), else first.
  const before = [...root.children].reverse().find((c) => ['name', 'uuid', 'genid', 'title', 'description'].includes(c.name));
  const indent = before ? indentationOf(text, before.start) : indentationOf(text, root.start) + step;
  const at = before ? before.end : root.openEnd;
  return { start: at, end: at, text: `\n${indent}<metadata>\n${indent}${step}${element}\n${indent}</metadata>` };
}

/** The source host a loaded domain carries in its metadata, as a loaded host: an error when it carries none. */
export function sourceFromMetadata(domain: Result<Domain> | undefined, limits: LoadLimits = DEFAULT_LIMITS): Result<Host> {
  if (!domain) return failed([diagnostic('usage', 'no source host: give --source')]);
  if (!domain.ok) return failed([]);
  const facts = readSourceFacts(domain.value, limits);
  if (!facts.ok) return failed(facts.errors);
  if (!facts.value) {
    return failed([
      diagnostic('missing-metadata', "the domain carries no mdev-policy metadata (the source host's facts), and no --source was given", { file: domain.value.file, ...lineColAt(domain.value.text, domain.value.root.start) }, {
        hint: 'give the source host with --source, or annotate the domain on it: `mdev-policy annotate --domain vm.xml --source host.yaml`',
      }),
    ]);
  }
  return { ...facts, value: facts.value };
}
