import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from '../../../src/recurrence/progress.js';

/** A stderr stand-in that keeps what was written; `tty` makes it look like a terminal. */
function sink(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  Object.assign(w, { isTTY: tty, columns: 100 });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

describe('progress bar', () => {
  it('off a terminal: a plain line every 10 % and at the end, no redraws or escape codes', () => {
    const out = sink(false);
    const bar = progressBar('importing', 1000, out.stream);
    for (let i = 1; i <= 1000; i++) bar.tick(i);
    bar.done();
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('importing 10% (100/1000)');
    expect(lines.at(-1)).toBe('importing 100% (1000/1000)');
    expect(out.text()).not.toContain('\r');
    expect(out.text()).not.toContain('\u001b');
  });

  it('off a terminal, an empty run still reports its end', () => {
    const out = sink(false);
    const bar = progressBar('replaying', 0, out.stream);
    bar.tick(0);
    bar.done();
    expect(out.text()).toBe('replaying 100% (0/0)\n');
  });

  it('on a terminal: one bar redrawn in place, ending on a full bar and a newline', () => {
    const out = sink(true);
    const bar = progressBar('importing', 40, out.stream);
    for (let i = 1; i <= 40; i++) bar.tick(i);
    bar.done();
    const text = out.text();
    expect(text).toContain(`importing [${'#'.repeat(30)}] 100% 40/40`);
    expect(text).toContain(`importing [${'.'.repeat(30)}] 0% 0/40`);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').length).toBe(2); // redraws move the cursor, they don't add lines
  });
});

describe('progress bar lifetime', () => {
  it('on a terminal, a run that never calls done() still lets the process exit', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `
      import { Writable } from 'node:stream';
      import { progressBar } from './src/recurrence/progress.ts';
      const tty = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { isTTY: true, columns: 80 });
      progressBar('importing', 10, tty).tick(3);
    `;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 15_000,
      encoding: 'utf8',
    });
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 20_000);
});
