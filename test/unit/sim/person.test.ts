import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WS } from '../../../sim/api.js';
import { SimPerson } from '../../../sim/person.js';
import { SlackSender } from '../../../sim/sender.js';
import { type SimulatorImpl, startSimulator } from '../../../sim/web-api.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { type Obj, simApi } from '../../helpers/sim-api.js';

/** The simulated person and the simulator's screen rules, against a stand-in bot that records payloads. */

let sim: SimulatorImpl;
let bot: Server;
let received: Obj[];
let answer: Obj | undefined;
let alice: SimPerson;

const api = (method: string, args: Obj): Promise<Obj> => simApi(sim, method, args);

beforeEach(async () => {
  sim = await startSimulator({ clock: new FakeClock('2026-11-23T09:00:00Z') });
  received = [];
  answer = undefined;
  bot = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      const p = new URLSearchParams(body).get('payload');
      received.push(p ? (JSON.parse(p) as Obj) : Object.fromEntries(new URLSearchParams(body)));
      if (answer) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => bot.listen(0, '127.0.0.1', r));
  const send = new SlackSender({
    botUrl: `http://127.0.0.1:${(bot.address() as AddressInfo).port}/`,
    signingSecret: 's',
    sim,
  });
  alice = new SimPerson(WS.users.alice, sim, send);
});
afterEach(async () => {
  await sim.close();
  await new Promise((r) => bot.close(r));
});

const pt = (text: string) => ({ type: 'plain_text', text });
const opt = (text: string, value: string) => ({ text: pt(text), value });
const input = (block_id: string, label: string, element: Obj, optional = false) => ({
  type: 'input',
  block_id,
  label: pt(label),
  optional,
  element: { action_id: 'v', ...element },
});

const everyElement = {
  type: 'modal',
  callback_id: 'all',
  title: pt('Everything'),
  submit: pt('Save'),
  blocks: [
    { type: 'section', block_id: 'intro', text: { type: 'mrkdwn', text: 'Fill in everything.' } },
    input('t', 'Title', { type: 'plain_text_input', max_length: 20 }),
    input('s', 'Severity', { type: 'static_select', options: [opt('SEV1', '1'), opt('SEV2', '2')] }),
    input(
      'm',
      'Services',
      { type: 'multi_static_select', options: [opt('api', 'api'), opt('db', 'db')] },
      true,
    ),
    input('u', 'Lead', { type: 'users_select' }, true),
    input('c', 'Private', { type: 'checkboxes', options: [opt('Private incident', 'private')] }, true),
    input('d', 'Due', { type: 'datepicker' }, true),
    input('h', 'At', { type: 'timepicker', initial_time: '09:00' }, true),
    input('dt', 'Resolved at', { type: 'datetimepicker' }, true),
    input(
      'r',
      'Status',
      { type: 'radio_buttons', options: [opt('Investigating', 'inv'), opt('Identified', 'idf')] },
      true,
    ),
  ],
};

describe('person fills modals by label', () => {
  it('submits the state shape Slack sends for every element type', async () => {
    await api('views.open', { trigger_id: sim.issueTrigger(alice.id), view: everyElement });
    await alice.fillAndSubmit({
      Title: 'DB down',
      Severity: 'SEV2',
      Services: ['api', 'db'],
      Lead: 'bob',
      Private: true,
      Due: '2026-12-01',
      'Resolved at': new Date('2026-11-23T10:30:00Z'),
      Status: 'Identified',
    });
    const sub = received.at(-1) as { type: string; view: { state: { values: Record<string, Obj> } } };
    expect(sub.type).toBe('view_submission');
    const v = sub.view.state.values;
    expect(v.t?.v).toEqual({ type: 'plain_text_input', value: 'DB down' });
    expect(v.s?.v).toEqual({ type: 'static_select', selected_option: opt('SEV2', '2') });
    expect(v.m?.v).toEqual({
      type: 'multi_static_select',
      selected_options: [opt('api', 'api'), opt('db', 'db')],
    });
    expect(v.u?.v).toEqual({ type: 'users_select', selected_user: WS.users.bob });
    expect(v.c?.v).toEqual({ type: 'checkboxes', selected_options: [opt('Private incident', 'private')] });
    expect(v.d?.v).toEqual({ type: 'datepicker', selected_date: '2026-12-01' });
    expect(v.h?.v).toEqual({ type: 'timepicker', selected_time: '09:00' });
    expect(v.dt?.v).toEqual({ type: 'datetimepicker', selected_date_time: 1795429800 });
    expect(v.r?.v).toEqual({ type: 'radio_buttons', selected_option: opt('Identified', 'idf') });
    expect(sim.topView(alice.id)).toBeUndefined(); // an empty 200 closes the modal
  });

  it('refuses like the Slack client: empty required input, too long text, unknown label or option', async () => {
    await api('views.open', { trigger_id: sim.issueTrigger(alice.id), view: everyElement });
    await expect(alice.submit()).rejects.toThrow(/"Title" is required/);
    alice.fill({ Title: 'x'.repeat(21), Severity: 'SEV1' });
    await expect(alice.submit()).rejects.toThrow(/longer than 20/);
    expect(() => alice.fill({ Nope: 'x' })).toThrow(/no input labelled "Nope"/);
    expect(() => alice.fill({ Severity: 'SEV9' })).toThrow(/no option "SEV9"/);
    expect(received).toHaveLength(0);
  });

  it('shows inline errors and keeps the modal open; they must name an input block of the view', async () => {
    await api('views.open', { trigger_id: sim.issueTrigger(alice.id), view: everyElement });
    answer = { response_action: 'errors', errors: { t: 'Too vague' } };
    const r = await alice.fillAndSubmit({ Title: 'x', Severity: 'SEV1' });
    expect(r.errors).toEqual({ t: 'Too vague' });
    expect(alice.view().errors).toEqual({ t: 'Too vague' });
    answer = { response_action: 'errors', errors: { nope: 'x' } };
    await expect(alice.submit()).rejects.toThrow(/"nope", not an input block/);
    answer = { response_action: 'errors', errors: { intro: 'x' } };
    await expect(alice.submit()).rejects.toThrow(/"intro", not an input block/);
  });
});

