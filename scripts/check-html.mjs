#!/usr/bin/env node
// The compatibility matrix page (src/matrix/html.ts) in a real browser:
// headless Chromium loads the file, and the check fails on any console
// error, uncaught exception, Content-Security-Policy violation or network
// request (the page must load nothing), on a page wider than the screen at
// laptop widths, or when a click on a refused cell does not show that pair's
// failing check in the detail panel. Then a PNG screenshot of the viewport,
// the panel filled.
//   node scripts/check-html.mjs [--if-available] [--width 1600] [--height 1000] [--fit 1366,1920] PAGE.html SHOT.png
// Exit 0: every check held (or, with --if-available, no Chromium: skipped); 1: a check failed or no Chromium; 2: usage.
//
// No npm dependency: Chromium is driven over the DevTools protocol on
// --remote-debugging-pipe (it reads commands on fd 3 and writes replies and
// events on fd 4, each a JSON text ended by a NUL), which needs no WebSocket.
// The browser is found in $CHROMIUM, else on the usual paths (Debian:
// `apt-get install chromium`).
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const SKIPPED = 'chromium not installed: skipped (install with apt-get install chromium)';

function usage(message) {
  console.error(`check-html: ${message}\nusage: node scripts/check-html.mjs [--if-available] [--width N] [--height N] [--fit W,W…] PAGE.html SHOT.png`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { ifAvailable: false, width: 1600, height: 1000, fit: [1366, 1920], timeout: 60_000, files: [] };
  const number = (flag, v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) usage(`${flag} wants a positive whole number, not \`${v}\``);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--if-available') options.ifAvailable = true;
    else if (a === '--width') options.width = number(a, argv[++i]);
    else if (a === '--height') options.height = number(a, argv[++i]);
    else if (a === '--timeout') options.timeout = number(a, argv[++i]);
    else if (a === '--fit') options.fit = String(argv[++i] ?? '').split(',').map((w) => number(a, w));
    else if (a.startsWith('--')) usage(`unknown flag \`${a}\``);
    else options.files.push(a);
  }
  if (options.files.length !== 2) usage('want a page and a screenshot path');
  return options;
}

