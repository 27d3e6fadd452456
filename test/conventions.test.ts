// CLI conventions: colour (NO_COLOR per no-color.org, FORCE_COLOR,
// --color/--no-color, a terminal through `script`), the policy flags from the
// environment, shell completion (oclif's autocomplete plugin), and an unknown
// command as a one-line usage error with a suggestion.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './helpers.js';
import { colorWanted } from '../src/terminal.js';

const EVAL = ['eval', '-s', 'examples/host-a.yaml', '-d', 'examples/host-b.yaml'];

/** The CLI with exactly this colour environment (NO_COLOR and FORCE_COLOR as given, nothing inherited). */
function run(args: string[], env: Record<string, string> = {}, options: { tty?: boolean } = {}) {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NO_COLOR' && k !== 'FORCE_COLOR' && k !== 'TERM') base[k] = v;
  const childEnv = { ...base, TERM: 'xterm-256color', ...env };
  if (!options.tty) return spawnSync(process.execPath, ['bin/run.js', ...args], { cwd: ROOT, encoding: 'utf8', env: childEnv });
  // A real terminal: util-linux `script` runs the command on a pseudo-terminal and copies what it prints.
  const command = [process.execPath, 'bin/run.js', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: childEnv });
}

// A colour or style code (SGR), not the line erasing of eval's progress line on a terminal.
// eslint-disable-next-line no-control-regex
const coloured = (s: string) => /\u001b\[[0-9;]*m/.test(s);

test('colour matrix: the terminal, NO_COLOR (empty does not count), FORCE_COLOR, --color/--no-color — flags first', () => {
  assert.ok(existsSync('/usr/bin/script') || spawnSync('sh', ['-c', 'command -v script']).status === 0, 'util-linux script is on this machine');
  const cases: [string, string[], Record<string, string>, boolean, boolean][] = [
    ['a terminal', [], {}, true, true],
    ['a pipe', [], {}, false, false],
    ['NO_COLOR=1 on a terminal', [], { NO_COLOR: '1' }, true, false],
    ['NO_COLOR empty on a terminal (does not count)', [], { NO_COLOR: '' }, true, true],
    ['FORCE_COLOR=1 on a pipe', [], { FORCE_COLOR: '1' }, false, true],
    ['FORCE_COLOR=0 on a terminal', [], { FORCE_COLOR: '0' }, true, false],
    ['FORCE_COLOR=1 over NO_COLOR=1', [], { FORCE_COLOR: '1', NO_COLOR: '1' }, false, true],
    ['--color on a pipe', ['--color'], {}, false, true],
    ['--color over NO_COLOR=1', ['--color'], { NO_COLOR: '1' }, false, true],
    ['--no-color on a terminal', ['--no-color'], {}, true, false],
    ['--no-color over FORCE_COLOR=1', ['--no-color'], { FORCE_COLOR: '1' }, true, false],
    ['the last of --color --no-color', ['--color', '--no-color'], {}, true, false],
    ['TERM=dumb on a terminal', [], { TERM: 'dumb' }, true, false],
  ];
  for (const [name, flags, env, tty, want] of cases) {
    const r = run([...EVAL, ...flags], env, { tty });
    assert.is(r.status, 0, `${name}: ${r.stderr}`);
    // eslint-disable-next-line no-control-regex
    assert.ok(r.stdout.replace(/\u001b\[[0-9;]*[mK]/g, '').includes('host-b can take every device'), `${name}: the report`);
    assert.is(coloured(r.stdout), want, name);
  }
});

test('colour: the same rule for test and policy show; never in JSON', () => {
  assert.ok(coloured(run(['policy', 'show', '--type', 'i915-GVTg_V5_4', '--color']).stdout));
  assert.not.ok(coloured(run(['policy', 'show', '--type', 'i915-GVTg_V5_4']).stdout));
  assert.ok(coloured(run(['test', 'test/fixtures/suites/failing.test.yaml', '--color']).stdout));
  assert.not.ok(coloured(run(['test', 'test/fixtures/suites/failing.test.yaml'], { FORCE_COLOR: '0' }, { tty: true }).stdout));
  assert.not.ok(coloured(run([...EVAL, '--json', '--color']).stdout));
});

test('colorWanted: the rule itself', () => {
  const tty = { isTTY: true };
  assert.is(colorWanted(tty, undefined, {}), true);
  assert.is(colorWanted(tty, undefined, { NO_COLOR: '' }), true);
  assert.is(colorWanted(tty, undefined, { NO_COLOR: '0' }), false, 'any non-empty value');
  assert.is(colorWanted({}, undefined, { FORCE_COLOR: '' }), true, 'FORCE_COLOR set but empty forces');
  assert.is(colorWanted(tty, undefined, { FORCE_COLOR: 'false' }), false);
  assert.is(colorWanted({}, true, { NO_COLOR: '1' }), true);
  assert.is(colorWanted(tty, false, { FORCE_COLOR: '3' }), false);
});

test('environment: MDEV_POLICY_POLICY, MDEV_POLICY_OVERLAY (a list, like PATH) and MDEV_POLICY_MODE choose the policy; flags win; --help shows them', () => {
  const json = (env: Record<string, string>, extra: string[] = []) => JSON.parse(run([...EVAL, '--json', ...extra], env).stdout) as { mode: string; policy: { name: string; overlays: { name: string }[] } };
  const shipped = json({});
  assert.ok(shipped.policy.overlays.length > 1);
  const chosen = json({ MDEV_POLICY_POLICY: 'policies/vfio-mdev.yaml', MDEV_POLICY_OVERLAY: `policies/vendors/intel-gvt-g.yaml${path.delimiter}policies/vendors/platform.yaml`, MDEV_POLICY_MODE: 'superset' });
  assert.is(chosen.mode, 'superset');
  assert.equal(chosen.policy.overlays.map((o) => o.name), ['intel-gvt-g', 'platform']);
  const one = json({ MDEV_POLICY_POLICY: 'policies/vfio-mdev.yaml', MDEV_POLICY_OVERLAY: 'policies/vendors/intel-gvt-g.yaml' });
  assert.equal(one.policy.overlays.map((o) => o.name), ['intel-gvt-g']);
  const flagsWin = json({ MDEV_POLICY_MODE: 'superset', MDEV_POLICY_POLICY: 'policies/vfio-mdev.yaml', MDEV_POLICY_OVERLAY: 'policies/vendors/intel-gvt-g.yaml' }, ['--mode', 'strict', '--overlay', 'policies/vendors/platform.yaml']);
  assert.is(flagsWin.mode, 'strict');
  assert.equal(flagsWin.policy.overlays.map((o) => o.name), ['platform']);
  const bad = run(EVAL, { MDEV_POLICY_MODE: 'nosuch' });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /unknown-mode/);
  for (const command of [['eval'], ['compile'], ['policy', 'show'], ['serve']]) {
    const help = run([...command, '--help']).stdout;
    for (const name of ['MDEV_POLICY_POLICY', 'MDEV_POLICY_OVERLAY', 'MDEV_POLICY_MODE']) assert.ok(help.includes(name), `${command.join(' ')} --help names ${name}`);
  }
});

test('completion: autocomplete scripts for bash, zsh and powershell, naming the commands and their flags', () => {
  const cache = mkdtempSync(path.join(tmpdir(), 'ac-'));
  try {
    const env = { MDEV_POLICY_CACHE_DIR: cache };
    for (const shell of ['bash', 'zsh', 'powershell']) {
      const r = run(['autocomplete', shell, '--refresh-cache'], env);
      assert.is(r.status, 0, `${shell}: ${r.stderr}`);
      const script = run(['autocomplete', 'script', shell], env);
      assert.is(script.status, 0, `${shell} script: ${script.stderr}`);
    }
    const bash = readFileSync(path.join(cache, 'autocomplete', 'functions', 'bash', 'mdev-policy.bash'), 'utf8');
    for (const word of ['eval', '--domain', '--format', 'annotate', 'validate', 'import:libvirt', 'hook:libvirt-qemu']) assert.ok(bash.includes(word), `bash completes ${word}`);
    const zsh = readdirSync(path.join(cache, 'autocomplete', 'functions', 'zsh'));
    assert.ok(zsh.length > 0);
    assert.ok(readFileSync(path.join(cache, 'autocomplete', 'functions', 'zsh', zsh[0]!), 'utf8').includes('eval'));
    assert.ok(existsSync(path.join(cache, 'autocomplete', 'functions', 'powershell')));
    const setup = run(['autocomplete', 'script', 'bash'], env).stdout;
    assert.match(setup, /MDEV_POLICY_AC_BASH_SETUP_PATH=/);
    // The plugin is a dependency and is declared in oclif.plugins.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.ok(pkg.dependencies['@oclif/plugin-autocomplete']);
    assert.equal(pkg.oclif.plugins, ['@oclif/plugin-autocomplete']);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('unknown command: one line, coded usage, a suggestion when one is close, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['evall'], /^usage: unknown command `evall`: did you mean `eval`\? \(see `mdev-policy --help`\)\n$/],
    [['import', 'libvirtt'], /^usage: unknown command `import libvirtt`: did you mean `import libvirt`\?/],
    [['valdate', 'x'], /^usage: unknown command `valdate`: did you mean `validate`\?/],
    [['zzzzzzzz'], /^usage: unknown command `zzzzzzzz` \(see `mdev-policy --help`\)\n$/],
    [['\u001b[31mred'], /^usage: unknown command `\\x1b\[31mred`/],
  ];
  for (const [args, want] of cases) {
    const r = run(args);
    assert.is(r.status, 2, args.join(' '));
    assert.is(r.stdout, '');
    assert.match(r.stderr, want);
  }
});

test('errors before any command are one coded line, exit 2: extra words, help, a plugin usage error, an unwritable completion cache', () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['eval', 'extra'], {}, /^usage: unexpected argument `extra` for `eval` \(see `mdev-policy eval --help`\)\n$/],
    [['policy', 'show', 'extra'], {}, /^usage: unexpected argument `extra` for `policy show`/],
    [['help', 'eval'], {}, /^usage: unknown command `help`: ask a command for its help, `mdev-policy COMMAND --help`/],
    [['autocomplete', 'fish'], {}, /^usage: expected fish to be one of: zsh, bash, powershell\n$/],
    [['autocomplete', '--nosuch'], {}, /^usage: nonexistent flag: --nosuch\n$/],
    [['autocomplete', 'bash'], { MDEV_POLICY_CACHE_DIR: '/proc/mdev-policy-nonexistent' }, /^file-unreadable: cannot write the completion cache `\/proc\/mdev-policy-nonexistent\/autocomplete`/],
    [['autocomplete', '--refresh-cache'], { MDEV_POLICY_CACHE_DIR: path.join(ROOT, 'package.json') }, /^file-unreadable: cannot write the completion cache/],
  ];
  for (const [args, env, want] of cases) {
    const started = Date.now();
    const r = spawnSync(process.execPath, ['bin/run.js', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want);
    assert.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.ok(Date.now() - started < 20_000);
  }
});

test.run();
