import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandBody, eventBody, postRaw, postSigned, signedHeaders } from '../../sim/signed.js';
import { BODY_LIMIT } from '../../src/app.js';
import { type Harness, SIGNING_SECRET, startHarness, WS } from '../helpers/harness.js';

/**
 * Requests that did not come from Slack, or came too late, too early, altered or malformed, are
 * refused and change nothing: no database row (any table), no Web API call, nothing shown to anyone.
 * A correctly signed copy of the same request is accepted and DOES change things, so these
 * assertions can fail.
 */
let h: Harness;

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

function snapshot(): Record<string, number> {
  const tables = h.db.$client
    .prepare(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '%drizzle%'",
    )
    .all() as { name: string }[];
  return Object.fromEntries(
    tables.map((t) => [
      t.name,
      (h.db.$client.prepare(`select count(*) as n from "${t.name}"`).get() as { n: number }).n,
    ]),
  );
}

function shownToPeople(): number {
  return Object.values(WS.users).reduce((n, u) => n + h.sim.ephemerals(u).length + h.sim.dms(u).length, 0);
}

const now = () => Math.floor(Date.now() / 1000);
const declare = (title: string) =>
  commandBody(`declare ${title}`, { user: WS.users.alice, channel: WS.channels.general });
const pinEvent = (id: string) =>
  eventBody(
    {
      type: 'pin_added',
      user: WS.users.bob,
      channel_id: WS.channels.general,
      item: {
        type: 'message',
        channel: WS.channels.general,
        message: { type: 'message', user: WS.users.alice, text: 'hi', ts: '1763888400.000100' },
      },
      event_ts: '1763888400.000200',
    },
    id,
  );

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

interface Case {
  name: string;
  send: () => Promise<{ status: number; body: string }>;
  status: number | number[];
}

const cases: Case[] = [
  {
    name: 'forged signature (wrong secret)',
    status: 401,
    send: () => postSigned(h.botUrl, declare('Forged'), { secret: 'not-the-signing-secret' }),
  },
  {
    name: 'signature of another body',
    status: 401,
    send: () =>
      postSigned(h.botUrl, declare('Original'), {
        secret: SIGNING_SECRET,
        tamperedBody: declare('Tampered'),
      }),
  },
  {
    name: 'body changed after signing (one character)',
    status: 401,
    send: () => {
      const body = declare('Checkout down');
      return postSigned(h.botUrl, body, {
        secret: SIGNING_SECRET,
        tamperedBody: body.replace('Checkout', 'Checkoux'),
      });
    },
  },
  {
    name: 'stale timestamp (6 minutes old)',
    status: 401,
    send: () => postSigned(h.botUrl, declare('Stale'), { secret: SIGNING_SECRET, timestamp: now() - 6 * 60 }),
  },
  {
    name: 'far-future timestamp (+10 minutes)',
    status: 401,
    send: () =>
      postSigned(h.botUrl, declare('Future'), { secret: SIGNING_SECRET, timestamp: now() + 10 * 60 }),
  },
  {
    name: 'far-future timestamp (+1 year)',
    status: 401,
    send: () =>
      postSigned(h.botUrl, declare('Future'), { secret: SIGNING_SECRET, timestamp: now() + 365 * 86400 }),
  },
  {
    name: 'malformed timestamp',
    status: 401,
    send: () =>
      postSigned(h.botUrl, declare('Bad ts'), {
        secret: SIGNING_SECRET,
        headers: { 'x-slack-request-timestamp': 'soon' },
      }),
  },
  {
    name: 'missing signature header',
    status: 401,
    send: () =>
      postSigned(h.botUrl, declare('No sig'), {
        secret: SIGNING_SECRET,
        headers: { 'x-slack-signature': null },
      }),
  },
  {
    name: 'missing timestamp header',
    status: 401,
    send: () =>
      postSigned(h.botUrl, declare('No ts'), {
        secret: SIGNING_SECRET,
        headers: { 'x-slack-request-timestamp': null },
      }),
  },
  {
    name: 'no Slack headers at all',
    status: 401,
    send: () => postRaw(h.botUrl, declare('Bare'), { 'content-type': FORM }),
  },
  {
    name: 'unknown signature version',
    status: 401,
    send: () => {
      const body = declare('v1');
      const headers = signedHeaders({ secret: SIGNING_SECRET }, body);
      return postRaw(h.botUrl, body, {
        ...headers,
        'x-slack-signature': (headers['x-slack-signature'] ?? '').replace('v0=', 'v1='),
      });
    },
  },
  {
    name: 'content type with charset (Bolt compares exactly)',
    status: 400,
    send: () =>
      postSigned(h.botUrl, declare('Charset'), {
        secret: SIGNING_SECRET,
        contentType: `${FORM}; charset=utf-8`,
      }),
  },
  {
    name: 'form body sent as JSON',
    status: 400,
    send: () => postSigned(h.botUrl, declare('As JSON'), { secret: SIGNING_SECRET, contentType: JSON_TYPE }),
  },
  {
    name: 'text/plain content type',
    status: 415,
    send: () =>
      postSigned(h.botUrl, pinEvent('EvPlain'), { secret: SIGNING_SECRET, contentType: 'text/plain' }),
  },
  {
    name: 'no content type',
    status: 415,
    send: () =>
      postSigned(h.botUrl, pinEvent('EvNoType'), {
        secret: SIGNING_SECRET,
        headers: { 'content-type': null },
      }),
  },
  {
    name: 'oversized body, correctly signed',
    status: 413,
    send: () =>
      postSigned(h.botUrl, declare(`Huge ${'x'.repeat(BODY_LIMIT + 10)}`), { secret: SIGNING_SECRET }),
  },
  {
    name: 'forged event',
    status: 401,
    send: () => postSigned(h.botUrl, pinEvent('EvForged'), { secret: 'nope', contentType: JSON_TYPE }),
  },
  {
    name: 'stale event',
    status: 401,
    send: () =>
      postSigned(h.botUrl, pinEvent('EvStale'), {
        secret: SIGNING_SECRET,
        contentType: JSON_TYPE,
        timestamp: now() - 3600,
      }),
  },
  {
    name: 'future event',
    status: 401,
    send: () =>
      postSigned(h.botUrl, pinEvent('EvFuture'), {
        secret: SIGNING_SECRET,
        contentType: JSON_TYPE,
        timestamp: now() + 3600,
      }),
  },
  {
    name: 'forged url_verification (no challenge echoed)',
    status: 401,
    send: () =>
      postSigned(h.botUrl, JSON.stringify({ type: 'url_verification', challenge: 'steal-me', token: 'x' }), {
        secret: 'nope',
        contentType: JSON_TYPE,
      }),
  },
  {
    name: 'interactivity payload with forged signature',
    status: 401,
    send: () =>
      postSigned(
        h.botUrl,
        new URLSearchParams({
          payload: JSON.stringify({
            type: 'shortcut',
            callback_id: 'declare_incident',
            trigger_id: '1.2.3',
            user: { id: WS.users.alice },
            team: { id: WS.team },
          }),
        }).toString(),
        { secret: 'nope' },
      ),
  },
];

