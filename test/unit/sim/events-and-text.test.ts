import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WS } from '../../../sim/api.js';
import { SlackSender } from '../../../sim/sender.js';
import { type SimulatorImpl, startSimulator } from '../../../sim/web-api.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { type Obj, simApi } from '../../helpers/sim-api.js';

/**
 * Slack's documented behaviour the simulator reproduces (each rule's doc page is cited where it is
 * implemented: web-api.ts, typing.ts): the bot hears its own actions, typed text arrives encoded,
 * slash-command text follows should_escape, private channels archive as groups.
 */

let sim: SimulatorImpl;
let events: Obj[];

const api = (method: string, args: Obj): Promise<Obj> => simApi(sim, method, args);

/** Events caused by the bot's own calls are delivered in the background: wait for them. */
const settle = async () => {
  for (let i = 0; i < 50 && sim.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 2));
  await new Promise((r) => setImmediate(r));
};

beforeEach(async () => {
  sim = await startSimulator({ clock: new FakeClock('2026-11-23T09:00:00Z') });
  events = [];
  sim.connect(async (e) => {
    events.push(e);
  });
  // The bot starts in no channel (a fresh install); these rules are about channels it is in.
  await api('conversations.join', { channel: WS.channels.general });
  await settle();
  events = [];
});
afterEach(async () => {
  await sim.close();
});

describe('the bot hears its own actions (rule 1)', () => {
  it('its post comes back as a message with user = the bot and bot_id, no subtype', async () => {
    const r = await api('chat.postMessage', { channel: WS.channels.general, text: 'hello' });
    await settle();
    const e = events.find((x) => x.type === 'message');
    expect(e).toMatchObject({
      type: 'message',
      user: WS.botUser,
      bot_id: WS.botId,
      text: 'hello',
      ts: r.ts,
      channel: WS.channels.general,
      channel_type: 'channel',
    });
    expect(e).not.toHaveProperty('subtype');
  });

  it('not where it is not a member (chat:write.public) nor in a DM without message.im', async () => {
    await api('chat.postMessage', { channel: WS.channels.random, text: 'public post' });
    await api('chat.postMessage', { channel: WS.users.bob, text: 'dm' });
    await settle();
    expect(events).toEqual([]);
  });

  it('its reactions, pins, topic and purpose changes and joins come back', async () => {
    const posted = await api('chat.postMessage', { channel: WS.channels.general, text: 'x' });
    await api('reactions.add', { channel: WS.channels.general, timestamp: posted.ts, name: 'eyes' });
    await api('pins.add', { channel: WS.channels.general, timestamp: posted.ts });
    await api('conversations.setTopic', { channel: WS.channels.general, topic: 'SEV2 & up' });
    await api('conversations.setPurpose', { channel: WS.channels.general, purpose: 'why' });
    await settle();
    expect(events.find((e) => e.type === 'reaction_added')).toMatchObject({
      user: WS.botUser,
      reaction: 'eyes',
      item: { type: 'message', channel: WS.channels.general, ts: posted.ts },
    });
    expect(events.find((e) => e.type === 'pin_added')).toMatchObject({
      user: WS.botUser,
      channel_id: WS.channels.general,
    });
    expect(events.find((e) => e.subtype === 'channel_topic')).toMatchObject({
      type: 'message',
      user: WS.botUser,
      topic: 'SEV2 & up',
    });
    expect(events.find((e) => e.subtype === 'channel_purpose')).toMatchObject({
      user: WS.botUser,
      purpose: 'why',
    });
  });

  it('its own join (conversations.join, with channels:join granted)', async () => {
    await sim.close();
    sim = await startSimulator({ scopes: ['channels:join'] });
    sim.connect(async (e) => {
      events.push(e);
    });
    expect(await api('conversations.join', { channel: WS.channels.random })).toMatchObject({ ok: true });
    await settle();
    expect(events.find((e) => e.type === 'member_joined_channel')).toMatchObject({
      user: WS.botUser,
      channel: WS.channels.random,
    });
  });

  it('the channel it creates: its own join', async () => {
    const r = await api('conversations.create', { name: 'inc-1-x' });
    await settle();
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'member_joined_channel',
        user: WS.botUser,
        channel: (r.channel as Obj).id,
      }),
    );
  });
});

