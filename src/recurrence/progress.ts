/** A one-line progress bar on stderr (redrawn at most ~20 times a second; plain lines when not a TTY). */
export function progressBar(label: string, total: number): { tick(done: number): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let lastPct = -1;
  const draw = (done: number) => {
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    if (tty) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${done}/${total}`,
      );
    } else if (pct >= lastPct + 10 || done === total) {
      process.stderr.write(`${label} ${pct}% (${done}/${total})\n`);
      lastPct = pct;
    }
  };
  return {
    tick(done) {
      const now = Date.now();
      if (done < total && now - last < 50) return;
      last = now;
      draw(done);
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}