describe('requests that are not from Slack are refused and change nothing', () => {
  it.each(cases)('$name', async (c) => {
    await h.idle();
    const before = snapshot();
    const callsBefore = h.sim.calls().length;
    const shownBefore = shownToPeople();
    const r = await c.send();
    await h.idle();
    expect([c.status].flat()).toContain(r.status);
    expect(r.body).not.toContain('steal-me');
    expect(snapshot()).toEqual(before);
    expect(h.sim.calls().slice(callsBefore)).toEqual([]);
    expect(shownToPeople()).toBe(shownBefore);
  });

  it('ssl_check without a signature is answered but does nothing', async () => {
    const before = snapshot();
    const callsBefore = h.sim.calls().length;
    const r = await postRaw(
      h.botUrl,
      new URLSearchParams({
        ssl_check: '1',
        command: '/incident',
        text: 'declare Smuggled',
        user_id: WS.users.alice,
      }).toString(),
      {
        'content-type': FORM,
        'x-slack-request-timestamp': String(now()),
        'x-slack-signature': 'v0=00',
      },
    );
    await h.idle();
    expect(r.status).toBe(200);
    expect(snapshot()).toEqual(before);
    expect(h.sim.calls().length).toBe(callsBefore);
  });

  it('control: the same requests, correctly signed, are accepted and do change things', async () => {
    const before = snapshot();
    const cmd = await postSigned(h.botUrl, declare('Checkout down'), { secret: SIGNING_SECRET });
    expect(cmd.status).toBe(200);
    // A timestamp slightly ahead (client clock skew within Slack's 5 minutes) is still fine.
    const ev = await postSigned(h.botUrl, pinEvent('EvGood'), {
      secret: SIGNING_SECRET,
      contentType: JSON_TYPE,
      timestamp: now() + 60,
    });
    expect(ev.status).toBe(200);
    await h.idle();
    const after = snapshot();
    expect(after.slack_events).toBeGreaterThan(before.slack_events ?? 0);
    expect(
      h.db.$client.prepare("select count(*) as n from slack_events where event_id = 'EvGood'").get(),
    ).toEqual({ n: 1 });
    expect(after.incidents).toBe((before.incidents ?? 0) + 1);
    expect(h.sim.calls().length).toBeGreaterThan(0);
  });
});
