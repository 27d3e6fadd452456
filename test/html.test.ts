// The compatibility matrix as an HTML page (src/matrix/html.ts), first
// without a browser: the page read back as an HTML tokenizer would (every
// `<` starts a known tag, attributes are well formed and none is an event
// handler, a style or a URL), the Content-Security-Policy and the hashes of
// the inline style and script, hostile values from the fixture shown as text
// and intact in the data island, 50 classes as 50 columns, the verdict of
// every cell as a class and a symbol, the colours' contrast. Then in headless
// Chromium (scripts/check-html.mjs --if-available): no console error, no
// request, no sideways scrolling, a click on a refused cell showing its
// failing check, a PNG screenshot — and the check failing on pages that break
// those rules. Without Chromium the browser tests say so and pass.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderMatrixHtml } from '../src/matrix/html.js';
import type { CompatibilityMatrix } from '../src/matrix/types.js';
import { forTerminal } from '../src/terminal.js';
import { fleetMatrix } from './fixtures/matrix-html/generate.js';
import { ROOT } from './helpers.js';

const fixture = (name: string) => JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/matrix-html', name), 'utf8')) as CompatibilityMatrix;
const REALISTIC = fixture('realistic.json');
const HOSTILE = fixture('hostile.json');
const FLEET = fleetMatrix(50);
/** The shipped example fleet's matrix: its types are offered by some classes only (cells `·`). */
const SHIPPED = JSON.parse(spawnSync(process.execPath, [path.join(ROOT, 'bin/run.js'), 'matrix', 'examples/fleet-matrix.ndjson', '--format', 'json'], { cwd: ROOT, encoding: 'utf8' }).stdout) as CompatibilityMatrix;
/** A refused pair whose destination class offers the type nowhere (no check failed). */
const offersNone = (p: CompatibilityMatrix['relation'][number]) => !p.compatible && p.reasonCode === 'no-candidate' && p.failing === undefined;

interface Tag {
  name: string;
  closing: boolean;
  attributes: Record<string, string>;
}

interface Page {
  tags: Tag[];
  /** The text between tags, entities decoded. */
  text: string;
  /** Raw text of each <style> and <script> element, with the attributes of its opening tag. */
  raw: { name: string; attributes: Record<string, string>; content: string }[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ENTITIES[e]!);

const ELEMENTS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'header', 'h1', 'h2', 'h3', 'h4', 'dl', 'div', 'dt', 'dd', 'code', 'time', 'ul', 'ol', 'li', 'span', 'label', 'select', 'option', 'main', 'section', 'p', 'table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td', 'button', 'small', 'aside', 'noscript', 'details', 'summary', 'strong', 'footer', 'script']);
const VOID = new Set(['meta']);
const ATTRIBUTES = new Set(['lang', 'charset', 'http-equiv', 'name', 'content', 'class', 'id', 'title', 'hidden', 'for', 'value', 'selected', 'data-t', 'data-p', 'aria-label', 'aria-labelledby', 'aria-hidden', 'aria-live', 'scope', 'type', 'datetime', 'open']);

/**
 * The page as an HTML tokenizer reads it: raw-text elements (style, script) end at the first `</name`, as in the
 * parser, so a value that broke out of the data island would show here as another element. Fails on any `<` that
 * does not start a well-formed tag, on an unknown element or attribute, on a stray `>` or bare `&` in text.
 */