/** The Chromium to run: $CHROMIUM (which must exist), else the first of the usual paths. */
function findChromium() {
  const chosen = process.env.CHROMIUM;
  if (chosen) return existsSync(chosen) ? chosen : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** A DevTools protocol connection over the pipe: send() resolves with a command's result; on() hears events, of any session. */
class Cdp {
  #next = 1;
  #pending = new Map();
  #listeners = new Map();
  #buffer = '';
  constructor(input, output) {
    this.input = input;
    output.setEncoding('utf8');
    output.on('data', (chunk) => {
      this.#buffer += chunk;
      let end;
      while ((end = this.#buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.#buffer.slice(0, end));
        this.#buffer = this.#buffer.slice(end + 1);
        this.#receive(message);
      }
    });
  }
  #receive(message) {
    if (message.id !== undefined) {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) pending?.reject(new Error(`${pending.method}: ${message.error.message}`));
      else pending?.resolve(message.result);
      return;
    }
    for (const listener of this.#listeners.get(message.method) ?? []) listener(message.params, message.sessionId);
  }
  send(method, params = {}, sessionId) {
    const id = this.#next++;
    this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise((resolve, reject) => this.#pending.set(id, { method, resolve, reject }));
  }
  on(method, listener) {
    this.#listeners.set(method, [...(this.#listeners.get(method) ?? []), listener]);
  }
  once(method) {
    return new Promise((resolve) => {
      let done = false;
      this.on(method, (params) => {
        if (done) return;
        done = true;
        resolve(params);
      });
    });
  }
}

// Run in the page: find a refused cell (choosing its type first when the selector hides it), bring it into view,
// and say where it is and which failing check its pair has.
const FIND_REFUSED = `(() => {
  // A refused cell whose pair names a failing check (a pair refused because the class offers no such type names none).
  const data = JSON.parse(document.getElementById('matrix-data').textContent);
  const named = (b) => { const p = data.pairs[Number(b.dataset.p)]; return Boolean(p && p.failing && p.failing.length > 0); };
  const cells = [...document.querySelectorAll('section.type:not([hidden]) td.v-no button'), ...document.querySelectorAll('td.v-no button')];
  const button = cells.find(named);
  if (!button) return { none: true };
  const section = button.closest('section.type');
  const select = document.getElementById('type-select');
  if (section.hidden && select) { select.value = section.dataset.t; select.dispatchEvent(new Event('change')); }
  button.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  const r = button.getBoundingClientRect();
  const pair = data.pairs[Number(button.dataset.p)];
  return { x: r.x + r.width / 2, y: r.y + r.height / 2, label: button.getAttribute('aria-label'), check: pair && pair.failing && pair.failing[0] && pair.failing[0].check };
})()`;

const PANEL = `(() => {
  const body = document.getElementById('detail-body');
  return { text: body.textContent, failing: body.querySelectorAll('ol.failing > li').length, selected: document.querySelectorAll('td.sel').length };
})()`;

const LAYOUT = `(() => {
  const root = document.documentElement;
  const cells = Array.from(document.querySelectorAll('section.type:not([hidden]) td button')).map((b) => b.getBoundingClientRect().width);
  return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, narrowest: cells.length ? Math.min(...cells) : 0 };
})()`;

/** Narrower than this, a cell's symbol is no longer readable. */
const MIN_CELL_PX = 14;

async function checkPage(chromium, options) {
  const [page, shot] = options.files;
  const url = pathToFileURL(path.resolve(page)).href;
  const profile = mkdtempSync(path.join(tmpdir(), 'check-html-'));
  const args = [
    '--headless',
    '--remote-debugging-pipe',
    `--user-data-dir=${profile}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-gpu',
    '--disable-extensions',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--mute-audio',
    `--window-size=${options.width},${options.height}`,
    // Chromium's sandbox refuses to start as root (a container, CI).
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    'about:blank',
  ];
  const child = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => (stderr = (stderr + s).slice(-4000)));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(`chromium exited (${signal ?? code})`)));
  const problems = [];
  const cdp = new Cdp(child.stdio[3], child.stdio[4]);
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve(`timed out after ${options.timeout} ms`), options.timeout)));
  const run = async () => {
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    const send = (method, params) => cdp.send(method, params, sessionId);
    cdp.on('Runtime.consoleAPICalled', (p) => {
      if (p.type === 'error' || p.type === 'assert') problems.push(`console.${p.type}: ${p.args.map((a) => a.value ?? a.description ?? '').join(' ')}`);
    });
    cdp.on('Runtime.exceptionThrown', (p) => problems.push(`uncaught: ${p.exceptionDetails.exception?.description ?? p.exceptionDetails.text}`));
    // CSP violations and failed loads reach the console through the Log domain.
    cdp.on('Log.entryAdded', ({ entry }) => {
      if (entry.level === 'error') problems.push(`console (${entry.source}): ${entry.text}${entry.url ? ` (${entry.url})` : ''}`);
    });
    cdp.on('Network.requestWillBeSent', (p) => {
      if (!(p.type === 'Document' && p.request.url === url)) problems.push(`network request: ${p.request.url}`);
    });
    cdp.on('Network.loadingFailed', (p) => problems.push(`failed request ${p.requestId}: ${p.errorText}${p.blockedReason ? ` (${p.blockedReason})` : ''}`));
    cdp.on('Inspector.targetCrashed', () => problems.push('the page crashed'));
    for (const domain of ['Page', 'Runtime', 'Log', 'Network', 'Inspector']) await send(`${domain}.enable`);
    const evaluate = async (expression) => {
      const r = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
      if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value;
    };
    const viewport = (width) => send('Emulation.setDeviceMetricsOverride', { width, height: options.height, deviceScaleFactor: 1, mobile: false });
    const settle = () => evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');

    await viewport(options.width);
    const loaded = cdp.once('Page.loadEventFired');
    const nav = await send('Page.navigate', { url });
    if (nav.errorText) throw new Error(`cannot load ${url}: ${nav.errorText}`);
    await loaded;
    await settle();

    for (const width of options.fit) {
      await viewport(width);
      await settle();
      const layout = await evaluate(LAYOUT);
      if (layout.scrollWidth > layout.clientWidth) problems.push(`at ${width} px the page scrolls sideways (${layout.scrollWidth} px wide)`);
      if (layout.narrowest < MIN_CELL_PX) problems.push(`at ${width} px a cell is ${layout.narrowest.toFixed(1)} px wide (under ${MIN_CELL_PX} px)`);
    }
    await viewport(options.width);
    await settle();

    const target = await evaluate(FIND_REFUSED);
    // Nothing refused for a check (one host, an all-compatible fleet, types no other class offers): nothing to click.
    if (target.none) console.log('no refused cell naming a failing check: nothing to click');
    else {
      await settle();
      const again = await evaluate(FIND_REFUSED);
      for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased']) await send('Input.dispatchMouseEvent', { type, x: again.x, y: again.y, button: 'left', clickCount: 1 });
      await settle();
      const panel = await evaluate(PANEL);
      if (panel.selected !== 1) problems.push(`after a click on ${target.label}, ${panel.selected} cells are marked selected`);
      if (panel.failing === 0) problems.push(`after a click on ${target.label}, the panel lists no failing check`);
      if (!target.check || !panel.text.includes(target.check)) problems.push(`after a click on ${target.label}, the panel does not name its failing check \`${target.check}\``);
      else console.log(`clicked ${target.label}: the panel names \`${target.check}\``);
    }
    const { data } = await send('Page.captureScreenshot', { format: 'png' });
    writeFileSync(shot, Buffer.from(data, 'base64'));
  };
  try {
    const outcome = await Promise.race([run().then(() => undefined), exited, timedOut]);
    if (outcome) problems.push(`${outcome}${stderr ? `\n${stderr.trim()}` : ''}`);
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      // Browser.close has no reply worth waiting for: the pipe closes as it exits.
      cdp.send('Browser.close').catch(() => {});
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
    }
    rmSync(profile, { recursive: true, force: true });
  }
  return problems;
}

const options = parseArgs(process.argv.slice(2));
if (!existsSync(options.files[0])) usage(`no such page \`${options.files[0]}\``);
const chromium = findChromium();
if (!chromium) {
  if (options.ifAvailable) {
    console.log(SKIPPED);
    process.exit(0);
  }
  console.error(process.env.CHROMIUM ? `check-html: $CHROMIUM is \`${process.env.CHROMIUM}\`, which does not exist` : `check-html: ${SKIPPED.replace(': skipped', '')}`);
  process.exit(1);
}
const problems = await checkPage(chromium, options);
if (problems.length > 0) {
  for (const p of problems) console.error(`check-html: ${options.files[0]}: ${p}`);
  process.exit(1);
}
console.log(`ok: ${options.files[0]}: no console error, no request, no sideways scrolling at ${options.fit.join(', ')} px; screenshot ${options.files[1]}`);
