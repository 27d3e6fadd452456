// What every command shares: output helpers, colour detection, and one catch
// that turns anything thrown into a coded one-line error with exit code 2 (a
// stack trace only with --debug or DEBUG=mdev-policy, for bug reports).
// Commands set process.exitCode themselves: oclif drops custom exit codes
// when --json is given (oclif/core#1423).

import { Command, Flags } from '@oclif/core';
import { colorWanted, escapeForTerminal } from '../terminal.js';

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({ description: 'Show stack traces of internal errors (for bug reports).', helpGroup: 'GLOBAL' }),
    color: Flags.boolean({
      allowNo: true,
      description: 'Colour the text output, or not (--no-color). Default: on a terminal, unless NO_COLOR is set and not empty; FORCE_COLOR=1 forces it, FORCE_COLOR=0 turns it off.',
      helpGroup: 'GLOBAL',
    }),
  };

  protected write(text: string | Uint8Array): void {
    if (text.length > 0) process.stdout.write(text);
  }

  /**
   * Write to standard output; when its buffer is full (a pipe read slowly),
   * a promise that it has drained — or closed, or failed: a write that fails
   * is lost, never rethrown (src/cli/main.ts), so nothing waits forever.
   */
  protected writeDrained(text: string | Uint8Array): Promise<void> | undefined {
    if (text.length === 0 || process.stdout.write(text)) return undefined;
    // One wait however many writes found the buffer full (a piece's parts): one set of listeners.
    return (this.draining ??= new Promise<void>((resolve) => {
      const done = () => {
        for (const e of ['drain', 'close', 'error'] as const) process.stdout.off(e, done);
        this.draining = undefined;
        resolve();
      };
      for (const e of ['drain', 'close', 'error'] as const) process.stdout.once(e, done);
    }));
  }

  private draining: Promise<void> | undefined;

  protected writeErr(text: string): void {
    if (text) process.stderr.write(text);
  }

  /** Whether to colour a stream's output: --color / --no-color (the last given), else FORCE_COLOR, NO_COLOR and the terminal (src/terminal.ts). */
  protected colorFor(stream: NodeJS.WriteStream): boolean {
    const end = this.argv.indexOf('--');
    const given = (end < 0 ? this.argv : this.argv.slice(0, end)).filter((a) => a === '--color' || a === '--no-color');
    return colorWanted(stream, given.length > 0 ? given[given.length - 1] === '--color' : undefined);
  }

  /** --debug or DEBUG=mdev-policy: stack traces of internal errors, and what a run did behind the scenes (for bug reports). */
  protected debugWanted(): boolean {
    return process.argv.includes('--debug') || /(^|,)mdev-policy(,|$)/.test(process.env.DEBUG ?? '');
  }

  protected override catch(err: Error & { oclif?: { exit?: number }; code?: string }): Promise<void> {
    const debug = this.debugWanted();
    if (err.code === 'EEXIT' || err.oclif?.exit === 0) return Promise.reject(err);
    const message = String(err.message ?? err)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^See more help with/.test(l))
      .join(' ')
      .replace(/^the following errors? occurred:\s*/i, '');
    const isUsage = err.oclif !== undefined;
    const code = isUsage ? 'usage' : 'internal';
    // oclif's messages quote argv (`Expected --format=… to be one of`): escaped like any input.
    const first = escapeForTerminal(message.charAt(0).toLowerCase() + message.slice(1));
    this.writeErr(`${code}: ${first}\n`);
    if (isUsage) this.writeErr(`  hint: see \`mdev-policy ${(this.id ?? '').replace(/:/g, ' ')} --help\`\n`.replace('  --help', ' --help'));
    else if (debug) this.writeErr(`${err.stack ?? ''}\n`);
    else this.writeErr('  hint: this is a bug in mdev-policy; run again with --debug and report the output\n');
    process.exitCode = 2;
    return Promise.resolve();
  }
}
