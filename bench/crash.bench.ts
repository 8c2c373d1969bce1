import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { commandBody, eventBody, postSigned } from '../sim/signed.js';
import { startSimulator } from '../sim/web-api.js';
import { closeDb } from '../src/db/client.js';
import { openMigratedDb } from '../src/db/migrate.js';
import { fmt, prng } from './lib/stats.js';

/**
 * Crash safety. The real bot runs as a child process (`node --import tsx src/main.ts`, the same code
 * `npm start` runs; tsx's own CLI would put a second process between us and the bot, and a SIGKILL
 * would then miss the bot) against the local Slack simulator. A stream of signed `pin_added` events
 * and `/incident note` commands is sent while the bot is SIGKILLed at random moments, 50 times, and
 * restarted on the same database. At the end every request that got a 2xx must be stored exactly once.
 */
const KILLS = Number(process.env.CRASH_KILLS ?? 50);
const CONCURRENCY = 8;
const SECRET = 'crash-bench-signing-secret-0123456789';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Sent {
  kind: 'note' | 'event';
  key: string;
  acked: boolean;
}

function startBot(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; health: string; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bot did not start within 30 s: ${buf.slice(-2000)}`));
    }, 30_000);
    const onData = (c: Buffer) => {
      buf += c.toString();
      const m = /listening on port (\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        const base = `http://127.0.0.1:${m[1]}`;
        resolve({
          child,
          url: `${base}/slack/events`,
          health: `${base}/healthz`,
          ms: performance.now() - started,
        });
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`bot exited (${code}) before listening: ${buf.slice(-2000)}`)),
    );
  });
}

