import { afterEach, describe, expect, it } from 'vitest';
import type { SimMessage } from '../../sim/types.js';
import { createApp } from '../../src/app.js';
import type { Db } from '../../src/db/client.js';
import { digestRuns, followUps, incidents, recurrenceLinks } from '../../src/db/schema.js';
import { DIGEST_JOB, DIGEST_RETRY_JOB, runDigest } from '../../src/digest/slack/jobs.js';
import { createLogger } from '../../src/log.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';
import { decodePng } from '../helpers/png.js';

const DIGEST = WS.channels.digest;
const d = (iso: string) => new Date(iso);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Finished runs of the weekly digest job so far (the scheduler's own count, /metrics). */
async function digestJobRuns(h: Harness): Promise<number> {
  const metric = await h.bot.metrics.registry.getSingleMetric('firebreak_job_runs_total')?.get();
  return metric?.values.find((v) => v.labels.job === DIGEST_JOB)?.value ?? 0;
}

/**
 * Waits until the cron has run the digest job `n` more times: a fixed sleep let a loaded machine's
 * slow cron fire once or not at all, and "exactly once while the cron fires" needs it to fire twice.
 */
async function digestFires(h: Harness, n: number): Promise<void> {
  const target = (await digestJobRuns(h)) + n;
  const deadline = Date.now() + 30_000;
  while ((await digestJobRuns(h)) < target) {
    if (Date.now() > deadline) throw new Error(`the digest cron did not run ${n} times in 30 s`);
    await sleep(50);
  }
}

let numberSeq = 0;
function incident(db: Db, over: Partial<typeof incidents.$inferInsert>) {
  numberSeq += 1;
  const at = over.declaredAt ?? d('2026-11-17T10:00:00Z');
  return db
    .insert(incidents)
    .values({
      number: numberSeq,
      title: `Checkout errors ${numberSeq}`,
      severity: 2,
      declaredBy: WS.users.alice,
      leadId: WS.users.alice,
      startedAt: at,
      declaredAt: at,
      ...over,
    })
    .returning()
    .get();
}

/** Last week (16–22 Nov 2026): two public incidents, one a repeat of older history, and one private. */
function seedLastWeek(db: Db) {
  numberSeq = 0;
  const old = incident(db, {
    title: 'Card payments time out',
    declaredAt: d('2026-10-05T10:00:00Z'),
    resolvedAt: d('2026-10-05T12:00:00Z'),
    status: 'closed',
    rootCauseSummary: 'Provider rate limit',
    rootCauseCategory: 'dependency failure',
    channelId: 'C0INCOLD',
  });
  const repeat = incident(db, {
    title: 'Card payments time out again',
    severity: 1,
    declaredAt: d('2026-11-17T10:00:00Z'),
    acknowledgedAt: d('2026-11-17T10:03:00Z'),
    resolvedAt: d('2026-11-17T11:00:00Z'),
    status: 'resolved',
    channelId: 'C0INCNEW',
  });
  incident(db, {
    title: 'Search is slow',
    severity: 3,
    declaredAt: d('2026-11-19T08:00:00Z'),
  });
  const secret = incident(db, {
    title: 'Zebra payroll exposure',
    severity: 1,
    isPrivate: true,
    declaredAt: d('2026-11-20T08:00:00Z'),
    acknowledgedAt: d('2026-11-20T08:10:00Z'),
    channelId: 'G0ZEBRA',
  });
  db.insert(recurrenceLinks)
    .values([
      {
        incidentId: repeat.id,
        relatedId: old.id,
        score: 0.9,
        level: 'warning',
        explanation: {},
        feedback: 'same',
        createdAt: d('2026-11-17T10:01:00Z'),
      },
      {
        incidentId: secret.id,
        relatedId: old.id,
        score: 0.8,
        level: 'warning',
        explanation: {},
        createdAt: d('2026-11-20T08:01:00Z'),
      },
    ])
    .run();
  db.insert(followUps)
    .values({
      incidentId: secret.id,
      text: 'Zebra rotate keys',
      ownerId: WS.users.bob,
      dueDate: '2026-11-21',
      createdBy: WS.users.bob,
      createdAt: d('2026-11-20T09:00:00Z'),
    })
    .run();
}

const topLevel = (h: Harness): SimMessage[] => h.sim.messages(DIGEST).filter((m) => m.user === WS.botUser);
const runs = (h: Harness) => h.db.select().from(digestRuns).all();
/** Everything a person could read in the digest channel, threads and file names included. */
function everything(h: Harness): string {
  const parts: string[] = [h.sim.render(DIGEST)];
  for (const m of h.sim.messages(DIGEST)) {
    parts.push(m.text, JSON.stringify(m.blocks ?? []));
    for (const r of h.sim.replies(DIGEST, m.ts))
      parts.push(
        r.text,
        JSON.stringify(r.blocks ?? []),
        JSON.stringify((r.files ?? []).map((f) => [f.name, f.title])),
      );
  }
  return parts.join('\n');
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('weekly digest through the simulator', () => {
  it('posts exactly once per week while the cron fires every second', async () => {
    h = await startHarness({ now: '2026-11-23T09:00:00Z', env: { DIGEST_CRON: '* * * * * *' } });
    seedLastWeek(h.db);
    h.bot.scheduler.start();
    await digestFires(h, 2);
    await h.idle();
    expect(topLevel(h)).toHaveLength(1);
    const post = topLevel(h)[0];
    expect(post?.text).toContain('Weekly incident digest: 16–22 Nov 2026');
    const replies = h.sim.replies(DIGEST, post?.ts ?? '');
    expect(replies.filter((r) => r.text.startsWith('Digest details'))).toHaveLength(1);
    expect(replies.flatMap((r) => r.files ?? [])).toHaveLength(1);

    // A week later the next week is posted, once.
    h.clock.advance(7 * 24 * 3_600_000);
    // Three: a run begun before the clock moved may be the first to finish; runs are one at a time.
    await digestFires(h, 3);
    await h.idle();
    h.bot.scheduler.stop();
    await h.idle();
    expect(topLevel(h)).toHaveLength(2);
    expect(topLevel(h)[1]?.text).toContain('No incidents were declared in the week of 23–29 Nov 2026');
    expect(runs(h).map((r) => [r.weekStart, r.status])).toEqual([
      ['2026-11-16', 'posted'],
      ['2026-11-23', 'posted'],
    ]);
  });

  it('two overlapping runs give one post', async () => {
    h = await startHarness({ now: '2026-11-23T09:00:00Z' });
    seedLastWeek(h.db);
    const client = h.bot.app.client;
    await Promise.all([
      runDigest(h.deps, client),
      runDigest(h.deps, client),
      h.bot.scheduler.run(DIGEST_JOB),
      h.bot.scheduler.run(DIGEST_RETRY_JOB),
    ]);
    await h.idle();
    expect(topLevel(h)).toHaveLength(1);
    expect(h.sim.files(DIGEST)).toHaveLength(1);
  });

  it('a failed first post is retried later, never lost, never duplicated', async () => {
    h = await startHarness({ now: '2026-11-23T09:00:00Z' });
    seedLastWeek(h.db);
    // More 500s than the client's retries: the first attempt fails.
    h.sim.fault('chat.postMessage', { status: 500 }, { times: 3 });
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    expect(topLevel(h)).toHaveLength(0);
    expect(runs(h)[0]).toMatchObject({ weekStart: '2026-11-16', status: 'failed', attempts: 1 });
    expect(runs(h)[0]?.lastError).toBeTruthy();

    // Too early for the retry: nothing happens.
    await h.bot.scheduler.run(DIGEST_RETRY_JOB);
    await h.idle();
    expect(topLevel(h)).toHaveLength(0);

    h.clock.advance(2 * 60_000);
    await h.bot.scheduler.run(DIGEST_RETRY_JOB);
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    expect(topLevel(h)).toHaveLength(1);
    expect(runs(h)[0]).toMatchObject({ status: 'posted', attempts: 2, lastError: null });
  });

  it('a half-posted digest resumes in its thread instead of posting again', async () => {
    h = await startHarness({ now: '2026-11-23T09:00:00Z' });
    seedLastWeek(h.db);
    h.sim.fault('files.getUploadURLExternal', { error: 'internal_error' });
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    expect(topLevel(h)).toHaveLength(1);
    expect(h.sim.files(DIGEST)).toHaveLength(0);
    expect(runs(h)[0]?.status).toBe('failed');

    h.clock.advance(2 * 60_000);
    await h.bot.scheduler.run(DIGEST_RETRY_JOB);
    await h.idle();
    expect(topLevel(h)).toHaveLength(1);
    const ts = topLevel(h)[0]?.ts ?? '';
    const replies = h.sim.replies(DIGEST, ts);
    expect(replies.filter((r) => r.text.startsWith('Digest details'))).toHaveLength(1);
    expect(replies.flatMap((r) => r.files ?? [])).toHaveLength(1);
    expect(runs(h)[0]?.status).toBe('posted');
  });

  it('after a restart the week is not posted again', async () => {
    h = await startHarness({ now: '2026-11-23T09:00:00Z' });
    seedLastWeek(h.db);
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    expect(topLevel(h)).toHaveLength(1);
    await h.bot.stop();
    const again = createApp({
      config: h.config,
      db: h.db,
      logger: createLogger('error'),
      clock: h.clock,
      retryConfig: { retries: 0 },
      // As in the harness: the alert cards' first flush after start-up otherwise sleeps 2 s, which
      // stop() and tasks.idle() wait out.
      alertCoalesceMs: 20,
    });
    await again.start(0); // schedules on: the start-up catch-up runs
    await again.deps.tasks.idle();
    await h.idle();
    await again.stop();
    expect(topLevel(h)).toHaveLength(1);
    // The harness stops its own bot on close; give it a fresh one to stop.
    h.bot.stop = async () => {};
  });

  it('catches up on start-up when the bot was down at the due time, once', async () => {
    // Wednesday: Monday 09:00's digest was missed.
    h = await startHarness({ now: '2026-11-25T15:00:00Z' });
    seedLastWeek(h.db);
    h.bot.scheduler.start();
    await h.idle();
    h.bot.scheduler.stop();
    expect(topLevel(h)).toHaveLength(1);
    expect(topLevel(h)[0]?.text).toContain('16–22 Nov 2026');
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    expect(topLevel(h)).toHaveLength(1);
  });

  it('does not post before the digest is due', async () => {
    h = await startHarness({ now: '2026-11-23T08:59:00Z', env: { DIGEST_CRON: '0 9 * * 1' } });
    seedLastWeek(h.db);
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    expect(topLevel(h)).toHaveLength(0);
    h.clock.advance(60_000);
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    expect(topLevel(h)).toHaveLength(1);
  });

  it('uploads the chart through the files upload flow as a valid PNG, and names nothing private', async () => {
    h = await startHarness({ now: '2026-11-23T09:00:00Z' });
    seedLastWeek(h.db);
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    expect(h.sim.calls('files.getUploadURLExternal').filter((c) => c.ok)).toHaveLength(1);
    expect(h.sim.calls('files.completeUploadExternal').filter((c) => c.ok)).toHaveLength(1);
    const files = h.sim.files(DIGEST);
    expect(files).toHaveLength(1);
    const png = decodePng(files[0]?.bytes ?? Buffer.alloc(0));
    expect([png.width, png.height]).toEqual([800, 400]);
    expect(files[0]?.name).toBe('incidents-2026-11-16.png');
    const post = topLevel(h)[0];
    expect(h.sim.replies(DIGEST, post?.ts ?? '').some((r) => (r.files ?? []).length === 1)).toBe(true);

    const seen = everything(h);
    expect(seen).toContain('Card payments time out again');
    expect(seen).toContain('1 private incident (not named)');
    expect(seen).not.toMatch(/Zebra|G0ZEBRA|INC-4\b/);
  });

  it('a quiet week gets a short post that says so', async () => {
    h = await startHarness({ now: '2026-11-23T09:00:00Z' });
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    expect(topLevel(h)).toHaveLength(1);
    expect(topLevel(h)[0]?.text).toContain('No incidents were declared in the week of 16–22 Nov 2026');
    expect(h.sim.replies(DIGEST, topLevel(h)[0]?.ts ?? '')).toHaveLength(0);
  });

  it('no DIGEST_CHANNEL, no digest', async () => {
    h = await startHarness({ now: '2026-11-23T09:00:00Z', env: { DIGEST_CHANNEL: '' } });
    seedLastWeek(h.db);
    expect(h.bot.scheduler.jobs.map((j) => j.name)).not.toContain(DIGEST_JOB);
    expect(await runDigest(h.deps, h.bot.app.client)).toEqual({});
    await h.idle();
    expect(h.sim.calls('chat.postMessage')).toHaveLength(0);
  });

  it('/incident digest shows this week so far, and `last` the previous week, only to the caller', async () => {
    h = await startHarness({ now: '2026-11-23T09:00:00Z' });
    seedLastWeek(h.db);
    incident(h.db, { title: 'Login loops', declaredAt: d('2026-11-23T08:00:00Z') });
    const alice = h.person(WS.users.alice);
    const now = await alice.command('digest', WS.channels.general);
    expect(now.reply?.text).toContain('This week so far: 23–29 Nov 2026');
    expect(now.reply?.text).toContain('1 declared, 0 resolved');
    expect(h.sim.renderBlocks(now.reply?.blocks)).toContain('Only you can see this');
    const last = await alice.command('digest last', WS.channels.general);
    expect(last.reply?.text).toContain('Weekly incident digest: 16–22 Nov 2026');
    const lastText = h.sim.renderBlocks(last.reply?.blocks);
    expect(lastText).toContain('Card payments time out again');
    expect(lastText).not.toMatch(/Zebra/);
    const bad = await alice.command('digest yesterday', WS.channels.general);
    expect(bad.reply?.text).toContain(':warning:');
    await h.idle();
    expect(h.sim.messages(WS.channels.general).filter((m) => m.user === WS.botUser)).toHaveLength(0);
    expect(h.sim.messages(DIGEST)).toHaveLength(0);
  });
});
