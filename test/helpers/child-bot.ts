import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startCommand } from '../../bench/lib/start-command.js';

/**
 * The real bot as a child process: exactly what `npm start` runs (node with its flags and environment,
 * dist/src/main.mjs, read from package.json), the bundle built from src/ once before the tests
 * (test/global-setup.ts). Used where the process boundary matters: SIGTERM, SIGKILL, start-up.
 */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const START = startCommand();

/** Spawns the bot as `npm start` would, in ROOT, with `env` (and npm start's own variables) only. */
export function spawnBot(
  env: Record<string, string>,
  stdio: SpawnOptions['stdio'] = ['ignore', 'ignore', 'pipe'],
): ChildProcess {
  return spawn(process.execPath, START.args, {
    cwd: ROOT,
    env: { ...START.env, ...env },
    stdio,
  });
}

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
 * How long a child bot may take to say it listens: a cold start is under a second on a quiet machine
 * and many times that on a loaded 2-core CI runner. Tests that start one
 * set their own timeout to CHILD_TEST_MS (above this, plus the test's own work).
 */
export const CHILD_START_MS = 60_000;
export const CHILD_TEST_MS = 120_000;

export function startChildBot(env: Record<string, string>, timeoutMs = CHILD_START_MS): Promise<ChildBot> {
  // ENV_FILE: a developer's .env in the repository must not leak settings into the test bot.
  const child = spawnBot({
    PATH: process.env.PATH ?? '',
    LOG_LEVEL: 'info',
    PORT: '0',
    ENV_FILE: '/dev/null',
    ...env,
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
