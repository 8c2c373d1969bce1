import { App, LogLevel } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createDispatch, type Listeners } from '../../../src/slack/dispatch.js';

/**
 * src/slack/dispatch.ts must route exactly as Bolt does with one listener per registration: the
 * same registrations are made on a plain App and on a dispatched one, the same requests go
 * through both, and the listeners that ran (and the errors Bolt reported) must be the same.
 */

type Body = Record<string, unknown>;

function newApp(): { app: App; errors: unknown[] } {
  const errors: unknown[] = [];
  const app = new App({
    token: 'xoxb-test',
    signingSecret: 'secret',
    botId: 'B0BOT',
    botUserId: 'U0BOT',
    logLevel: LogLevel.ERROR,
    convoStore: false,
    ignoreSelf: false,
  });
  app.error(async (e) => {
    const coded = e as Error & { code?: string; originals?: Error[]; original?: Error };
    errors.push(
      coded.originals
        ? { code: coded.code, originals: coded.originals.map((o) => o.message) }
        : { message: (coded.original ?? coded).message },
    );
  });
  return { app, errors };
}

/** The registrations every scenario makes, each recording its name when it runs. */
function registerAll(l: Listeners, ran: string[]): void {
  const rec =
    (name: string, fail = false) =>
    async () => {
      ran.push(name);
      if (fail) throw new Error(`${name} failed`);
    };
  l.command('/incident', rec('command /incident'));
  l.command('/other', rec('command /other'));
  l.action('btn_a', rec('action btn_a'));
  l.action('btn_a', rec('action btn_a (second)'));
  l.action({ action_id: 'btn_b', block_id: 'blk_1' }, rec('action btn_b in blk_1'));
  l.action(/^page_\d+$/, rec('action /page_n/'));
  l.action('boom', rec('action boom 1', true));
  l.action('boom', rec('action boom 2', true));
  l.action('boom_once', rec('action boom_once', true));
  l.view('modal_a', rec('view modal_a'));
  l.view({ callback_id: 'modal_a', type: 'view_closed' }, rec('view modal_a closed'));
  l.shortcut('sc_global', rec('shortcut sc_global'));
  l.shortcut({ callback_id: 'sc_msg', type: 'message_action' }, rec('shortcut sc_msg (message)'));
  l.event('reaction_added', rec('event reaction_added 1'));
  l.event('reaction_added', rec('event reaction_added 2'));
  l.event('pin_added', rec('event pin_added'));
}

const command = (name: string): Body => ({
  command: name,
  text: 'help',
  user_id: 'U1',
  channel_id: 'C1',
  team_id: 'T1',
  trigger_id: 't',
});
const action = (action_id: string, block_id = 'blk_0'): Body => ({
  type: 'block_actions',
  team: { id: 'T1' },
  user: { id: 'U1' },
  channel: { id: 'C1' },
  trigger_id: 't',
  actions: [{ type: 'button', action_id, block_id, action_ts: '1.2' }],
});
const view = (type: 'view_submission' | 'view_closed', callback_id: string): Body => ({
  type,
  team: { id: 'T1' },
  user: { id: 'U1' },
  view: { id: 'V1', callback_id, state: { values: {} } },
});
const shortcut = (type: 'shortcut' | 'message_action', callback_id: string): Body => ({
  type,
  callback_id,
  team: { id: 'T1' },
  user: { id: 'U1' },
  trigger_id: 't',
  ...(type === 'message_action' ? { channel: { id: 'C1' }, message: { ts: '1.2', text: 'x' } } : {}),
});
const event = (type: string): Body => ({
  type: 'event_callback',
  team_id: 'T1',
  event_id: `Ev-${type}`,
  event: { type, user: 'U1', item: { type: 'message', channel: 'C1', ts: '1.2' }, event_ts: '1.2' },
});

const REQUESTS: [string, Body][] = [
  ['command /incident', command('/incident')],
  ['command /unknown', command('/unknown')],
  ['action btn_a', action('btn_a')],
  ['action btn_b in blk_1', action('btn_b', 'blk_1')],
  ['action btn_b in blk_2', action('btn_b', 'blk_2')],
  ['action page_12', action('page_12')],
  ['action unknown', action('nobody')],
  ['action boom (two fail)', action('boom')],
  ['action boom_once', action('boom_once')],
  ['view_submission modal_a', view('view_submission', 'modal_a')],
  ['view_closed modal_a', view('view_closed', 'modal_a')],
  ['view_submission other', view('view_submission', 'other')],
  ['shortcut sc_global', shortcut('shortcut', 'sc_global')],
  ['message_action sc_msg', shortcut('message_action', 'sc_msg')],
  ['global shortcut sc_msg', shortcut('shortcut', 'sc_msg')],
  ['event reaction_added', event('reaction_added')],
  ['event pin_added', event('pin_added')],
  ['event member_left_channel', event('member_left_channel')],
];

async function runAll(dispatched: boolean) {
  const { app, errors } = newApp();
  const ran: string[] = [];
  registerAll(dispatched ? createDispatch(app) : app, ran);
  const out: Record<string, { ran: string[]; errors: unknown[] }> = {};
  for (const [name, body] of REQUESTS) {
    ran.length = 0;
    errors.length = 0;
    await app.processEvent({ body, ack: async () => {} });
    out[name] = { ran: [...ran], errors: [...errors] };
  }
  return { out, chains: (app as unknown as { listeners: unknown[] }).listeners.length };
}

describe('one Bolt listener per kind (src/slack/dispatch.ts)', () => {
  it('runs the same listeners as Bolt, in the same order, for every kind of request', async () => {
    const plain = await runAll(false);
    const dispatched = await runAll(true);
    expect(dispatched.out).toEqual(plain.out);
    // The scenario is not vacuous: routing by id, several per id, extra constraints and no match.
    expect(plain.out['action btn_a']?.ran).toEqual(['action btn_a', 'action btn_a (second)']);
    expect(plain.out['action btn_b in blk_2']?.ran).toEqual([]);
    expect(plain.out['view_closed modal_a']?.ran).toEqual(['view modal_a closed']);
    expect(plain.out['global shortcut sc_msg']?.ran).toEqual([]);
    expect(plain.out['event reaction_added']?.ran).toEqual([
      'event reaction_added 1',
      'event reaction_added 2',
    ]);
  });

  it('reports a listener error as Bolt does: one as itself, several as MultipleListenerError', async () => {
    const { out } = await runAll(true);
    expect(out['action boom_once']?.errors).toEqual([{ message: 'action boom_once failed' }]);
    expect(out['action boom (two fail)']?.errors).toEqual([
      {
        code: 'slack_bolt_multiple_listener_error',
        originals: ['action boom 1 failed', 'action boom 2 failed'],
      },
    ]);
  });

  it('gives Bolt one listener per kind (plus what it cannot route by id) instead of one per registration', async () => {
    const plain = await runAll(false);
    const dispatched = await runAll(true);
    expect(plain.chains).toBe(16);
    // command, action, view, shortcut, event, and the RegExp action handed to Bolt as it is.
    expect(dispatched.chains).toBe(6);
  });

  it("hands Bolt what it refuses, so it is still refused (a 'message.*' event name)", () => {
    const { app } = newApp();
    expect(() => createDispatch(app).event('message.channels', async () => {})).toThrow(
      /not a valid event type/,
    );
  });
});
