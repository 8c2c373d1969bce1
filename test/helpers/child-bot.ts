import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The real bot as a child process (`node --import tsx src/main.ts`, what `npm start` runs, without
 * tsx's CLI wrapper process so that signals reach the bot itself). Used where the process boundary
 * matters: SIGTERM, SIGKILL, start-up.
 */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildBot {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>/slack/events` */
  url: string;
  base: string;
  /** Everything the bot wrote to stderr so far. */
  log(): string;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * How long a child bot may take to say it listens: tsx compiles on the fly, so a cold start is a few
 * seconds on a quiet machine and many times that on a loaded 2-core CI runner. Tests that start one
 * set their own timeout to CHILD_TEST_MS (above this, plus the test's own work).
 */
export const CHILD_START_MS = 60_000;
export const CHILD_TEST_MS = 120_000;

export function startChildBot(env: Record<string, string>, timeoutMs = CHILD_START_MS): Promise<ChildBot> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    // ENV_FILE: a developer's .env in the repository must not leak settings into the test bot.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: '0', ENV_FILE: '/dev/null', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let buf = '';
  child.stderr?.on('data', (c: Buffer) => {
    buf += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const m = /listening on port (\d+)/.exec(buf);
      if (m) {
        clearInterval(poll);
        const base = `http://127.0.0.1:${m[1]}`;
        resolve({ child, url: `${base}/slack/events`, base, log: () => buf, exited });
      } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
        clearInterval(poll);
        child.kill('SIGKILL');
        reject(new Error(`the bot did not start: ${buf.slice(-3000)}`));
      }
    }, 10);
  });
}

/** A loopback port that was free a moment ago and on which nothing listens now. */
export function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}