describe('typed text arrives encoded (rule 2)', () => {
  it('&, <, > as entities; people, channels and links as markup; rich_text as typed', async () => {
    const typed =
      'p99 > 2s on R&D <b> @bob see #general https://grafana.example/d?a=1&b=2 [runbook](https://wiki.example/rb)';
    const m = await sim.postAsUser(WS.users.alice, WS.channels.general, typed);
    expect(m.text).toBe(
      'p99 &gt; 2s on R&amp;D &lt;b&gt; <@U0BOB> see <#C0GENERAL|general> <https://grafana.example/d?a=1&amp;b=2> <https://wiki.example/rb|runbook>',
    );
    const e = events.find((x) => x.type === 'message') as Obj;
    expect(e.text).toBe(m.text);
    const [block] = e.blocks as Obj[];
    const [section] = (block?.elements ?? []) as Obj[];
    expect(section?.elements).toEqual([
      { type: 'text', text: 'p99 > 2s on R&D <b> ' },
      { type: 'user', user_id: 'U0BOB' },
      { type: 'text', text: ' see ' },
      { type: 'channel', channel_id: 'C0GENERAL' },
      { type: 'text', text: ' ' },
      { type: 'link', url: 'https://grafana.example/d?a=1&b=2' },
      { type: 'text', text: ' ' },
      { type: 'link', url: 'https://wiki.example/rb', text: 'runbook' },
    ]);
  });

  it('a typed mention-looking string is text, not a mention', async () => {
    const m = await sim.postAsUser(WS.users.alice, WS.channels.general, 'ping <@U0BOB> <!channel>');
    expect(m.text).toBe('ping &lt;@U0BOB&gt; &lt;!channel&gt;');
  });

  it('edits are encoded the same way (message_changed)', async () => {
    const m = await sim.postAsUser(WS.users.alice, WS.channels.general, 'first');
    await sim.editAsUser(WS.users.alice, WS.channels.general, m.ts, 'a < b & @carol');
    const e = events.find((x) => x.subtype === 'message_changed') as Obj;
    expect((e.message as Obj).text).toBe('a &lt; b &amp; <@U0CAROL>');
    expect((e.previous_message as Obj).text).toBe('first');
  });
});

describe('slash-command text follows should_escape (rule 3)', () => {
  let bot: Server;
  let received: Record<string, string>[];
  let send: SlackSender;

  const start = async (shouldEscape?: boolean) => {
    if (shouldEscape !== undefined) {
      await sim.close();
      sim = await startSimulator({
        clock: new FakeClock('2026-11-23T09:00:00Z'),
        commandEscape: [['/incident', shouldEscape]],
      });
    }
    received = [];
    bot = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        received.push(Object.fromEntries(new URLSearchParams(body)));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => bot.listen(0, '127.0.0.1', r));
    send = new SlackSender({
      botUrl: `http://127.0.0.1:${(bot.address() as AddressInfo).port}/`,
      signingSecret: 's',
      sim,
    });
  };
  afterEach(async () => {
    await new Promise((r) => bot.close(r));
  });

  it('off: @bob and #general arrive as typed (with &, <, > encoded)', async () => {
    await start(false);
    await send.command(WS.users.alice, WS.channels.general, 'lead @bob in #general a<b https://x.example');
    expect(received[0]?.text).toBe('lead @bob in #general a&lt;b https://x.example');
  });

  it('on: <@U…|bob>, <#C…|general> and <https://…>', async () => {
    await start(true);
    await send.command(WS.users.alice, WS.channels.general, 'lead @bob in #general a<b https://x.example');
    expect(received[0]?.text).toBe('lead <@U0BOB|bob> in <#C0GENERAL|general> a&lt;b <https://x.example>');
  });

  it('the manifest decides by default (should_escape: true)', async () => {
    await start();
    await send.command(WS.users.alice, WS.channels.general, 'role comms @carol');
    expect(received[0]?.text).toBe('role comms <@U0CAROL|carol>');
  });
});

describe('private channels archive as groups (rule 8)', () => {
  it('group_archive and group_unarchive for a private channel, channel_archive for a public one', async () => {
    const priv = (await api('conversations.create', { name: 'secret', is_private: true })).channel as Obj;
    const pub = (await api('conversations.create', { name: 'open' })).channel as Obj;
    await api('conversations.invite', { channel: priv.id, users: WS.users.alice });
    await api('conversations.invite', { channel: pub.id, users: WS.users.alice });
    await settle();
    events = [];
    // The manifest does not subscribe to unarchives; an app that did would hear group_unarchive.
    sim.botEvents.add('group_unarchive');
    await sim.archiveAsUser(WS.users.alice, String(priv.id));
    await sim.unarchiveAsUser(WS.users.alice, String(priv.id));
    await sim.archiveAsUser(WS.users.alice, String(pub.id));
    expect(events.map((e) => [e.type, e.channel])).toEqual([
      ['group_archive', priv.id],
      ['group_unarchive', priv.id],
      ['channel_archive', pub.id],
    ]);
    await api('conversations.archive', { channel: priv.id });
    await settle();
    expect(events.at(-1)).toMatchObject({ type: 'group_archive', channel: priv.id, user: WS.botUser });
  });
});