function tokenize(html: string): Page {
  const page: Page = { tags: [], text: '', raw: [] };
  let rest = html.replace(/^<!doctype html>\n/i, '');
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt < 0 ? rest : rest.slice(0, lt);
    assert.not.match(text, />/, `a raw \`>\` in text: ${text.slice(0, 80)}`);
    assert.not.match(text.replace(/&(amp|lt|gt|quot|#39);/g, ''), /&/, `a bare \`&\` in text: ${text.slice(0, 80)}`);
    page.text += decode(text);
    if (lt < 0) break;
    rest = rest.slice(lt);
    const m = /^<(\/?)([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*(?:="[^"<>]*")?)*)\s*>/.exec(rest);
    assert.ok(m, `\`<\` that starts no well-formed tag: ${rest.slice(0, 80)}`);
    const [whole, slash, name, attrText] = m as unknown as [string, string, string, string];
    assert.ok(ELEMENTS.has(name), `element <${name}>`);
    const attributes: Record<string, string> = {};
    for (const a of attrText.matchAll(/([a-z][a-z0-9-]*)(?:="([^"]*)")?/g)) {
      assert.ok(ATTRIBUTES.has(a[1]!), `attribute ${a[1]} on <${name}>`);
      assert.not.ok(a[1]! in attributes, `attribute ${a[1]} twice on <${name}>`);
      attributes[a[1]!] = decode(a[2] ?? '');
    }
    page.tags.push({ name, closing: slash === '/', attributes });
    rest = rest.slice(whole.length);
    if (!slash && (name === 'style' || name === 'script')) {
      const end = rest.search(new RegExp(`</${name}`, 'i'));
      assert.ok(end >= 0, `<${name}> is closed`);
      page.raw.push({ name, attributes, content: rest.slice(0, end) });
      rest = rest.slice(end);
    }
  }
  // Balanced: every element but the void ones closes, in order.
  const open: string[] = [];
  for (const t of page.tags) {
    if (VOID.has(t.name)) continue;
    if (!t.closing) open.push(t.name);
    else assert.is(open.pop(), t.name, `</${t.name}> closes what is open`);
  }
  assert.equal(open, [], 'every element is closed');
  return page;
}

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const cspOf = (page: Page) => page.tags.find((t) => t.name === 'meta' && t.attributes['http-equiv'] === 'Content-Security-Policy')?.attributes.content;
const island = (page: Page) => JSON.parse(page.raw.find((r) => r.attributes.type === 'application/json')!.content) as { pairs: CompatibilityMatrix['relation']; classes: { id: string; members: string[] }[] };

/** Cells of one type's table, row by row: [class, button attributes] per cell. */
function tables(page: Page): { heads: number; rows: { cls: string; button: Record<string, string> }[][]; tall: boolean }[] {
  const out: ReturnType<typeof tables> = [];
  let table: (typeof out)[number] | undefined;
  let inHead = false;
  let cell: string | undefined;
  for (const t of page.tags) {
    if (t.name === 'table' && !t.closing && t.attributes.class?.split(' ').includes('matrix')) out.push((table = { heads: 0, rows: [], tall: t.attributes.class.includes('tall') }));
    else if (t.name === 'table' && t.closing) table = undefined;
    else if (!table) continue;
    else if (t.name === 'thead') inHead = !t.closing;
    else if (t.name === 'th' && !t.closing && inHead) table.heads++;
    else if (t.name === 'tr' && !t.closing && !inHead) table.rows.push([]);
    else if (t.name === 'td' && !t.closing) cell = t.attributes.class;
    else if (t.name === 'button' && !t.closing) table.rows.at(-1)!.push({ cls: cell!, button: t.attributes });
  }
  return out;
}

test('structure: a well-formed page of known elements and attributes, no URL, no handler, no style attribute', () => {
  const empty: CompatibilityMatrix = { ...REALISTIC, hosts: 0, errors: [], classes: [], types: [], relation: [] };
  for (const [name, m] of [['realistic', REALISTIC], ['hostile', HOSTILE], ['50 classes', FLEET], ['empty', empty]] as const) {
    const html = renderMatrixHtml(m);
    assert.ok(html.startsWith('<!doctype html>\n<html lang="en">'), name);
    const page = tokenize(html);
    for (const t of page.tags) {
      for (const [a, v] of Object.entries(t.attributes)) {
        assert.not.match(a, /^on|^style$|^src|^href$|^action$/, `${name}: attribute ${a}`);
        assert.not.match(v, /^\s*(javascript|data|https?|file):/i, `${name}: ${a}="${v}" is no URL`);
      }
    }
    // The only links are to the page's own class sections, made by the script (no <a> is written); no URL in the CSS.
    assert.not.ok(page.tags.some((t) => t.name === 'a' || t.name === 'link' || t.name === 'img' || t.name === 'iframe'), name);
    const style = page.raw.filter((r) => r.name === 'style');
    assert.is(style.length, 1, name);
    assert.not.match(style[0]!.content, /url\(|@import|https?:|\/\//i, `${name}: the stylesheet loads nothing`);
    const scripts = page.raw.filter((r) => r.name === 'script');
    assert.equal(scripts.map((s) => s.attributes.type ?? 'code'), ['application/json', 'code'], `${name}: the data island and the code, nothing else`);
    assert.not.match(scripts[1]!.content, /https?:|fetch\(|XMLHttpRequest|innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|setAttribute\('on/, `${name}: the script loads nothing and writes no markup`);
    assert.is(renderMatrixHtml(m), html, `${name}: the same document, the same page`);
  }
});

test('CSP: a meta forbidding every fetch and admitting only this style and this script by hash, before both', () => {
  const html = renderMatrixHtml(REALISTIC);
  const page = tokenize(html);
  const csp = cspOf(page);
  assert.ok(csp, 'a CSP meta');
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
  assert.equal(directives['default-src'], ["'none'"]);
  assert.equal(directives['style-src'], [hash(page.raw.find((r) => r.name === 'style')!.content)]);
  assert.equal(directives['script-src'], [hash(page.raw.find((r) => r.name === 'script' && !r.attributes.type)!.content)]);
  assert.equal(directives['base-uri'], ["'none'"]);
  assert.equal(directives['form-action'], ["'none'"]);
  assert.not.match(csp, /unsafe|\*|https?:|data:|blob:/);
  // The policy applies to what follows it: the meta comes before the style and the scripts.
  const order = page.tags.filter((t) => !t.closing).map((t) => (t.name === 'meta' && t.attributes['http-equiv'] ? 'csp' : t.name));
  assert.ok(order.indexOf('csp') < order.indexOf('style') && order.indexOf('csp') < order.indexOf('script'));
  assert.is(order.indexOf('meta'), 2, 'charset is the first meta');
  // node:crypto is required, not imported (the CLI bundle runs the library as a vm script).
  const source = readFileSync(path.join(ROOT, 'src/matrix/html.ts'), 'utf8');
  assert.not.match(source, /(?<!typeof )\bimport\s*\(/, 'no dynamic import() in src/matrix/html.ts');
  assert.match(source, /createRequire\(import\.meta\.url\)\('node:crypto'\)/);
});

test('hostile values: shown as text, never markup; intact in the data island; bidi and control characters made visible', () => {
  const html = renderMatrixHtml(HOSTILE);
  // The markup (the island aside: in JSON a `"` is `\"`, below).
  const markup = html.replace(/(<script type="application\/json" id="matrix-data">)[^<]*/, '$1');
  for (const raw of ['<script>alert(1)</script>', '"onmouseover=', '</script><script>alert(2)', ']]><!--', '<!--', 'host\u202e', '\u001b']) assert.not.ok(markup.includes(raw), `\`${JSON.stringify(raw)}\` is not in the page raw`);
  const page = tokenize(html);
  // Shown: the header, the type names, the class ids and members, the facts, the errors — as text.
  for (const shown of ['vfio-mdev<script>alert(1)</script>@1.0.0"onmouseover="alert(1)', 'sha256:"onmouseover="alert(1)</script><script>alert(2)</script>', 'i915-GVTg_V5_4"onmouseover="alert(1)', 'mtty-2<script>alert(1)</script>', 'host-a<script>alert(1)</script>', 'host-b"onmouseover="alert(1)', 'host-d]]><!--', 'https://evil.example/x.png', 'kernel<script>alert(1)</script>', '6.8</script><script>alert(2)</script>', 'v]]><!--', 'bad value <script>alert(1)</script>', 'fleet/</script><script>alert(2)</script>.yaml', 'host\\u202egpj.exe\\x1b[2J', '0.1.0"onmouseover="alert(1)', 'strict]]><!--']) {
    assert.ok(page.text.includes(shown), `the page shows ${shown}`);
  }
  const titles = page.tags.flatMap((t) => Object.values(t.attributes)).join('\n');
  assert.ok(titles.includes('C1"onmouseover="alert(1) · 2 hosts: host-a<script>alert(1)</script>, host-b"onmouseover="alert(1)'), 'a header tooltip names the members, as an attribute value');
  // The island parses, and holds what the document held (made terminal-safe, as everything the page shows).
  const data = island(page);
  assert.equal(data.pairs, forTerminal(HOSTILE.relation));
  assert.ok(data.pairs[1]!.failing![0]!.check === 'software-version</script><script>alert(2)</script>');
  assert.equal(data.classes.map((c) => c.id), ['C1"onmouseover="alert(1)', 'C2<script>alert(1)</script>', 'C3']);
  assert.is(data.classes[1]!.members[0], 'host\\u202egpj.exe\\x1b[2J');
  // The island's text has no `<` at all (nor `>`, `&`): it cannot end the element or open a comment.
  assert.not.match(page.raw.find((r) => r.attributes.type === 'application/json')!.content, /[<>&\u2028\u2029\u202e]/);
  assert.not.ok(page.raw.some((r) => r.content.includes('\u001b')), 'no ESC');
});

test('cells: one per (from, to) of each type, its verdict as a class, a symbol and a label; the counts of the document', () => {
  let notOffered = 0;
  for (const m of [REALISTIC, HOSTILE, FLEET, SHIPPED]) {
    const page = tokenize(renderMatrixHtml(m));
    const found = tables(page);
    assert.is(found.length, m.types.length, 'a table per type');
    const data = island(page);
    const symbols: Record<string, string> = { 'v-ok': '✓', 'v-skip': '⚠\uFE0E', 'v-no': '✗', 'v-none': '·', 'v-na': '–' };
    found.forEach((table, t) => {
      const type = m.types[t]!;
      const pairs = m.relation.filter((p) => p.type === type);
      assert.is(table.heads, m.classes.length + 1, `${type}: a column per class`);
      assert.is(table.rows.length, new Set(pairs.map((p) => p.from)).size, `${type}: a row per class it is a source in`);
      const cells = table.rows.flat();
      for (const row of table.rows) assert.is(row.length, m.classes.length);
      const count = (cls: string) => cells.filter((c) => c.cls === cls).length;
      assert.is(count('v-no'), pairs.filter((p) => !p.compatible && !offersNone(p)).length, `${type}: refused`);
      assert.is(count('v-none'), pairs.filter(offersNone).length, `${type}: not offered`);
      notOffered += count('v-none');
      assert.is(count('v-skip'), pairs.filter((p) => p.compatible && p.skipped?.length).length, `${type}: compatible, not all verified`);
      assert.is(count('v-ok'), pairs.filter((p) => p.compatible && !p.skipped?.length).length, `${type}: compatible`);
      assert.is(count('v-na'), table.rows.length * m.classes.length - pairs.length, `${type}: not applicable`);
      for (const c of cells) {
        assert.ok(c.cls in symbols, c.cls);
        const pair = c.button['data-p'] === undefined ? undefined : data.pairs[Number(c.button['data-p'])];
        if (pair) assert.is(pair.type, forTerminal(type));
        assert.is(c.cls === 'v-na', pair === undefined);
        assert.match(c.button['aria-label']!, / to .*: (compatible|refused|does not offer it|not applicable)/);
      }
    });
  }
  assert.ok(notOffered > 0, 'some cells say the destination does not offer the type');
  // The symbols themselves are in the cells, and the legend names every verdict.
  const html = renderMatrixHtml(REALISTIC);
  for (const [cls, symbol] of [['v-ok', '✓'], ['v-no', '✗'], ['v-na', '–'], ['v-skip', '⚠\uFE0E']]) assert.ok(html.includes(`<td class="${cls}"><button type="button"`) && new RegExp(`<td class="${cls}"><button [^>]*>${symbol}</button>`).test(html), cls);
  const legend = /<ul class="legend"[^>]*>(.*?)<\/ul>/.exec(html)![1]!;
  for (const words of ['compatible', 'refused', 'not applicable', 'not verified']) assert.ok(legend.includes(words), `legend: ${words}`);
});

test('50 classes: 50 short column ids, written vertically, the members in each header tooltip and in a collapsible list', () => {
  const page = tokenize(renderMatrixHtml(FLEET));
  const heads = page.tags.filter((t) => t.name === 'th' && t.attributes.scope === 'col' && t.attributes.title);
  assert.is(heads.length, 50 * FLEET.types.length);
  assert.equal(heads.slice(0, 50).map((h) => h.attributes.title!.split(' ')[0]), FLEET.classes.map((c) => c.id));
  assert.ok(heads[0]!.attributes.title!.includes(FLEET.classes[0]!.members[0]!));
  assert.ok(tables(page).every((t) => t.tall));
  assert.is(page.tags.filter((t) => t.name === 'details' && t.attributes.class === 'class' && !t.closing).length, 50, 'a <details> per class');
  for (const c of FLEET.classes) for (const h of c.members) assert.ok(page.text.includes(h));
  const style = page.raw.find((r) => r.name === 'style')!.content;
  assert.match(style, /table\.matrix\{[^}]*table-layout:fixed;width:100%;max-width:calc\(5rem \+ 50 \* 2\.4rem\)/, 'the table shares the width, no wider than 2.4rem a column');
  // The header: policy, digest, time, tool.
  for (const s of ['vfio-mdev@1.0.0', 'intel-gvt-g@1.0.0', FLEET.policy.digest, FLEET.time, 'mdev-policy 0.1.0', FLEET.id]) assert.ok(page.text.includes(s), s);
});

/** WCAG contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

test('colours: each verdict symbol on its background at WCAG AA contrast (4.5:1) at least', () => {
  const style = tokenize(renderMatrixHtml(REALISTIC)).raw.find((r) => r.name === 'style')!.content;
  for (const v of ['ok', 'skip', 'no', 'na']) {
    const colour = (part: string) => new RegExp(`--${v}-${part}:(#[0-9a-f]{6})`).exec(style)![1]!;
    const ratio = contrast(colour('fg'), colour('bg'));
    assert.ok(ratio >= 4.5, `${v}: ${ratio.toFixed(2)}:1`);
  }
  // And the backgrounds differ from each other: colour helps, the symbol decides.
  const backgrounds = ['ok', 'skip', 'no', 'na'].map((v) => new RegExp(`--${v}-bg:(#[0-9a-f]{6})`).exec(style)![1]);
  assert.is(new Set(backgrounds).size, 4);
});

// The browser: scripts/check-html.mjs, which finds Chromium in $CHROMIUM or on the usual paths.
const CHECK = path.join(ROOT, 'scripts/check-html.mjs');
const chromium = process.env.CHROMIUM ? existsSync(process.env.CHROMIUM) : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'].some((p) => existsSync(p));
const checkHtml = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [CHECK, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 120_000 });

test('check-html: without Chromium, skipped with --if-available (exit 0), an error without it (exit 1)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mdev-html-'));
  try {
    const page = path.join(dir, 'matrix.html');
    writeFileSync(page, renderMatrixHtml(REALISTIC));
    const env = { ...process.env, CHROMIUM: path.join(dir, 'no-such-chromium') };
    const skipped = checkHtml(['--if-available', page, path.join(dir, 'shot.png')], env);
    assert.is(skipped.status, 0, skipped.stderr);
    assert.match(skipped.stdout, /chromium not installed: skipped \(install with apt-get install chromium\)/);
    const refused = checkHtml([page, path.join(dir, 'shot.png')], env);
    assert.is(refused.status, 1);
    assert.match(refused.stderr, /no-such-chromium/);
    assert.is(checkHtml([page]).status, 2, 'usage');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('in Chromium: no console error, no request, no sideways scrolling at 1366–1920 px, a click on a refused cell shows its failing check; a PNG', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mdev-html-'));
  try {
    for (const [name, m, size] of [['realistic', REALISTIC, ['--width', '1600', '--height', '1000']], ['hostile', HOSTILE, []], ['fleet-50', FLEET, ['--width', '1366', '--height', '768']]] as const) {
      const page = path.join(dir, `${name}.html`);
      const shot = path.join(dir, `${name}.png`);
      writeFileSync(page, renderMatrixHtml(m));
      const r = checkHtml(['--if-available', ...size, page, shot]);
      assert.is(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
      if (!chromium) {
        assert.match(r.stdout, /chromium not installed: skipped/);
        console.log(`  (${name}: ${r.stdout.trim()})`);
        continue;
      }
      assert.match(r.stdout, /clicked .* refused: the panel names `/, name);
      const png = readFileSync(shot);
      assert.ok(png.length > 1000, `${name}: a PNG of ${png.length} bytes`);
      assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${name}: the PNG signature`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the page `matrix --format html` writes for the shipped example fleet passes the same browser check (as docs/matrix-report.png shows it)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mdev-html-'));
  try {
    const made = spawnSync(process.execPath, ['bin/run.js', 'matrix', 'examples/fleet-matrix.ndjson', '--format', 'html'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.is(made.status, 0, made.stderr);
    assert.match(made.stdout, /^<!DOCTYPE html>/i);
    assert.match(made.stdout, /http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
    const page = path.join(dir, 'fleet.html');
    writeFileSync(page, made.stdout);
    const r = checkHtml(['--if-available', page, path.join(dir, 'fleet.png')]);
    assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
    if (chromium) assert.match(r.stdout, /clicked .* refused: the panel names `/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('in Chromium: the check fails on a page that fetches, runs an unhashed script, throws, or whose cells do nothing', () => {
  if (!chromium) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mdev-html-'));
  try {
    const good = renderMatrixHtml(REALISTIC);
    const broken: [string, string, RegExp][] = [
      ['fetches', good.replace('<footer>', '<img src="https://example.invalid/x.png"><footer>'), /network request: https:\/\/example\.invalid\/x\.png/],
      ['an unhashed script', good.replace('<footer>', '<script>document.title = "x"</script><footer>'), /Content Security Policy/],
      ['throws', good.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('<footer>', '<script>throw new Error("bang")</script><footer>'), /uncaught: Error: bang/],
      ['cells that do nothing', good.replace(/<script>[^<]*<\/script>\n<\/body>/, '</body>'), /the panel lists no failing check/],
    ];
    for (const [name, html, message] of broken) {
      assert.is.not(html, good, `${name}: the page was changed`);
      const page = path.join(dir, 'broken.html');
      writeFileSync(page, html);
      const r = checkHtml([page, path.join(dir, 'broken.png')]);
      assert.is(r.status, 1, `${name}: ${r.stdout}`);
      assert.match(r.stderr, message, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
