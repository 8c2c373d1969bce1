import { afterEach, describe, expect, it } from 'vitest';
import { incidents } from '../../src/db/schema.js';
import { DIGEST_JOB } from '../../src/digest/slack/jobs.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { type Harness, type HarnessOptions, startHarness, WS } from '../helpers/harness.js';

/**
 * Slack as a new workspace meets the bot: it is in no channel, reaches the announcement and digest
 * channels only through chat:write.public (which only posts), some people cannot be invited, and
 * some workspaces do not let it create channels.
 */

const { alice } = WS.users;
const ANNOUNCE = WS.channels.announce;
const DIGEST = WS.channels.digest;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A harness whose error log lines are kept (the operator's view). */
async function harness(opts: HarnessOptions = {}): Promise<{ h: Harness; errors: string[] }> {
  h = await startHarness(opts);
  const errors: string[] = [];
  const logger = h.deps.logger;
  const original = logger.error.bind(logger);
  logger.error = (...args: unknown[]) => {
    errors.push(args.map(String).join(' '));
    original(...args);
  };
  return { h, errors };
}

const byBot = (harness: Harness, channel: string) =>
  harness.sim.messages(channel).filter((m) => m.user === WS.botUser);

async function declare(harness: Harness, title = 'Checkout API returns 502') {
  await harness.person(alice).command(`declare ${title}`, WS.channels.general);
  await harness.idle();
  const i = getIncidentByNumber(harness.db, 1);
  if (!i) throw new Error('no incident');
  return i;
}

function lastWeeksIncident(harness: Harness) {
  const at = new Date('2026-11-17T10:00:00Z');
  harness.db
    .insert(incidents)
    .values({
      number: 1,
      title: 'Checkout errors',
      severity: 2,
      declaredBy: alice,
      leadId: alice,
      startedAt: at,
      declaredAt: at,
    })
    .run();
}

describe('channels the bot reaches only through chat:write.public', () => {
  it('the announcement’s answer lost: the bot joined the channel, found its post, and setup finished', async () => {
    const { h } = await harness();
    expect(h.sim.members(ANNOUNCE)).not.toContain(WS.botUser);
    h.sim.fault(
      'chat.postMessage',
      { status: 500, afterEffect: true },
      { when: (a) => a.channel === ANNOUNCE },
    );
    const i = await declare(h);
    expect(h.sim.members(ANNOUNCE)).toContain(WS.botUser);
    const posts = byBot(h, ANNOUNCE);
    expect(posts).toHaveLength(1);
    expect(i).toMatchObject({ setupError: null, announcementTs: posts[0]?.ts });
    expect(h.sim.calls('conversations.history').every((c) => c.ok)).toBe(true);
  });

  it('the digest and its chart arrive in a channel nobody invited the bot to, the chart with alt text', async () => {
    const { h } = await harness();
    lastWeeksIncident(h);
    expect(h.sim.members(DIGEST)).not.toContain(WS.botUser);
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    const digest = byBot(h, DIGEST)[0];
    const chart = h.sim.replies(DIGEST, digest?.ts ?? '').find((r) => r.files?.length);
    expect(chart?.files?.[0]).toMatchObject({ name: 'incidents-2026-11-16.png' });
    // Slack's parameter is alt_txt (files.getUploadURLExternal); alt_text would be dropped.
    expect(chart?.files?.[0]?.alt_txt).toMatch(/^Stacked bars of incidents per week by severity/);
    expect(h.db.query.digestRuns.findFirst().sync()).toMatchObject({ status: 'posted' });
  });

  it('a private announcement channel the bot is not in: the incident is set up, the operator is told how to fix it', async () => {
    const { h, errors } = await harness({ env: { ANNOUNCE_CHANNEL: 'G0SECRET' } });
    h.sim.ws.addChannel('G0SECRET', 'sec-incidents', [alice], { is_private: true });
    const i = await declare(h);
    expect(i.setupError).toBeNull();
    expect(i.channelId).toBeTruthy();
    expect(h.sim.pins(i.channelId ?? '')).toHaveLength(1);
    expect(h.sim.dms(alice)).toHaveLength(0); // no "setup failed" DM with a Retry button
    expect(errors.join('\n')).toMatch(/ANNOUNCE_CHANNEL G0SECRET: .*private channel.*\/invite @Firebreak/);
  });

  it('a private announcement channel the bot was invited to: it announces there', async () => {
    const { h, errors } = await harness({ env: { ANNOUNCE_CHANNEL: 'G0SECRET' } });
    h.sim.ws.addChannel('G0SECRET', 'sec-incidents', [alice, WS.botUser], { is_private: true });
    const i = await declare(h);
    expect(byBot(h, 'G0SECRET')).toHaveLength(1);
    expect(i.announcementTs).toBe(byBot(h, 'G0SECRET')[0]?.ts);
    expect(errors).toEqual([]);
  });

  it('a private digest channel the bot is not in: no digest, and the log says to /invite it', async () => {
    const { h, errors } = await harness({ env: { DIGEST_CHANNEL: 'G0LEADS' } });
    h.sim.ws.addChannel('G0LEADS', 'leads', [alice], { is_private: true });
    lastWeeksIncident(h);
    await h.bot.scheduler.run(DIGEST_JOB);
    await h.idle();
    expect(h.db.query.digestRuns.findFirst().sync()).toMatchObject({ status: 'failed' });
    expect(errors.join('\n')).toMatch(/DIGEST_CHANNEL G0LEADS: .*\/invite @Firebreak/);
  });
});

describe('people Slack will not add, and workspaces that restrict channel creation', () => {
  it('a guest as lead: channel, summary and announcement happen; the channel says who was not added and why', async () => {
    const { h } = await harness();
    const person = h.person(alice);
    await person.shortcut('declare_incident');
    await person.fillAndSubmit({ Title: 'Search index stale', Severity: 'SEV2', Lead: WS.refused.gina });
    await h.idle();
    const i = getIncidentByNumber(h.db, 1);
    expect(i?.setupError).toBeNull();
    const ch = i?.channelId ?? '';
    expect(h.sim.members(ch)).toContain(alice);
    expect(h.sim.members(ch)).not.toContain(WS.refused.gina);
    expect(h.sim.pins(ch)).toHaveLength(1);
    expect(byBot(h, ANNOUNCE)).toHaveLength(1);
    const notice = h.sim.messages(ch).find((m) => m.text.includes('could not add'));
    expect(notice?.text).toContain(`<@${alice}>`);
    expect(notice?.text).toContain(`<@${WS.refused.gina}>: they are a guest`);
    expect(notice?.text).toContain('/invite');
  });

  it('a guest made lead later: the role stands, and the channel says why they were not added', async () => {
    const { h } = await harness();
    const i = await declare(h);
    const ch = i.channelId ?? '';
    const r = await h.person(alice).command('lead @gina', ch);
    expect(r.reply?.text).toBe(`<@${WS.refused.gina}> now leads INC-1.`);
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)?.leadId).toBe(WS.refused.gina);
    expect(h.sim.members(ch)).not.toContain(WS.refused.gina);
    const notice = h.sim.messages(ch).find((m) => m.text.includes('could not add'));
    expect(notice?.text).toContain(`<@${alice}>, I could not add one person`);
    expect(notice?.text).toContain(`<@${WS.refused.gina}>: they are a guest`);
  });

  it('restricted_action: the declarer is told which workspace setting stops it, and Retry works once it is changed', async () => {
    const { h } = await harness({ prefs: { restrictChannelCreation: true } });
    const i = await declare(h);
    expect(i.setupError).toBe('restricted_action');
    const dm = h.sim.renderBlocks(h.sim.dms(alice).at(-1)?.blocks);
    expect(dm).toContain('limits who can create channels');
    expect(dm).toContain('Workspace settings → Permissions → Channel management');
    expect(dm).toContain('Retry setup');

    h.sim.ws.prefs.restrictChannelCreation = false;
    await h.person(alice).click('Retry setup');
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)).toMatchObject({ setupError: null });
    expect(getIncidentByNumber(h.db, 1)?.channelId).toBeTruthy();
  });
});
