import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/** Issue 2 "Done when", over real HTTP: signatures, url_verification, help, event retries, Slack's refusals. */

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const countRows = (table: string) =>
  (h.db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

/** The bot's own client, as the features use it (no retries, so refusals surface at once). */
const botClient = () =>
  new WebClient(h.sim.token, { slackApiUrl: h.sim.apiUrl, retryConfig: { retries: 0 } });

describe('signed requests', () => {
  const eventBody = () =>
    JSON.stringify({
      token: 'x',
      team_id: WS.team,
      api_app_id: WS.appId,
      type: 'event_callback',
      event_id: 'EvFORGED01',
      event_time: 1,
      event: {
        type: 'app_home_opened',
        user: WS.users.alice,
        channel: 'D0ALICE',
        tab: 'home',
        event_ts: '1.000001',
      },
    });

  it.each([
    ['forged', { signature: 'v0=0000000000000000000000000000000000000000000000000000000000000000' }],
    ['stale (6 min)', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
    ['unsigned', { signature: null }],
  ] as const)('a %s request gets 401 and changes nothing', async (_name, opts) => {
    const callsBefore = h.sim.calls().length;
    const event = await h.send.raw(eventBody(), 'application/json', opts);
    const command = await h.send.raw(
      new URLSearchParams({
        command: '/incident',
        text: 'declare Forged',
        user_id: WS.users.alice,
        channel_id: WS.channels.general,
      }).toString(),
      'application/x-www-form-urlencoded',
      opts,
    );
    expect(event.status).toBe(401);
    expect(command.status).toBe(401);
    await h.idle();
    expect(countRows('slack_events')).toBe(0);
    expect(countRows('incidents')).toBe(0);
    expect(h.sim.calls().length).toBe(callsBefore);
    expect(h.sim.home(WS.users.alice)).toBeUndefined();
  });

  it('the same request correctly signed is accepted (the 401s above are about the signature)', async () => {
    const r = await h.send.raw(eventBody(), 'application/json');
    expect(r.status).toBe(200);
    await h.idle();
    expect(countRows('slack_events')).toBe(1);
  });

  it('answers url_verification with the challenge', async () => {
    const r = await h.send.urlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
    expect(r.status).toBe(200);
    expect(r.body).toContain('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
  });
});

describe('/incident help', () => {
  it('is answered within 3 s and lists the subcommands, only to the person who asked', async () => {
    const r = await h.person(WS.users.dave).command('help', WS.channels.general);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(3000);
    const text = r.reply?.text ?? '';
    expect(text).toContain('/incident help');
    expect(text.split('\n').filter((l) => l.startsWith('• `/incident ')).length).toBeGreaterThan(1);
    expect(h.sim.ephemerals(WS.users.dave, WS.channels.general)).toHaveLength(1);
    expect(h.sim.ephemerals(WS.users.alice)).toHaveLength(0);
    expect(h.sim.messages(WS.channels.general)).toHaveLength(0);
  });

  it('an unknown subcommand answers with help', async () => {
    const r = await h.person(WS.users.dave).command('frobnicate', WS.channels.general);
    expect(r.reply?.text).toContain('frobnicate');
    expect(r.reply?.text).toContain('/incident help');
  });
});

describe('Events API retries', () => {
  it('an event retried with the same event_id is processed once', async () => {
    const event = {
      type: 'app_home_opened',
      user: WS.users.bob,
      channel: 'D0BOB',
      tab: 'home',
      event_ts: h.sim.ws.nextTs(),
    };
    const first = await h.send.event(event);
    expect(first.status).toBe(200);
    await h.idle();
    const published = h.sim.calls('views.publish').length;
    expect(published).toBeGreaterThan(0); // the listener's visible effect: bob's Home tab
    expect(h.sim.home(WS.users.bob)).toBeDefined();
    for (const retryNum of [1, 2, 3]) {
      const again = await h.send.event(event, {
        eventId: first.eventId,
        retryNum,
        retryReason: 'http_timeout',
      });
      expect(again.status).toBe(200);
    }
    await h.idle();
    expect(countRows('slack_events')).toBe(1);
    expect(h.sim.calls('views.publish').length).toBe(published);
  });

  it('a new event_id for the same kind of event is processed again', async () => {
    await h.person(WS.users.bob).openHome();
    const published = h.sim.calls('views.publish').length;
    await h.person(WS.users.bob).openHome();
    expect(countRows('slack_events')).toBe(2);
    expect(h.sim.calls('views.publish').length).toBeGreaterThan(published);
  });
});

describe('the simulator refuses what Slack refuses', () => {
  it('an invalid channel name', async () => {
    const c = botClient();
    await expect(c.conversations.create({ name: 'Checkout Down!' })).rejects.toMatchObject({
      data: { ok: false, error: 'invalid_name_specials' },
    });
    await expect(c.conversations.create({ name: 'x'.repeat(81) })).rejects.toMatchObject({
      data: { error: 'invalid_name_maxlength' },
    });
    await expect(c.conversations.create({ name: '' })).rejects.toMatchObject({
      data: { error: 'invalid_name_required' },
    });
    const ok = await c.conversations.create({ name: 'inc-1-checkout' });
    await c.conversations.archive({ channel: ok.channel?.id ?? '' });
    await expect(c.conversations.create({ name: 'inc-1-checkout' })).rejects.toMatchObject({
      data: { error: 'name_taken' },
    });
    expect(h.sim.channels().filter((ch) => ch.name === 'inc-1-checkout')).toHaveLength(1);
  });

  it('a 51-block message, with the pointer Slack gives', async () => {
    const blocks = Array.from({ length: 51 }, (_, i) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: `${i}` },
    }));
    await expect(
      botClient().chat.postMessage({ channel: WS.channels.general, text: 'x', blocks }),
    ).rejects.toMatchObject({
      data: {
        ok: false,
        error: 'invalid_blocks',
        errors: ['must be less than 51 items [json-pointer:/blocks]'],
      },
    });
    expect(h.sim.messages(WS.channels.general)).toHaveLength(0);
    await botClient().chat.postMessage({
      channel: WS.channels.general,
      text: 'x',
      blocks: blocks.slice(0, 50),
    });
    expect(h.sim.messages(WS.channels.general)).toHaveLength(1);
  });

  it('a reused or expired trigger_id', async () => {
    const c = botClient();
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Hello' },
      blocks: [],
    };
    const trigger = h.sim.issueTrigger(WS.users.alice);
    await c.views.open({ trigger_id: trigger, view });
    expect(h.sim.topView(WS.users.alice)?.title?.text).toBe('Hello');
    await expect(c.views.open({ trigger_id: trigger, view })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });
    const late = h.sim.issueTrigger(WS.users.bob);
    h.sim.expireTriggers();
    await expect(c.views.open({ trigger_id: late, view })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });
    expect(h.sim.topView(WS.users.bob)).toBeUndefined();
  });

  it('posting where the bot is not a member, a long topic, a long chat.update, a wrong token, a missing scope', async () => {
    const c = botClient();
    // The bot starts in no channel: it joins #general to work there.
    await c.conversations.join({ channel: WS.channels.general });
    await expect(c.conversations.setTopic({ channel: WS.channels.random, topic: 'x' })).rejects.toMatchObject(
      {
        data: { error: 'not_in_channel' },
      },
    );
    await expect(
      c.conversations.setTopic({ channel: WS.channels.general, topic: 't'.repeat(251) }),
    ).rejects.toMatchObject({
      data: { error: 'too_long' },
    });
    const posted = await c.chat.postMessage({ channel: WS.channels.general, text: 'short' });
    await expect(
      c.chat.update({ channel: WS.channels.general, ts: posted.ts ?? '', text: 'u'.repeat(4001) }),
    ).rejects.toMatchObject({
      data: { error: 'msg_too_long' },
    });
    await expect(
      new WebClient('xoxb-wrong', { slackApiUrl: h.sim.apiUrl, retryConfig: { retries: 0 } }).auth.test(),
    ).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    // The manifest asks for no im:write (the bot DMs through chat.postMessage to a user id).
    await expect(c.conversations.open({ users: WS.users.bob })).rejects.toMatchObject({
      data: { error: 'missing_scope', needed: 'im:write' },
    });
  });

  it('fault injection: a 500 is retried by the bot’s client and the call log shows both attempts', async () => {
    h.sim.fault('chat.postMessage', { status: 500 });
    const c = new WebClient(h.sim.token, {
      slackApiUrl: h.sim.apiUrl,
      retryConfig: { retries: 1, minTimeout: 5, maxTimeout: 10 },
    });
    await c.chat.postMessage({ channel: WS.channels.general, text: 'after a 500' });
    expect(h.sim.calls('chat.postMessage').map((x) => x.status)).toEqual([500, 200]);
    expect(h.sim.messages(WS.channels.general)).toHaveLength(1);
  });
});

describe('the 3-second rule under a slow Slack', () => {
  it('acks /incident in time even when the handler waits on a slow Web API call, and answers through response_url', async () => {
    const h = await startHarness();
    try {
      await h.person(WS.users.alice).command('declare Disk full on db-3');
      await h.idle();
      const ch = h.sim.channels().find((c) => c.name.startsWith('inc-1-'));
      expect(ch).toBeDefined();
      // The membership check behind `ack` takes longer than Slack waits.
      h.sim.fault('conversations.members', { delayMs: 3300 });
      const r = await h.send.command(WS.users.alice, ch?.id ?? '', 'ack');
      expect(r.status).toBe(200);
      expect(r.ms).toBeLessThan(3000);
      await h.idle();
      const seen = h.sim.ephemerals(WS.users.alice, ch?.id).map((e) => e.text ?? '');
      expect(seen.some((t) => t.includes('Acknowledged INC-1'))).toBe(true);
    } finally {
      await h.close();
    }
  });
});
