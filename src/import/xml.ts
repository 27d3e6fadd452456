// XML that the importers read (libvirt node-device XML, `nvidia-smi -q -x`),
// parsed one safe way. A document that declares entities is refused
// outright, so the parser decodes only XML's five predefined ones; an
// external DTD named by a doctype (nvidia-smi's `nvsmi_device_v12.dtd`) is
// never fetched nor read. What fast-xml-parser would refuse by throwing
// (nesting past a depth, elements named `__proto__`, `constructor` or
// `prototype`) is found first, with its line and column, and reported as a
// coded error: a throw would read as a bug. Malformed XML is a `yaml-syntax`
// error (the code of every syntax error) at the validator's line:col.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { diagnostic, failed, ok, type Result } from '../errors.js';
import { lineColAt } from '../json-text.js';

export type XmlNode = Record<string, unknown>;

export interface XmlOptions {
  /** Deepest element nesting accepted. */
  maxDepth: number;
  /** Element names always read as lists (the parser makes a lone element a value, several a list). */
  arrays: readonly string[];
  /** What the input should be, for hints: "node-device XML from virsh". */
  source: string;
}

/** Element names fast-xml-parser refuses by throwing (its guard against prototype pollution). */
const RESERVED_ELEMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const ELEMENT_NAME = /[^\s/>]+/y;

/** The index just past the `>` that ends the markup starting at `from`, skipping quoted values (which may hold `>`) and, in a doctype, its [internal subset]. */
function markupEnd(xml: string, from: number): number {
  let quote = '';
  let brackets = 0;
  for (let k = from + 1; k < xml.length; k++) {
    const c = xml[k]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') brackets++;
    else if (c === ']') brackets--;
    else if (c === '>' && brackets <= 0) return k + 1;
  }
  return xml.length;
}

const past = (xml: string, end: string, from: number) => {
  const k = xml.indexOf(end, from);
  return k < 0 ? xml.length : k + end.length;
};

/**
 * The first element the parser would refuse by throwing, with its offset: one
 * nested deeper than `maxDepth`, or one with a reserved name. Runs on a
 * document the validator accepted (well-formed); comments, CDATA, processing
 * instructions and the doctype are skipped. One pass, no recursion.
 */
function refusedElement(xml: string, maxDepth: number, source: string): { offset: number; code: 'input-too-large' | 'schema-violation'; message: string; hint: string } | undefined {
  let depth = 0;
  for (let i = xml.indexOf('<'); i >= 0; i = xml.indexOf('<', i)) {
    if (xml.startsWith('<!--', i)) i = past(xml, '-->', i + 4);
    else if (xml.startsWith('<![CDATA[', i)) i = past(xml, ']]>', i + 9);
    else if (xml.startsWith('<?', i)) i = past(xml, '?>', i + 2);
    else if (xml.startsWith('<!', i)) i = markupEnd(xml, i);
    else if (xml.startsWith('</', i)) {
      depth--;
      i = markupEnd(xml, i);
    } else {
      ELEMENT_NAME.lastIndex = i + 1;
      const name = ELEMENT_NAME.exec(xml)?.[0] ?? '';
      if (RESERVED_ELEMENTS.has(name)) return { offset: i, code: 'schema-violation', message: `element \`<${name}>\` has a reserved name`, hint: `${source} has no such element` };
      const end = markupEnd(xml, i);
      if (xml[end - 2] !== '/' && ++depth > maxDepth) return { offset: i, code: 'input-too-large', message: `nesting deeper than ${maxDepth} levels`, hint: `${source} is a few levels deep` };
      i = end;
    }
  }
  return undefined;
}

/** The document's root as plain data (attributes under `@name`, text as strings, never numbers), or coded errors with the file's line:col. */
export function parseXml(xml: string, file: string, options: XmlOptions): Result<XmlNode> {
  const at = (offset: number) => ({ file, ...lineColAt(xml, offset) });
  if (/<!ENTITY/i.test(xml)) {
    return failed([diagnostic('schema-violation', 'entity declarations are refused', at(xml.search(/<!ENTITY/i)), { hint: `${options.source} has none; entities could expand without bound` })]);
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return failed([diagnostic('yaml-syntax', `invalid xml: ${valid.err.msg.charAt(0).toLowerCase()}${valid.err.msg.slice(1).replace(/\.$/, '')}`, { file, line: valid.err.line, col: valid.err.col })]);
  }
  const refused = refusedElement(xml, options.maxDepth, options.source);
  if (refused) return failed([diagnostic(refused.code, refused.message, at(refused.offset), { hint: refused.hint })]);
  const arrays = new Set(options.arrays);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    // Only XML's five predefined entities (&amp; …) are decoded: a document declaring its own was refused above.
    processEntities: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name) => arrays.has(name),
  });
  try {
    return ok(parser.parse(xml) as XmlNode);
  } catch (e) {
    // The parser's other refusals (none known past the two above): still the input's fault, never a bug.
    const why = String((e as Error)?.message ?? e).replace(/\.$/, '');
    return failed([diagnostic('schema-violation', `the xml parser refused the document: ${why.charAt(0).toLowerCase()}${why.slice(1)}`, { file })]);
  }
}

/** A lone element or a list of them, as a list. */
export const list = (v: unknown): XmlNode[] => (Array.isArray(v) ? (v as XmlNode[]) : v === undefined ? [] : [v as XmlNode]);

/** An element's text (or an attribute's value), when it is text. */
export const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
