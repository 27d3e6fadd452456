// What every command shares: output helpers, colour detection, and one catch
// that turns anything thrown into a coded one-line error with exit code 2 (a
// stack trace only with --debug or DEBUG=mdev-policy, for bug reports).
// Commands set process.exitCode themselves: oclif drops custom exit codes
// when --json is given (oclif/core#1423).

import { Command, Flags } from '@oclif/core';
import { escapeForTerminal } from '../terminal.js';

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({ description: 'Show stack traces of internal errors (for bug reports).', helpGroup: 'GLOBAL' }),
  };

  protected write(text: string): void {
    if (text) process.stdout.write(text);
  }

  protected writeErr(text: string): void {
    if (text) process.stderr.write(text);
  }

  /** Colour only on a TTY, never with NO_COLOR. */
  protected colorFor(stream: NodeJS.WriteStream): boolean {
    return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined;
  }

  protected override catch(err: Error & { oclif?: { exit?: number }; code?: string }): Promise<void> {
    const debug = process.argv.includes('--debug') || /(^|,)mdev-policy(,|$)/.test(process.env.DEBUG ?? '');
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
