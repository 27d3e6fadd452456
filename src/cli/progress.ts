// A progress line on stderr, redrawn at most five times a second and erased
// at the end — only on a terminal that understands cursor control (not a
// pipe, not TERM=dumb): never in what a script or a log reads.

export interface ProgressLine {
  /** Redraw with this text (built only when it is drawn). */
  tick(text: () => string): void;
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY || process.env.TERM === 'dumb') return { tick() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    tick(text) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      shown = true;
      stream.write(`\r\u001b[2K${text()}`);
    },
    done() {
      if (shown) stream.write('\r\u001b[2K');
    },
  };
}
