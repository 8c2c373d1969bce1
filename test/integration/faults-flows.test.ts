import { describe, expect, it } from 'vitest';
import { DIGEST_JOB, DIGEST_RETRY_JOB } from '../../src/digest/slack/jobs.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { RESUME_SETUP_JOB } from '../../src/lifecycle/slack/setup-jobs.js';
import { makeIncident } from '../helpers/db.js';
import { FAULTS, type Flow, faultMatrix } from '../helpers/faults.js';
import { type Harness, WS } from '../helpers/harness.js';

/**
 * Capture, resolve, recurrence warning and digest under Slack faults: for each Web API method the
 * flow uses, a 429 (Retry-After), a 500 or a slow answer must leave the same world as a clean run.
 */
const { alice, bob } = WS.users;

async function declare(h: Harness, title: string): Promise<string> {
  const r = await h.person(alice).command(`declare ${title}`, WS.channels.general);
  expect(r.reply?.text ?? '').toMatch(/INC-\d+/);
  await h.idle();
  const n = Number(/INC-(\d+)/.exec(r.reply?.text ?? '')?.[1]);
  const ch = getIncidentByNumber(h.db, n)?.channelId;
  if (!ch) throw new Error('no channel');
  return ch;
}

const capture: Flow<{ channel: string; a: string; b: string }> = {
  name: 'capture',
  async setup(h) {
    const channel = await declare(h, 'Checkout API returns 502');
    await h.person(bob).join(channel);
    const a = (await h.person(bob).say(channel, 'DB pool at 100% on checkout-db-2')).ts;
    const b = (await h.person(bob).say(channel, 'Rolling back deploy 4.2 now')).ts;
    return { channel, a, b };
  },
  async act(h, { channel, a, b }) {
    await h.person(alice).react(channel, a, 'pushpin');
    await h.idle();
    await h.person(alice).messageShortcut('add_to_timeline', channel, b);
    await h.idle();
    await h.person(alice).command('note error rate back to baseline', channel);
  },
};

const resolve: Flow<{ channel: string }> = {
  name: 'resolve',
  now: '2026-11-23T14:00:00Z',
  async setup(h) {
    return { channel: await declare(h, 'Checkout API returns 502') };
  },
  async act(h, { channel }) {
    h.clock.set('2026-11-23T14:20:00Z');
    const a = h.person(alice);
    await a.command('resolve', channel);
    await a.fillAndSubmit({
      'What fixed it?': 'Rolled back the 13:55 deploy of checkout-api',
      'Root cause': 'A config flag set the DB pool size to 0',
      'Root-cause category': 'configuration',
      'Resolved at': new Date('2026-11-23T14:15:00Z'),
      'Follow-up 1': 'Add a canary stage to checkout-api',
      'Owner of follow-up 1': bob,
      'Due date of follow-up 1': '2026-11-25',
    });
  },
};

const DAY = 86_400_000;
const warn: Flow<void> = {
  name: 'recurrence warning',
  async setup(h) {
    const at = new Date(Date.parse('2026-11-23T09:00:00Z') - 30 * DAY);
    makeIncident(h.db, {
      title: 'Checkout API returns 502 bad gateway for card payments',
      description: 'nginx upstream errors: checkout-api connection pool exhausted',
      services: ['checkout'],
      status: 'resolved',
      rootCauseSummary: 'Database connection pool exhausted after the 4.2 deploy',
      rootCauseCategory: 'deploy/change',
      resolutionSummary: 'Rolled back 4.2 and raised the pool size',
      channelId: 'C0OLDINC1',
      startedAt: at,
      declaredAt: at,
      resolvedAt: at,
    });
  },
  async act(h) {
    await h
      .person(alice)
      .command('declare Checkout returns 502 bad gateway on card payments', WS.channels.general);
  },
  async settle(h) {
    h.clock.advance(10 * 60_000);
    await h.bot.scheduler.run(RESUME_SETUP_JOB);
  },
};

const digest: Flow<void> = {
  name: 'digest',
  async setup(h) {
    const d = (iso: string) => new Date(iso);
    makeIncident(h.db, {
      title: 'Card payments time out',
      severity: 1,
      status: 'resolved',
      declaredAt: d('2026-11-17T10:00:00Z'),
      startedAt: d('2026-11-17T10:00:00Z'),
      acknowledgedAt: d('2026-11-17T10:03:00Z'),
      resolvedAt: d('2026-11-17T11:00:00Z'),
      rootCauseSummary: 'Provider rate limit',
      rootCauseCategory: 'dependency failure',
      channelId: 'C0INCA',
    });
    makeIncident(h.db, {
      title: 'Search is slow',
      severity: 3,
      declaredAt: d('2026-11-19T08:00:00Z'),
      startedAt: d('2026-11-19T08:00:00Z'),
      channelId: 'C0INCB',
    });
    makeIncident(h.db, {
      title: 'Secret thing',
      severity: 2,
      isPrivate: true,
      status: 'resolved',
      declaredAt: d('2026-11-20T08:00:00Z'),
      startedAt: d('2026-11-20T08:00:00Z'),
      resolvedAt: d('2026-11-20T09:00:00Z'),
      channelId: 'G0SECRET',
    });
  },
  async act(h) {
    await h.bot.scheduler.run(DIGEST_JOB);
  },
  async settle(h) {
    h.clock.advance(10 * 60_000);
    await h.bot.scheduler.run(DIGEST_RETRY_JOB);
    await h.bot.scheduler.run(DIGEST_JOB);
  },
};

for (const [flow, mustCall] of [
  [capture, ['conversations.history', 'reactions.add', 'chat.getPermalink']],
  [resolve, ['views.open', 'chat.postMessage', 'chat.update']],
  [warn, ['chat.postMessage']],
  [digest, ['chat.postMessage']],
] as const) {
  describe(`${flow.name} under Slack faults`, () => {
    it.each(FAULTS)(
      '$name on each method it uses: same end state, no duplicates',
      async ({ fault }) => {
        expect(await faultMatrix(flow as Flow<unknown>, fault, [...mustCall])).toEqual([]);
      },
      240_000,
    );
  });
}

describe('a capture whose message Slack cannot return', () => {
  it('stays in the inbox, is tried again, and lands once Slack answers; never twice', async () => {
    const { startHarness } = await import('../helpers/harness.js');
    const h = await startHarness();
    try {
      const ctx = await capture.setup(h);
      await h.idle();
      const stored = () =>
        h.db.$client
          .prepare('select count(*) as n from timeline_events where source_key = ?')
          .get(`msg:${ctx.channel}:${ctx.a}`) as { n: number };
      h.sim.fault('conversations.history', { error: 'internal_error' }, { times: 20 });
      await h.person(alice).react(ctx.channel, ctx.a, 'pushpin');
      await h.idle();
      expect(stored().n).toBe(0);
      const ev = h.db.$client
        .prepare("select status, attempts from slack_events where type = 'reaction_added'")
        .get() as { status: string; attempts: number };
      expect(ev).toEqual({ status: 'pending', attempts: 1 });
      h.sim.clearFaults();
      await h.bot.replayPending();
      await h.idle();
      await h.bot.replayPending();
      await h.idle();
      expect(stored().n).toBe(1);
      expect(
        h.db.$client.prepare("select status from slack_events where type = 'reaction_added'").get(),
      ).toEqual({ status: 'done' });
      const check =
        h.sim.message(ctx.channel, ctx.a)?.reactions.filter((r) => r.name === 'white_check_mark') ?? [];
      expect(check).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
