import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandBody, eventBody, postSigned } from '../sim/signed.js';
import { startSimulator } from '../sim/web-api.js';
import { closeDb } from '../src/db/client.js';
import { openMigratedDb } from '../src/db/migrate.js';
import { seedIncidents } from './lib/seed.js';
import { startCommand } from './lib/start-command.js';
import { fmt } from './lib/stats.js';

/**
 * Start-up time (spawn → first `GET /healthz` 200) of the real bot (`node --import tsx src/main.ts`,
 * migrations included), on an empty database and on one with 100,000 incidents; and the bot's memory
 * (RSS, and the peak VmHWM) with 100,000 incidents after it has warmed up (background recurrence
 * index, resume sweeps) and served a few commands and an App Home. Goal: RSS ≤ 150 MB.
 */
const INCIDENTS = Number(process.env.STARTUP_INCIDENTS ?? 100_000);
const SECRET = 'startup-bench-secret-0123456789';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

interface Variant {
  name: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * The same bot as `npm run dev` runs it (TypeScript through tsx's loader, which costs a loader thread
 * and ~30 MB), and compiled to one ESM file (esbuild, dependencies external) run by plain node with
 * the flags and environment of package.json's `start` script, which is what `npm start` runs.
 */
async function variants(): Promise<Variant[]> {
  const out: Variant[] = [
    {
      name: 'tsx, as npm run dev runs it (node --import tsx src/main.ts)',
      args: ['--import', 'tsx', 'src/main.ts'],
    },
  ];
  try {
    const { build } = await import('esbuild');
    // Two levels below the root, like src/main.ts, so `../../migrations` still resolves.
    const file = join(ROOT, 'node_modules', '.cache', 'firebreak-main.mjs');
    await build({
      entryPoints: [join(ROOT, 'src/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile: file,
      logLevel: 'warning',
    });
    const start = startCommand();
    out.push({
      name: `npm start: compiled bundle (esbuild; ${Object.entries(start.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} node ${start.flags.join(' ')})`,
      args: [...start.flags, file],
      env: start.env,
    });
    // The same without --liftoff-only, for comparison: fetch's parser (undici's llhttp, WebAssembly)
    // optimised by TurboFan took ~35 MB of compiler memory that the C heap often kept.
    out.push({
      name: 'the same without --liftoff-only',
      args: [...start.flags.filter((f) => f !== '--liftoff-only'), file],
      env: start.env,
    });
  } catch (e) {
    console.log(`  (compiled variant skipped: ${e instanceof Error ? e.message : String(e)})`);
  }
  return out;
}

async function startAndTime(
  env: Record<string, string>,
  args: string[],
): Promise<{ child: ChildProcess; url: string; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  let port: string | undefined;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bot exited: ${log.slice(-2000)}`);
    port ??= /listening on port (\d+)/.exec(log)?.[1];
    if (port) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (r.status === 200) break;
      } catch {
        // not yet
      }
    }
    if (performance.now() - started > 60_000) throw new Error(`no /healthz within 60 s: ${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return { child, url: `http://127.0.0.1:${port}/slack/events`, ms: performance.now() - started };
}

const stopped = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null) r();
    else {
      child.once('exit', () => r());
      child.kill('SIGTERM');
    }
  });

export async function run(): Promise<void> {
  const sim = await startSimulator({});
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-startup-'));
  try {
    const env = (db: string) => ({
      SLACK_BOT_TOKEN: sim.token,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: sim.apiUrl,
      DATABASE_PATH: db,
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    const big = join(dir, 'big.db');
    closeDb(openMigratedDb(big));
    const seedStart = performance.now();
    seedIncidents(big, INCIDENTS);
    const seedMs = performance.now() - seedStart;
    const size = statSync(big).size / 1024 / 1024;
    console.log(
      `${INCIDENTS.toLocaleString('en-US')} incidents seeded in ${fmt(seedMs, 0)} ms (${fmt(size, 0)} MB file); goal RSS ≤ 150 MB`,
    );

    for (const v of await variants()) {
      // Empty database (migrations run at start).
      const empty = join(dir, `empty-${Date.now()}.db`);
      const e = await startAndTime({ ...env(empty), ...v.env }, v.args);
      await new Promise((r) => setTimeout(r, 1000));
      const eMem = memory(e.child.pid ?? 0);
      await stopped(e.child);

      const b = await startAndTime({ ...env(big), ...v.env }, v.args);
      const pid = b.child.pid ?? 0;
      const atStart = memory(pid);
      // Let the start-up jobs (recurrence index warm-up, reminder and setup sweeps, digest catch-up) run.
      let settled = memory(pid);
      for (let i = 0; i < 40; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const m = memory(pid);
        if (Math.abs(m.rss - settled.rss) < 1 && i > 8) break;
        settled = m;
      }
      // Some reads over the whole history.
      for (const text of ['list', 'help', 'digest', 'declare Checkout returns 502 again', 'list']) {
        await postSigned(b.url, commandBody(text, { channel: 'C0GENERAL', user: 'U0ALICE' }), {
          secret: SECRET,
        });
      }
      await postSigned(
        b.url,
        eventBody(
          {
            type: 'app_home_opened',
            user: 'U0ALICE',
            channel: 'D0ALICE',
            tab: 'home',
            event_ts: `${Date.now() / 1000}`,
          },
          `EvHome${Date.now()}`,
        ),
        { secret: SECRET, contentType: 'application/json' },
      );
      await new Promise((r) => setTimeout(r, 2000));
      const after = memory(pid);
      // Idle afterwards, as a bot mostly is: V8's memory reducer collects what the requests left
      // (it starts after ~8 s without activity); read until two readings agree, at most 20 s.
      let idle = memory(pid);
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 2000));
        const m = memory(pid);
        if (i >= 4 && Math.abs(m.rss - idle.rss) < 1) break;
        idle = m;
      }
      await stopped(b.child);

      console.log(`${v.name}`);
      console.log(
        `  start-up to /healthz: empty DB ${fmt(e.ms, 0)} ms (RSS ${fmt(eMem.rss, 0)} MB); ${INCIDENTS.toLocaleString('en-US')} incidents ${fmt(b.ms, 0)} ms`,
      );
      console.log(
        `  RSS with ${INCIDENTS.toLocaleString('en-US')} incidents: at /healthz ${fmt(atStart.rss, 0)} MB, after start-up jobs ${fmt(settled.rss, 0)} MB, after list/help/digest/declare/App Home ${fmt(after.rss, 0)} MB, idle afterwards ${fmt(idle.rss, 0)} MB (peak ${fmt(idle.hwm, 0)} MB)`,
      );
    }
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
