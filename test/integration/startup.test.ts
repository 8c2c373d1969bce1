import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startCommand } from '../../bench/lib/start-command.js';
import { WS } from '../../sim/api.js';
import { SlackSender } from '../../sim/sender.js';
import { type SimulatorImpl, startSimulator } from '../../sim/web-api.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { freePort } from '../helpers/child-bot.js';

/** `npm start` as a real child process: the contract's variables in, /healthz and signed requests out. */

/**
 * A cold Node.js start-up (esbuild bundle, better-sqlite3, migrations) takes about a second here but
 * many times that on a loaded 2-core CI machine: every wait below is generous, and each test's own
 * timeout is above the waits it contains, so a slow start fails on its own message, not vitest's.
 */
const START_MS = 60_000;
const TEST_MS = START_MS + 30_000;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Exactly what `npm start` runs, read from package.json; the bundle it runs is built once before the
 * tests (test/global-setup.ts).
 */
const START = startCommand();
/** Only what a clean shell has; nothing of the test runner's environment leaks in. */
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ENV_FILE: '/dev/null' };

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(env: Record<string, string>, timeoutMs = START_MS): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, START.args, {
      cwd: ROOT,
      env: { ...baseEnv, ...START.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`no exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

let child: ChildProcess | undefined;
let sim: SimulatorImpl | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await sim?.close();
  sim = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('start-up', () => {
  it(
    'missing SLACK_SIGNING_SECRET in HTTP mode: exit 1 with one line naming it',
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'firebreak-start-'));
      const r = await run({ SLACK_BOT_TOKEN: 'xoxb-test-token', DATABASE_PATH: join(dir, 'db.sqlite') });
      expect(r.code).toBe(1);
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('SLACK_SIGNING_SECRET');
      expect(r.stdout).toBe('');
    },
    TEST_MS,
  );

  it(
    'a mistake in the ALERT_ROUTES file: exit 1 naming the file, line and field, before the database exists',
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'firebreak-start-'));
      const routes = join(dir, 'routes.yml');
      writeFileSync(routes, 'routes:\n  - name: payments\n    severity: 9\n');
      const r = await run({
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: 'start-test-signing-secret',
        DATABASE_PATH: join(dir, 'db.sqlite'),
        ALERTS_TOKEN: 'start-test-alerts-token-0123',
        ALERT_CHANNEL: 'C0ALERTS',
        ALERT_ROUTES: routes,
      });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `firebreak: ALERT_ROUTES ${routes} line 3: routes[0].severity: 1 (critical) to 4 (low)`,
      );
      expect(existsSync(join(dir, 'db.sqlite'))).toBe(false);
    },
    TEST_MS,
  );

  it(
    'with the contract’s variables it serves /healthz and answers signed requests, and stops on SIGTERM',
    async () => {
      sim = await startSimulator({ clock: new FakeClock() });
      dir = mkdtempSync(join(tmpdir(), 'firebreak-start-'));
      const port = await freePort();
      const secret = 'start-test-signing-secret';
      const proc = spawn(process.execPath, START.args, {
        cwd: ROOT,
        env: {
          ...baseEnv,
          ...START.env,
          SLACK_BOT_TOKEN: sim.token,
          SLACK_SIGNING_SECRET: secret,
          SLACK_API_URL: sim.apiUrl,
          PORT: String(port),
          DATABASE_PATH: join(dir, 'firebreak.db'),
          ANNOUNCE_CHANNEL: WS.channels.announce,
          DIGEST_CHANNEL: WS.channels.digest,
          LOG_LEVEL: 'warn',
        },
      });
      child = proc;
      let stderr = '';
      proc.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + START_MS;
      let health: Response | undefined;
      while (Date.now() < deadline && proc.exitCode === null) {
        health = await fetch(`${base}/healthz`).catch(() => undefined);
        if (health?.ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.status, stderr).toBe(200);
      expect(await health?.json()).toEqual({ status: 'ok' });
      expect(sim.calls('auth.test').some((c) => c.ok)).toBe(true);

      const send = new SlackSender({ botUrl: `${base}/slack/events`, signingSecret: secret, sim });
      const r = await send.command(WS.users.alice, WS.channels.general, 'help');
      expect(r.status).toBe(200);
      expect(r.reply?.text).toContain('/incident help');
      const forged = await new SlackSender({
        botUrl: `${base}/slack/events`,
        signingSecret: 'wrong',
        sim,
      }).command(WS.users.alice, WS.channels.general, 'help');
      expect(forged.status).toBe(401);

      const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
    TEST_MS,
  );
});
