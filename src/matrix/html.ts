// The compatibility matrix as one HTML page (`matrix --format html`, issue 17
// §3): for each mdev type a table, classes as rows (from) and columns (to),
// each cell a verdict shown by colour and by a symbol; a click on a cell fills
// a side panel with the pair's failing checks and fixes; the classes' members
// and facts below, in collapsible sections. Pure string building, no I/O.
//
// The page is self-contained and must stay so: no URL of any kind is written,
// and a Content-Security-Policy meta forbids every fetch (default-src 'none')
// and admits only this file's own <style> and <script>, by their sha256. The
// script reads the pairs from a JSON data island and builds the panel with
// textContent only (never innerHTML), so no value becomes markup there either.
//
// Every value of the document is hostile (host names, check messages, fact
// values are written by whoever produced the inventory). The document is first
// made terminal-safe as a whole (forTerminal: control, bidi and zero-width
// characters become visible escapes, so a host name cannot reorder or hide
// the text around it), then each value is HTML-escaped where it is written;
// in the data island `<`, `>`, `&` and U+2028/9 are \u escapes, so no
// `</script>` or `<!--` in a value can end the island.

import { createRequire } from 'node:module';
import { forTerminal } from '../terminal.js';
import type { ClassPair, CompatibilityMatrix, HostClass } from './types.js';

type Verdict = 'ok' | 'skip' | 'no' | 'none' | 'na';

/** Each verdict's symbol and words: the legend, the cells' labels and the panel all use these. */
const VERDICTS: Record<Verdict, { symbol: string; label: string }> = {
  ok: { symbol: '✓', label: 'compatible' },
  skip: { symbol: '⚠\uFE0E', label: 'compatible, some checks not verified (absent on both sides)' },
  no: { symbol: '✗', label: 'refused' },
  none: { symbol: '·', label: "does not offer it (no host of the column's class offers the type)" },
  na: { symbol: '–', label: 'not applicable (a class of one host: a VM does not move to its own host)' },
};

/** Members named in a header's tooltip and in the panel; the Classes section lists them all. */
const MEMBERS_SHOWN = 12;

/** Above this many classes the column headers are written vertically. */
const UPRIGHT_HEADERS_MAX = 12;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element's content or a double-quoted attribute value. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A fact value as text: strings as they are, anything else as JSON. */
function shown(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
}

