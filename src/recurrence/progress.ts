import cliProgress from 'cli-progress';

export interface Progress {
  tick(done: number): void;
  done(): void;
}

/**
 * A one-line progress bar on stderr for the import and eval CLIs. On a terminal it is cli-progress's
 * bar (redrawn at most 20 times a second, even inside a synchronous loop). When stderr is not a TTY
 * (CI logs, a pipe) no bar is drawn: a plain line every 10 % and at the end, so logs don't fill with
 * redraws; cli-progress's own non-TTY mode prints on a timer, which a synchronous loop starves.
 */
/**
 * cli-progress redraws on a timer it re-arms after every draw; unreferenced, that timer never keeps
 * a CLI alive when a run ends without `done()` (an error path, an early return).
 */
class Bar extends cliProgress.SingleBar {
  override render(): void {
    super.render();
    (this as unknown as { timer?: NodeJS.Timeout | null }).timer?.unref();
  }
}

export function progressBar(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (stream.isTTY === true) {
    const bar = new Bar({
      stream,
      format: `${label} [{bar}] {percentage}% {value}/{total}`,
      barCompleteChar: '#',
      barIncompleteChar: '.',
      barsize: 30,
      fps: 20,
    });
    bar.start(total, 0);
    return { tick: (done) => bar.update(done), done: () => bar.stop() };
  }
  let lastTenth = 0;
  return {
    tick(done) {
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      const tenth = Math.floor(pct / 10);
      if (tenth > lastTenth || done === total) {
        stream.write(`${label} ${pct}% (${done}/${total})\n`);
        lastTenth = tenth;
      }
    },
    done() {},
  };
}