/** The incident is declared through the bot itself, so it has a real channel alice is in. */
async function declareIncident(url: string, dbPath: string): Promise<string> {
  const r = await postSigned(
    url,
    commandBody('declare Crash test: checkout 502s', { channel: 'C0GENERAL', user: 'U0ALICE' }),
    { secret: SECRET },
  );
  if (r.status !== 200) throw new Error(`declare answered ${r.status}`);
  const probe = new Database(dbPath, { readonly: true });
  try {
    for (let i = 0; i < 100; i++) {
      const row = probe
        .prepare('select channel_id as c, summary_ts as s from incidents where number = 1')
        .get() as { c: string | null; s: string | null } | undefined;
      if (row?.c && row.s) return row.c;
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    probe.close();
  }
  throw new Error('the incident channel was not set up within 10 s');
}

async function healthy(url: string): Promise<boolean> {
  try {
    const r = await fetch(url);
    return r.status === 200 && ((await r.json()) as { status?: string }).status === 'ok';
  } catch {
    return false;
  }
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
}

export async function run(): Promise<void> {
  const rand = prng(20261127);
  const sim = await startSimulator({});
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-crash-'));
  const dbPath = join(dir, 'crash.db');
  closeDb(openMigratedDb(dbPath));
  const env = {
    SLACK_BOT_TOKEN: sim.token,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: sim.apiUrl,
    DATABASE_PATH: dbPath,
    PORT: '0',
    // info: the start-up line carries the port.
    LOG_LEVEL: 'info',
  };

  let channel = '';
  const sent: Sent[] = [];
  let seq = 0;
  const startMs: number[] = [];
  let child: ChildProcess | undefined;
  try {
    for (let round = 0; round <= KILLS; round++) {
      const bot = await startBot(env);
      child = bot.child;
      startMs.push(bot.ms);
      if (round === KILLS) {
        // Final start: let it replay what was acknowledged but not finished, then stop it cleanly.
        const deadline = Date.now() + 60_000;
        const probe = new Database(dbPath, { readonly: true });
        while (Date.now() < deadline) {
          const p = probe
            .prepare("select count(*) as n from slack_events where status = 'pending'")
            .get() as { n: number };
          if (p.n === 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        probe.close();
        await new Promise((r) => setTimeout(r, 500));
        child.kill('SIGTERM');
        await killed(child);
        break;
      }
      if (!(await healthy(bot.health))) throw new Error('bot listening but /healthz not ok');
      if (channel === '') channel = await declareIncident(bot.url, dbPath);
      const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
      const killAt = Date.now() + 50 + Math.floor(rand() * 700);
      let stop = false;
      const worker = async () => {
        while (!stop) {
          const n = ++seq;
          const isNote = rand() < 0.5;
          if (isNote) {
            const key = `crash-note-${n}`;
            const entry: Sent = { kind: 'note', key, acked: false };
            sent.push(entry);
            try {
              const r = await postSigned(
                bot.url,
                commandBody(`note ${key}`, { channel: channel, user: 'U0ALICE' }),
                { secret: SECRET, agent },
              );
              entry.acked = r.status === 200 && r.body.includes('Note added');
            } catch {
              // Connection reset by the kill: not acknowledged.
            }
          } else {
            const msg = await sim.postAsUser('U0ALICE', channel, `crash-msg-${n}`);
            const entry: Sent = { kind: 'event', key: `msg:${channel}:${msg.ts}`, acked: false };
            sent.push(entry);
            const ev = {
              type: 'pin_added',
              user: 'U0BOB',
              channel_id: channel,
              item: {
                type: 'message',
                channel: channel,
                message: { type: 'message', user: 'U0ALICE', text: msg.text, ts: msg.ts },
              },
              event_ts: msg.ts,
            };
            try {
              const r = await postSigned(bot.url, eventBody(ev, `EvCrash${n}`), {
                secret: SECRET,
                contentType: 'application/json',
                agent,
              });
              entry.acked = r.status === 200;
            } catch {
              // not acknowledged
            }
          }
        }
      };
      const workers = Array.from({ length: CONCURRENCY }, worker);
      await new Promise((r) => setTimeout(r, Math.max(0, killAt - Date.now())));
      child.kill('SIGKILL');
      stop = true;
      await killed(child);
      await Promise.all(workers);
      agent.destroy();
    }

    const db = new Database(dbPath, { readonly: true });
    const noteCount = db.prepare(
      "select count(*) as n from timeline_events where kind = 'note' and text = ?",
    );
    const eventCount = db.prepare('select count(*) as n from timeline_events where source_key = ?');
    let acked = 0;
    let lost = 0;
    let duplicated = 0;
    let storedUnacked = 0;
    const lostKeys: string[] = [];
    for (const s of sent) {
      const n = (s.kind === 'note' ? noteCount.get(s.key) : eventCount.get(s.key)) as { n: number };
      if (s.acked) {
        acked++;
        if (n.n === 0) {
          lost++;
          lostKeys.push(s.key);
        }
      } else if (n.n > 0) storedUnacked++;
      if (n.n > 1) duplicated++;
    }
    const failed = db.prepare("select count(*) as n from slack_events where status <> 'done'").get() as {
      n: number;
    };
    db.close();
    const notes = sent.filter((s) => s.kind === 'note');
    const events = sent.filter((s) => s.kind === 'event');
    console.log(
      `${KILLS} SIGKILLs at random moments; ${sent.length} requests sent (${notes.length} notes, ${events.length} pin events), concurrency ${CONCURRENCY}`,
    );
    console.log(
      `  acknowledged ${acked} (notes ${notes.filter((s) => s.acked).length}, events ${events.filter((s) => s.acked).length})`,
    );
    console.log(
      `  lost ${lost} (must be 0)${lostKeys.length ? `: ${lostKeys.slice(0, 10).join(', ')}` : ''}`,
    );
    console.log(`  duplicated ${duplicated} (must be 0)`);
    console.log(`  stored although not acknowledged (killed between commit and answer): ${storedUnacked}`);
    console.log(`  inbox entries not done after the final start: ${failed.n}`);
    const s = [...startMs].sort((a, b) => a - b);
    console.log(
      `  start-up to listening: median ${fmt(s[Math.floor(s.length / 2)] ?? Number.NaN, 0)} ms over ${s.length} starts`,
    );
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
