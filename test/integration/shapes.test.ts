import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS } from '../../sim/api.js';
import { SimPerson } from '../../sim/person.js';
import { SlackSender } from '../../sim/sender.js';
import { type SimulatorImpl, startSimulator } from '../../sim/web-api.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { simApi } from '../helpers/sim-api.js';

/**
 * The simulator invents no fields: every Web API answer and every payload the sender delivers keeps
 * only keys present in Slack's own samples (../shared/slack/samples, see SOURCES.md), compared as
 * nested subsets. Types are compared where the sample's placeholder is a number or a boolean.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLES = resolve(ROOT, '../shared/slack/samples');
const HAVE_SAMPLES = existsSync(SAMPLES);
if (!HAVE_SAMPLES)
  console.warn(`shapes.test: skipped, Slack's samples are not at ${SAMPLES} (../shared is absent)`);

/** Keys whose contents are the bot's own (blocks, metadata) or keyed by block ids (state), not Slack's schema. */
const OPAQUE = new Set(['blocks', 'state', 'metadata', 'event_payload', 'private_metadata']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function extraKeys(actual: unknown, sample: unknown, path = ''): string[] {
  if (actual === null || actual === undefined) return [];
  if (typeof sample === 'number' && typeof actual !== 'number') return [`${path} (number expected)`];
  if (typeof sample === 'boolean' && typeof actual !== 'boolean') return [`${path} (boolean expected)`];
  if (Array.isArray(sample) && Array.isArray(actual)) {
    const el = sample[0];
    return el === undefined ? [] : actual.flatMap((a, i) => extraKeys(a, el, `${path}[${i}]`));
  }
  if (isObj(sample) && isObj(actual)) {
    const out: string[] = [];
    for (const [k, v] of Object.entries(actual)) {
      if (!(k in sample)) out.push(`${path}.${k}`);
      else if (!OPAQUE.has(k)) out.push(...extraKeys(v, sample[k], `${path}.${k}`));
    }
    return out;
  }
  return [];
}

const sample = (rel: string): Obj => JSON.parse(readFileSync(resolve(SAMPLES, rel), 'utf8')) as Obj;

describe.skipIf(!HAVE_SAMPLES)('shapes against Slack’s samples', () => {
  let sim: SimulatorImpl;
  let stub: Server;
  let send: SlackSender;
  const answers: Record<string, Obj> = {};

  const api = async (method: string, args: Record<string, unknown>): Promise<Obj> => {
    const body = await simApi(sim, method, args);
    if (body.ok !== true) throw new Error(`${method}: ${JSON.stringify(body)}`);
    answers[method] = body;
    return body;
  };

  beforeAll(async () => {
    sim = await startSimulator({ clock: new FakeClock('2026-11-23T09:00:00Z') });
    // A stand-in bot that answers 200 to everything: this test is about what is sent, not the bot.
    stub = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const port = (stub.address() as AddressInfo).port;
    send = new SlackSender({ botUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: 's', sim });
    sim.connect((e) => send.event(e));

    // Web API: every method with a sample, exercised with the fields it can return.
    await api('auth.test', {});
    await api('users.info', { user: WS.users.bob });
    const created = await api('conversations.create', { name: 'inc-1-shapes' });
    const ch = String((created.channel as Obj).id);
    await api('conversations.invite', { channel: ch, users: `${WS.users.alice},${WS.users.bob}` });
    await api('conversations.info', { channel: ch, include_num_members: true });
    await api('conversations.setTopic', { channel: ch, topic: 'SEV2 · Investigating' });
    await api('conversations.setPurpose', { channel: ch, purpose: 'Checkout down' });
    const button = { type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'go', value: '1' };
    const posted = await api('chat.postMessage', {
      channel: ch,
      text: 'summary',
      blocks: [{ type: 'actions', elements: [button] }],
    });
    const ts = String(posted.ts);
    await api('chat.postMessage', { channel: ch, text: 'in thread', thread_ts: ts });
    await api('chat.postEphemeral', { channel: ch, user: WS.users.alice, text: 'only you' });
    await api('chat.update', {
      channel: ch,
      ts,
      text: 'summary v2',
      blocks: [{ type: 'actions', elements: [button] }],
    });
    await api('chat.getPermalink', { channel: ch, message_ts: ts });
    await api('pins.add', { channel: ch, timestamp: ts });
    await api('reactions.add', { channel: ch, timestamp: ts, name: 'white_check_mark' });
    const modal = {
      type: 'modal',
      callback_id: 'declare_modal',
      notify_on_close: true,
      title: { type: 'plain_text', text: 'Declare' },
      submit: { type: 'plain_text', text: 'Declare' },
      blocks: [
        {
          type: 'input',
          block_id: 'title',
          label: { type: 'plain_text', text: 'Title' },
          element: { type: 'plain_text_input', action_id: 'v' },
        },
      ],
    };
    const opened = await api('views.open', { trigger_id: sim.issueTrigger(WS.users.alice), view: modal });
    await api('views.update', { view_id: String((opened.view as Obj).id), view: modal });
    await api('views.publish', {
      user_id: WS.users.bob,
      view: { type: 'home', blocks: [button].map((b) => ({ type: 'actions', elements: [b] })) },
    });
    const up = await api('files.getUploadURLExternal', { filename: 'pm.md', length: 5 });
    await fetch(String(up.upload_url), { method: 'POST', body: 'hello' });
    await api('files.completeUploadExternal', {
      files: [{ id: up.file_id, title: 'Postmortem' }],
      channel_id: ch,
      initial_comment: 'draft',
    });

    // People: every event kind, and every interaction payload the sender builds.
    const alice = new SimPerson(WS.users.alice, sim, send);
    const bob = new SimPerson(WS.users.bob, sim, send);
    const said = await alice.say(ch, 'db pool is 0');
    await bob.reply(ch, said.ts, 'confirmed');
    await alice.say(ch, 'graph attached', { files: [{ name: 'graph.png', content: 'png' }] });
    await alice.edit(ch, said.ts, 'db pool is 0 (EU)');
    await alice.react(ch, said.ts, 'pushpin');
    await alice.unreact(ch, said.ts, 'pushpin');
    await alice.pin(ch, said.ts);
    await alice.unpin(ch, said.ts);
    const gone = await alice.say(ch, 'oops');
    await alice.delete(ch, gone.ts);
    await sim.join(WS.users.carol, ch, WS.users.alice);
    await bob.openHome();
    await api('conversations.history', { channel: ch });
    await api('conversations.replies', { channel: ch, ts: said.ts });
    await alice.command('help', ch);
    await alice.messageShortcut('add_to_timeline', ch, said.ts);
    await alice.click('Go', { channel: ch, ts });
    await alice.fillAndSubmit({ Title: 'Checkout down' });
    await api('views.open', { trigger_id: sim.issueTrigger(WS.users.alice), view: modal });
    await alice.closeView();
    await sim.archiveAsUser(WS.users.alice, ch);
    await api('conversations.archive', {
      channel: (await api('conversations.create', { name: 'to-archive' }).then(
        (r) => (r.channel as Obj).id,
      )) as string,
    });
  });

  afterAll(async () => {
    await sim?.close();
    await new Promise((r) => stub?.close(r));
  });

  it('every Web API answer keeps only keys of samples/api/<method>.json', () => {
    const checked: string[] = [];
    const extra: Record<string, string[]> = {};
    for (const [method, body] of Object.entries(answers)) {
      const file = resolve(SAMPLES, `api/${method}.json`);
      if (!existsSync(file)) continue;
      checked.push(method);
      const e = extraKeys(body, sample(`api/${method}.json`));
      if (e.length) extra[method] = e;
    }
    expect(extra).toEqual({});
    expect(checked.length).toBeGreaterThanOrEqual(20);
  });

  it('the answers carry the keys the bot reads', () => {
    expect((answers['conversations.create']?.channel as Obj | undefined)?.id).toMatch(/^C/);
    expect(answers['chat.postMessage']?.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(answers['chat.getPermalink']?.permalink).toMatch(/^https:\/\//);
    expect((answers['views.open']?.view as Obj | undefined)?.id).toMatch(/^V/);
    expect((answers['users.info']?.user as Obj | undefined)?.tz).toBe('Europe/Berlin');
  });

  const EVENT_SAMPLE: Record<string, string> = {
    message: 'MessagePayload',
    file_share: 'MessageFileSharePayload',
    message_changed: 'MessageChangedPayload',
    message_deleted: 'MessageDeletedPayload',
    reaction_added: 'ReactionAddedPayload',
    reaction_removed: 'ReactionRemovedPayload',
    pin_added: 'PinAddedPayload',
    pin_removed: 'PinRemovedPayload',
    member_joined_channel: 'MemberJoinedChannelPayload',
    channel_archive: 'ChannelArchivePayload',
    app_home_opened: 'AppHomeOpenedPayload',
  };

  it('every Events API envelope keeps only keys of samples/events/*', () => {
    const seen = new Set<string>();
    const extra: Record<string, string[]> = {};
    for (const s of send.sent) {
      if (s.payload.type !== 'event_callback') continue;
      const ev = s.payload.event as Obj;
      const kind = String(ev.subtype ?? ev.type);
      const file = EVENT_SAMPLE[kind];
      if (!file) continue; // member_left_channel: no sample
      seen.add(kind);
      const e = extraKeys(s.payload, sample(`events/${file}.json`));
      if (e.length) extra[kind] = e;
    }
    expect(extra).toEqual({});
    expect([...seen].sort()).toEqual(Object.keys(EVENT_SAMPLE).sort());
  });

  it('slash commands and interactivity payloads keep only keys of samples/app-backend/*', () => {
    const FILES: Record<string, string> = {
      block_actions: 'interactive-components/BlockActionPayload',
      message_action: 'interactive-components/MessageShortcutPayload',
      view_submission: 'views/ViewSubmissionPayload',
      view_closed: 'views/ViewClosedPayload',
    };
    const seen = new Set<string>();
    const extra: Record<string, string[]> = {};
    for (const s of send.sent) {
      if (s.payload.command !== undefined) {
        seen.add('command');
        const form = Object.fromEntries(
          Object.entries(s.payload).map(([k, v]) => [k, k === 'is_enterprise_install' ? v === 'true' : v]),
        );
        const e = extraKeys(form, sample('app-backend/slash-commands/SlashCommandPayload.json'));
        if (e.length) extra.command = e;
        continue;
      }
      const file = FILES[String(s.payload.type)];
      if (!file) continue;
      seen.add(String(s.payload.type));
      const e = extraKeys(s.payload, sample(`app-backend/${file}.json`));
      if (e.length) extra[String(s.payload.type)] = e;
    }
    expect(extra).toEqual({});
    expect([...seen].sort()).toEqual([
      'block_actions',
      'command',
      'message_action',
      'view_closed',
      'view_submission',
    ]);
  });

  it('the subset check itself catches an invented key', () => {
    expect(
      extraKeys({ ok: true, channel: { id: 'C1', invented: 1 } }, sample('api/conversations.create.json')),
    ).toEqual(['.channel.invented']);
  });
});