/** JSON for a <script type="application/json"> island: nothing in it can end the element or open a comment. */
function jsonIsland(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function verdictOf(pair: ClassPair | undefined): Verdict {
  if (!pair) return 'na';
  // Refused with no check failing: no host of the destination class offers the type (the text report's `·`).
  if (!pair.compatible) return pair.reasonCode === 'no-candidate' && pair.failing === undefined ? 'none' : 'no';
  return pair.skipped && pair.skipped.length > 0 ? 'skip' : 'ok';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function membersText(c: HostClass): string {
  const named = c.members.slice(0, MEMBERS_SHOWN).join(', ');
  const more = c.members.length > MEMBERS_SHOWN ? ` … and ${c.members.length - MEMBERS_SHOWN} more` : '';
  return `${c.id} · ${plural(c.size, 'host')}: ${named}${more}`;
}

/** The stylesheet; `columns` (the number of classes) caps the table's width so few classes do not make huge cells. */
function styles(columns: number): string {
  return `
:root{color-scheme:light;--ok-bg:#cdebd3;--ok-fg:#0a4d1c;--skip-bg:#fbe7a1;--skip-fg:#573b00;--no-bg:#f8cfcb;--no-fg:#7a0d0d;--na-bg:#e4e4e4;--na-fg:#404040}
*{box-sizing:border-box}
body{margin:0;padding:.75rem 1rem 2rem;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif;color:#1b1b1b;background:#fff}
h1{font-size:1.3rem;margin:0 0 .35rem}
h2{font-size:1.05rem;margin:1rem 0 .35rem}
h3{font-size:1rem;margin:.2rem 0 .3rem}
h4{font-size:.85rem;margin:.7rem 0 .2rem;color:#333}
code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.88em}
.meta{display:flex;flex-wrap:wrap;gap:.1rem 1.5rem;margin:0}
.meta div{display:flex;gap:.4rem;min-width:0}
.meta dt{color:#505050}
.meta dd{margin:0;overflow-wrap:anywhere}
.bar{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.75rem;margin:.6rem 0 .4rem;padding:.45rem 0;border-top:1px solid #d0d0d0;border-bottom:1px solid #d0d0d0}
.bar label{font-weight:600;margin-right:.4rem}
.bar select{font:inherit;max-width:30rem}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1.1rem;list-style:none;margin:0;padding:0}
.legend li{display:flex;align-items:center;gap:.35rem}
.sw{display:inline-grid;place-items:center;min-width:1.35rem;height:1.35rem;border:1px solid #0004;font-weight:700}
.v-ok{background:var(--ok-bg);color:var(--ok-fg)}
.v-skip{background:var(--skip-bg);color:var(--skip-fg)}
.v-no{background:var(--no-bg);color:var(--no-fg)}
.v-na,.v-none{background:var(--na-bg);color:var(--na-fg)}
.layout{display:grid;grid-template-columns:minmax(0,1fr) clamp(15rem,24vw,28rem);gap:1rem;align-items:start}
.type h2{margin-top:.5rem}
.counts{margin:0 0 .2rem;color:#333}
.how{margin:0 0 .4rem;color:#404040;font-size:.85rem}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.wrap{overflow-x:auto}
table.matrix{border-collapse:collapse;table-layout:fixed;width:100%;max-width:calc(5rem + ${columns} * 2.4rem)}
table.matrix:not(.tall){max-width:calc(6rem + ${columns} * 3.2rem)}
table.matrix .corner{width:5rem;font-size:.7rem;font-weight:400;color:#404040;text-align:left;padding-left:.3rem}
table.matrix th,table.matrix td{border:1px solid #fff;padding:0;text-align:center}
table.matrix thead th{position:sticky;top:0;z-index:1;background:#fff;font-size:.72rem;font-weight:600;vertical-align:bottom;padding:.15rem 0;overflow:hidden}
table.matrix.tall thead th:not(.corner) span{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg);line-height:1.1}
table.matrix tbody th{text-align:left;font-size:.75rem;padding:0 .3rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;background:#f3f3f3}
table.matrix tbody th small{color:#505050}
table.matrix th.hl{background:#ffd54f}
table.matrix td button{display:block;width:100%;height:1.35rem;margin:0;padding:0;border:0;background:transparent;color:inherit;font-family:inherit;font-size:.8rem;font-weight:700;line-height:1;cursor:pointer}
table.matrix td button:hover{outline:1px solid #222;outline-offset:-1px}
table.matrix td button:focus-visible{outline:2px solid #000;outline-offset:-2px}
table.matrix:not(.tall) td button{height:1.9rem;font-size:1rem}
table.matrix:not(.tall) thead th{font-size:.8rem}
table.matrix td.sel button{outline:3px solid #000;outline-offset:-3px}
#detail{position:sticky;top:.5rem;max-height:calc(100vh - 1rem);overflow:auto;border:1px solid #c8c8c8;border-radius:4px;padding:.5rem .75rem;background:#fafafa;overflow-wrap:anywhere}
#detail h2{margin:0 0 .3rem}
#hover-line{min-height:1.4em;margin:0 0 .4rem;padding-bottom:.3rem;border-bottom:1px solid #ddd;font-size:.85rem;color:#333}
#detail ol,#detail ul{margin:.2rem 0;padding-left:1.2rem}
#detail li{margin:.25rem 0}
#detail .verdict{display:flex;align-items:center;gap:.4rem;padding:.2rem .4rem;font-weight:600}
#detail .origin,#detail .where{color:#505050;font-size:.85em}
#detail ul.fix{list-style:none;padding-left:.2rem;margin:.15rem 0 0}
#detail .fix li::before{content:"fix: ";font-weight:600}
.members{display:flex;flex-wrap:wrap;gap:.15rem 1rem;list-style:none;padding:0;margin:.2rem 0;overflow-wrap:anywhere}
details.class{border-bottom:1px solid #e2e2e2;padding:.2rem 0}
details.class summary{cursor:pointer}
details.class>div{padding:.2rem 0 .4rem 1.2rem}
table.facts{border-collapse:collapse;font-size:.85rem;margin:.2rem 0}
table.facts th,table.facts td{border:1px solid #d6d6d6;padding:.1rem .4rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
table.facts th{background:#f3f3f3;font-weight:600}
.errors li{overflow-wrap:anywhere}
footer{margin-top:1.5rem;color:#505050;font-size:.85rem}
@media (max-width:56rem){.layout{grid-template-columns:minmax(0,1fr)}#detail{top:auto;bottom:0;max-height:45vh}}
@media print{#detail,.bar label,.bar select{display:none}section.type[hidden]{display:block}}
`;
}

// The panel's code. No `<` anywhere in it (so nothing in it could end the element); it builds nodes with
// textContent, never markup, and binds no handler from data.
const SCRIPT = `
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('matrix-data').textContent);
  const detail = document.getElementById('detail-body');
  const hover = document.getElementById('hover-line');
  const main = document.querySelector('main');
  const select = document.getElementById('type-select');
  const sections = Array.from(document.querySelectorAll('section.type'));
  const byId = new Map(data.classes.map((c, i) => [c.id, i]));
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const value = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

  const show = (t) => { for (const s of sections) s.hidden = t !== 'all' && s.dataset.t !== t; };
  if (select) {
    select.parentElement.hidden = false;
    select.addEventListener('change', () => show(select.value));
    show(select.value);
  }
  // One tab stop per table; the arrow keys move between cells.
  for (const table of document.querySelectorAll('table.matrix')) table.querySelectorAll('td button').forEach((b, i) => { if (i) b.tabIndex = -1; });

  function classLine(id) {
    const i = byId.get(id);
    const p = el('p');
    p.append(el('code', id));
    if (i === undefined) return p;
    const c = data.classes[i];
    p.append(' · ' + c.size + (c.size === 1 ? ' host: ' : ' hosts: ') + c.members.join(', ') + (c.size > c.members.length ? ', …' : '') + ' ');
    const a = el('a', 'facts and all members');
    a.href = '#class-' + i;
    p.append(a);
    return p;
  }
  function fixItem(f) {
    const li = el('li');
    li.append(el('span', f.side + ' ' + f.scope, 'where'), ' ', el('code', f.attribute), ': ', f.from === undefined ? '(missing)' : value(f.from), ' → ', el('strong', value(f.to)));
    return li;
  }
  function heading(type, from, to, verdict) {
    const h = el('h3');
    h.append(el('code', from), ' → ', el('code', to));
    const t = el('p');
    t.append('Type ', el('code', type));
    const v = data.verdicts[verdict];
    const line = el('p', undefined, 'verdict v-' + verdict);
    line.append(el('span', v.symbol, 'sw'), v.label);
    detail.replaceChildren(h, t, line);
  }
  function list(title, items, cls) {
    if (!items || items.length === 0) return;
    const ol = el('ol', undefined, cls);
    for (const item of items) ol.append(item);
    detail.append(el('h4', title), ol);
  }
  function showPair(p) {
    heading(p.type, p.from, p.to, p.compatible ? (p.skipped && p.skipped.length ? 'skip' : 'ok') : p.reasonCode === 'no-candidate' && !p.failing ? 'none' : 'no');
    if (!p.compatible && (p.reasonCode || p.reason)) {
      const r = el('p');
      if (p.reasonCode) r.append(el('code', p.reasonCode), ': ');
      r.append(p.reason || '');
      detail.append(r);
    }
    list('Failing checks', (p.failing || []).map((f) => {
      const li = el('li');
      li.append(el('code', f.check), ' ', el('span', f.origin, 'origin'), el('br'), f.message);
      if (f.fix) {
        const ul = el('ul', undefined, 'fix');
        ul.append(fixItem(f.fix));
        li.append(ul);
      }
      return li;
    }), 'failing');
    // The fixes together, when they say more than the one under each failing check.
    const inline = (p.failing || []).filter((f) => f.fix).map((f) => f.fix);
    if (JSON.stringify(inline) !== JSON.stringify(p.fixes || [])) list('What would admit it (all of these)', (p.fixes || []).map(fixItem), 'fixes');
    list('Not verified (absent on both sides)', (p.skipped || []).map((s) => el('li', s)), 'skipped');
    detail.append(el('h4', 'From'), classLine(p.from), el('h4', 'To'), classLine(p.to));
  }
  function showNotApplicable(b) {
    const td = b.parentElement;
    const section = td.closest('section.type');
    const type = data.types[Number(section.dataset.t)];
    const from = data.classes[type.from[td.parentElement.sectionRowIndex]];
    const to = data.classes[td.cellIndex - 1];
    heading(type.name, from.id, to.id, 'na');
    detail.append(el('p', from === to ? 'The class has one host: there is no other host of it to move to.' : 'The matrix holds no decision for this pair.'), el('h4', 'Class'), classLine(from.id));
  }

  let selected;
  document.addEventListener('click', (e) => {
    const link = e.target.closest('a[href^="#class-"]');
    if (link) {
      const d = document.getElementById(link.getAttribute('href').slice(1));
      if (d) d.open = true;
      return;
    }
    const b = e.target.closest('td button');
    if (!b) return;
    if (selected) selected.classList.remove('sel');
    selected = b.parentElement;
    selected.classList.add('sel');
    if (b.dataset.p === undefined) showNotApplicable(b);
    else showPair(data.pairs[Number(b.dataset.p)]);
  });

  let lit = [];
  const light = (b) => {
    for (const h of lit) h.classList.remove('hl');
    lit = [];
    hover.textContent = b ? b.getAttribute('aria-label') : '';
    if (!b) return;
    const td = b.parentElement;
    const tr = td.parentElement;
    lit = [tr.cells[0], tr.closest('table').tHead.rows[0].cells[td.cellIndex]];
    for (const h of lit) h.classList.add('hl');
  };
  main.addEventListener('mouseover', (e) => light(e.target.closest('td button')));
  main.addEventListener('mouseleave', () => light(null));
  main.addEventListener('focusin', (e) => light(e.target.closest('td button')));
  main.addEventListener('keydown', (e) => {
    const b = e.target.closest('td button');
    if (!b) return;
    const td = b.parentElement;
    const tr = td.parentElement;
    const moves = { ArrowRight: () => td.nextElementSibling, ArrowLeft: () => td.previousElementSibling, ArrowDown: () => tr.nextElementSibling && tr.nextElementSibling.cells[td.cellIndex], ArrowUp: () => tr.previousElementSibling && tr.previousElementSibling.cells[td.cellIndex] };
    const next = moves[e.key] && moves[e.key]();
    const nb = next && next.querySelector('button');
    if (!nb) return;
    e.preventDefault();
    b.tabIndex = -1;
    nb.tabIndex = 0;
    nb.focus();
  });
})();
`;

if (SCRIPT.includes('<')) throw new Error('the matrix page script must hold no `<`');

/** `'sha256-…'` of an inline element's text, as a Content-Security-Policy source. */
function cspHash(text: string): string {
  // node:crypto is loaded when a page is rendered, not with this module; required, not imported (the CLI bundle runs the library as a vm script).
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The page of a matrix. */
export function renderMatrixHtml(input: CompatibilityMatrix): string {
  const m = forTerminal(input);
  const pairIndex = new Map<string, number>();
  const sources = new Set<string>();
  m.relation.forEach((p, i) => {
    pairIndex.set(`${p.type}\u0000${p.from}\u0000${p.to}`, i);
    sources.add(`${p.type}\u0000${p.from}`);
  });
  // A type's rows: the classes offering it, and any other the relation has as a source of it.
  const typeRows = m.types.map((t) => m.classes.flatMap((c, i) => (c.types.includes(t) || sources.has(`${t}\u0000${c.id}`) ? [i] : [])));

  const css = styles(m.classes.length);
  const policy = `${m.policy.name}@${m.policy.version}`;
  const overlays = m.policy.overlays.map((o) => `${o.name}@${o.version}`).join(', ');
  const csp = `default-src 'none'; style-src ${cspHash(css)}; script-src ${cspHash(SCRIPT)}; base-uri 'none'; form-action 'none'`;
  const tall = m.classes.length > UPRIGHT_HEADERS_MAX ? ' tall' : '';

  const metaItem = (term: string, value: string) => `<div><dt>${esc(term)}</dt><dd>${value}</dd></div>`;
  const header = `<header>
<h1>Compatibility matrix</h1>
<dl class="meta">
${metaItem('Policy', `<code>${esc(policy)}</code>${overlays ? ` with overlays <code>${esc(overlays)}</code>` : ''}`)}
${metaItem('Mode', `<code>${esc(m.mode)}</code>`)}
${metaItem('Digest', `<code>${esc(m.policy.digest)}</code>`)}
${metaItem('Hosts', `${esc(plural(m.hosts, 'host'))} in ${esc(plural(m.classes.length, 'class', 'classes'))}${m.errors.length > 0 ? `; ${esc(plural(m.errors.length, 'input'))} not read (below)` : ''}`)}
${metaItem('Generated', `<time datetime="${esc(m.time)}">${esc(m.time)}</time> by ${esc(`${m.tool.name} ${m.tool.version}`)}`)}
${metaItem('Matrix id', `<code>${esc(m.id)}</code>`)}
</dl>
</header>`;

  const legend = `<ul class="legend" aria-label="Legend">${(Object.keys(VERDICTS) as Verdict[]).map((v) => `<li><span class="sw v-${v}" aria-hidden="true">${VERDICTS[v].symbol}</span>${esc(VERDICTS[v].label)}</li>`).join('')}</ul>`;
  const selector =
    m.types.length > 1
      ? `<div hidden><label for="type-select">mdev type</label><select id="type-select">${m.types.map((t, i) => `<option value="${i}"${i === 0 ? ' selected' : ''}>${esc(t)}</option>`).join('')}<option value="all">all types</option></select></div>`
      : '';

  const columnHeaders = m.classes.map((c) => `<th scope="col" title="${esc(membersText(c))}"><span>${esc(c.id)}</span></th>`).join('');
  const sections = m.types.map((type, t) => {
    const rows = typeRows[t]!;
    const count: Record<Verdict, number> = { ok: 0, skip: 0, no: 0, none: 0, na: 0 };
    const body = rows.map((r) => {
      const from = m.classes[r]!;
      const cells = m.classes.map((to) => {
        const index = pairIndex.get(`${type}\u0000${from.id}\u0000${to.id}`);
        const v = verdictOf(index === undefined ? undefined : m.relation[index]);
        count[v]++;
        const label = `${from.id} to ${to.id}: ${VERDICTS[v].label}`;
        return `<td class="v-${v}"><button type="button"${index === undefined ? '' : ` data-p="${index}"`} aria-label="${esc(label)}">${VERDICTS[v].symbol}</button></td>`;
      });
      return `<tr><th scope="row" title="${esc(membersText(from))}">${esc(from.id)} <small>${from.size}</small></th>${cells.join('')}</tr>`;
    });
    const counts = (Object.keys(VERDICTS) as Verdict[]).filter((v) => count[v] > 0).map((v) => `${count[v]} ${VERDICTS[v].symbol} ${v === 'na' ? 'not applicable' : v === 'none' ? 'not offered' : v === 'skip' ? 'compatible, not all verified' : VERDICTS[v].label}`);
    const offering = rows.length === m.classes.length ? 'every class offers it' : `${plural(rows.length, 'class', 'classes')} of ${m.classes.length} offer${rows.length === 1 ? 's' : ''} it`;
    return `<section class="type" id="type-${t}" data-t="${t}" aria-labelledby="type-${t}-h">
<h2 id="type-${t}-h">Type <code>${esc(type)}</code></h2>
<p class="counts">${esc(`${offering} · ${counts.join(' · ')}`)}</p>
<p class="how">A VM of this type on a host of the row's class (from) moving to a host of the column's class (to); a row's small number is its class's host count. Select a cell for its checks.</p>
<div class="wrap"><table class="matrix${tall}">
<caption class="vh">${esc(`Type ${type}: from the row's class to the column's class`)}</caption>
<thead><tr><th scope="col" class="corner">from \\ to</th>${columnHeaders}</tr></thead>
<tbody>
${body.join('\n')}
</tbody></table></div>
</section>`;
  });

  const factsTable = (facts: Record<string, unknown>) => {
    const entries = Object.entries(facts);
    return entries.length === 0 ? '<p>none</p>' : `<table class="facts"><tbody>${entries.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(shown(v))}</td></tr>`).join('')}</tbody></table>`;
  };
  const classSection = m.classes
    .map((c, i) => {
      const parents = c.facts.parents
        .map((p) => {
          const types = Object.entries(p.types)
            .map(([name, attrs]) => `<h4>Type <code>${esc(name)}</code></h4>${factsTable(attrs)}`)
            .join('');
          return `<h4>${esc(plural(p.count, 'parent'))} of this shape</h4>${factsTable(p.attributes)}${types}`;
        })
        .join('');
      return `<details class="class" id="class-${i}"><summary><strong>${esc(c.id)}</strong> · ${esc(plural(c.size, 'host'))} · ${esc(c.types.join(', ') || 'no mdev types')}</summary><div>
<h4>Members</h4><ul class="members">${c.members.map((h) => `<li>${esc(h)}</li>`).join('')}</ul>
<h4>Host facts</h4>${factsTable(c.facts.host)}${parents}
</div></details>`;
    })
    .join('\n');

  const errors =
    m.errors.length === 0
      ? ''
      : `<section class="errors"><h2>Inputs not read</h2><details><summary>${esc(plural(m.errors.length, 'input'))} not read (not in the matrix)</summary><ul>${m.errors
          .map((d) => {
            const where = d.file === undefined ? '' : `${d.file}${d.line === undefined ? '' : `:${d.line}${d.col === undefined ? '' : `:${d.col}`}`}`;
            return `<li>${where ? `<code>${esc(where)}</code>: ` : ''}<code>${esc(d.code)}</code>: ${esc(d.message)}${d.hint ? ` (hint: ${esc(d.hint)})` : ''}</li>`;
          })
          .join('')}</ul></details></section>`;

  const data = {
    verdicts: VERDICTS,
    classes: m.classes.map((c) => ({ id: c.id, size: c.size, members: c.members.slice(0, MEMBERS_SHOWN) })),
    types: m.types.map((name, t) => ({ name, from: typeRows[t] })),
    pairs: m.relation,
  };

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`Compatibility matrix · ${policy} · ${m.time}`)}</title>
<style>${css}</style>
</head>
<body>
${header}
<div class="bar">${selector}${legend}</div>
<div class="layout">
<main>
${sections.join('\n') || '<p>No mdev type: the matrix is empty.</p>'}
</main>
<aside id="detail" aria-labelledby="detail-h">
<h2 id="detail-h">Details</h2>
<p id="hover-line" aria-hidden="true"></p>
<div id="detail-body" aria-live="polite"><p>Select a cell to see its failing checks and the fixes that would admit the VM.</p><noscript><p>The details need JavaScript; <code>--format json</code> holds them all.</p></noscript></div>
</aside>
</div>
<section class="classes"><h2>Classes</h2>
<p>Hosts whose every fact the policy reads is the same. Open a class for its members and facts.</p>
${classSection}
</section>
${errors}
<footer>${esc(`${m.tool.name} ${m.tool.version}`)} · a self-contained page: it loads nothing from anywhere.</footer>
<script type="application/json" id="matrix-data">${jsonIsland(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