describe('buttons, response_url, views', () => {
  it('clicks a button by its text and replaces the message through response_url, at most 5 times', async () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: 'INC-1' } },
      {
        type: 'actions',
        block_id: 'acts',
        elements: [{ type: 'button', text: pt('Acknowledge'), action_id: 'ack', value: '1' }],
      },
    ];
    const posted = await api('chat.postMessage', { channel: WS.channels.general, text: 'INC-1', blocks });
    await alice.click('Acknowledge');
    const action = received.at(-1) as { type: string; actions: Obj[]; response_url: string; container: Obj };
    expect(action.type).toBe('block_actions');
    expect(action.actions[0]).toMatchObject({
      action_id: 'ack',
      block_id: 'acts',
      value: '1',
      type: 'button',
    });
    expect(action.container).toMatchObject({
      type: 'message',
      message_ts: posted.ts,
      channel_id: WS.channels.general,
    });
    for (let i = 1; i <= 5; i++) {
      const res = await fetch(action.response_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ replace_original: true, text: `v${i}` }),
      });
      expect(res.status).toBe(200);
    }
    expect(sim.message(WS.channels.general, String(posted.ts))?.text).toBe('v5');
    const sixth = await fetch(action.response_url, { method: 'POST', body: JSON.stringify({ text: 'x' }) });
    expect(sixth.status).toBe(404);
    await expect(alice.click('Nope')).rejects.toThrow(/sees no button "Nope"/);
  });

  it('keeps at most 3 modals stacked and refuses a bogus trigger', async () => {
    const modal = { type: 'modal', title: pt('M'), blocks: [] };
    await api('views.open', { trigger_id: sim.issueTrigger(alice.id), view: modal });
    expect((await api('views.push', { trigger_id: sim.issueTrigger(alice.id), view: modal })).ok).toBe(true);
    expect((await api('views.push', { trigger_id: sim.issueTrigger(alice.id), view: modal })).ok).toBe(true);
    expect(await api('views.push', { trigger_id: sim.issueTrigger(alice.id), view: modal })).toMatchObject({
      ok: false,
      error: 'push_limit_reached',
    });
    expect(await api('views.open', { trigger_id: '1.2.3', view: modal })).toMatchObject({
      error: 'invalid_trigger_id',
    });
    expect(
      await api('views.open', {
        trigger_id: sim.issueTrigger(alice.id),
        view: { ...modal, title: pt('t'.repeat(25)) },
      }),
    ).toMatchObject({ error: 'invalid_arguments' });
    expect(sim.views(alice.id)).toHaveLength(3);
  });

  it('uploads keep their bytes and become a message in the channel', async () => {
    await api('conversations.join', { channel: WS.channels.general }); // sharing needs membership
    const up = await api('files.getUploadURLExternal', { filename: 'pm.md', length: 11 });
    const form = new FormData();
    form.append('file', new Blob([new TextEncoder().encode('# Postmortem')]), 'pm.md');
    expect((await fetch(String(up.upload_url), { method: 'POST', body: form })).status).toBe(200);
    const done = await api('files.completeUploadExternal', {
      files: [{ id: up.file_id, title: 'Postmortem' }],
      channel_id: WS.channels.general,
    });
    expect(done.ok).toBe(true);
    // The share message comes after the answer (uploads finish asynchronously).
    while (sim.inFlight > 0) await new Promise((r) => setTimeout(r, 1));
    const f = sim.files(WS.channels.general)[0];
    expect(f?.bytes.toString()).toBe('# Postmortem');
    expect(sim.lastMessage(WS.channels.general)?.files?.[0]?.title).toBe('Postmortem');
  });
});
