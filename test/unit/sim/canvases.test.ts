import { afterEach, describe, expect, it } from 'vitest';
import { type SimulatorOptions, WS } from '../../../sim/api.js';
import { unsupportedMarkdown } from '../../../sim/canvases.js';
import { type SimulatorImpl, startSimulator } from '../../../sim/web-api.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { type Obj, simApi } from '../../helpers/sim-api.js';

/**
 * The canvas methods as Slack documents them (sim/canvases.ts names each page): one channel canvas
 * per channel, edits that need a canvas the bot can reach, who may open a canvas, scopes, plans,
 * and Markdown a canvas would not show as written.
 */

let sim: SimulatorImpl | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(opts: SimulatorOptions = {}): Promise<SimulatorImpl> {
  sim = await startSimulator({ clock: new FakeClock('2026-11-23T09:00:00Z'), ...opts });
  return sim;
}
const api = (s: SimulatorImpl, method: string, args: Obj = {}): Promise<Obj> => simApi(s, method, args);
const md = (markdown: string) => ({ type: 'markdown', markdown });

/** A private channel with the bot in it, like a private incident's. */
function privateChannel(s: SimulatorImpl, withBot = true): string {
  const members = [WS.users.alice, WS.users.bob, ...(withBot ? [WS.botUser] : [])];
  s.ws.addChannel('G0PRIV', 'inc-9-secret', members, { is_private: true });
  return 'G0PRIV';
}

describe('conversations.canvases.create', () => {
  it('makes the channel canvas with the Markdown given; members of the channel can open it, others not', async () => {
    const s = await start();
    const ch = privateChannel(s);
    const r = await api(s, 'conversations.canvases.create', {
      channel_id: ch,
      title: 'Postmortem — INC-9',
      document_content: md('## Summary\n\nIt broke. ![](@U0ALICE) fixed it.'),
    });
    expect(r).toMatchObject({ ok: true });
    const id = String(r.canvas_id);
    expect(id).toMatch(/^F/);
    expect(s.channelCanvas(ch)?.id).toBe(id);
    expect(s.canvas(id)?.markdown).toContain('It broke.');
    expect(s.canvas(id)?.title).toBe('Postmortem — INC-9');
    expect(s.canOpenCanvas(id, WS.users.bob)).toBe(true);
    expect(s.canOpenCanvas(id, WS.users.carol)).toBe(false);
  });

  it('a channel has one channel canvas: the second gets channel_canvas_already_exists', async () => {
    const s = await start();
    const ch = privateChannel(s);
    expect((await api(s, 'conversations.canvases.create', { channel_id: ch })).ok).toBe(true);
    expect(
      await api(s, 'conversations.canvases.create', { channel_id: ch, document_content: md('x') }),
    ).toMatchObject({
      ok: false,
      error: 'channel_canvas_already_exists',
    });
    expect(s.canvases(ch)).toHaveLength(1);
  });

  it('a private channel without the bot, or no channel, is channel_not_found', async () => {
    const s = await start();
    const ch = privateChannel(s, false);
    expect(await api(s, 'conversations.canvases.create', { channel_id: ch })).toMatchObject({
      ok: false,
      error: 'channel_not_found',
    });
    expect(await api(s, 'conversations.canvases.create', { channel_id: 'C0NOPE' })).toMatchObject({
      ok: false,
      error: 'channel_not_found',
    });
    expect(await api(s, 'conversations.canvases.create', {})).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
    });
  });

  it('needs canvases:write (missing_scope names it)', async () => {
    const s = await start({ scopes: ['chat:write', 'groups:write'] });
    const ch = privateChannel(s);
    expect(await api(s, 'conversations.canvases.create', { channel_id: ch })).toMatchObject({
      ok: false,
      error: 'missing_scope',
      needed: 'canvases:write',
    });
    expect(s.canvases()).toHaveLength(0);
  });

  it('refuses Markdown a canvas does not support (h4, HTML, message-style mentions) and over 1 MiB', async () => {
    const s = await start();
    const ch = privateChannel(s);
    for (const bad of ['#### Deep', 'a<br>b', 'ask <@U0ALICE>', 'x'.repeat(1_048_577)]) {
      expect(
        await api(s, 'conversations.canvases.create', { channel_id: ch, document_content: md(bad) }),
      ).toMatchObject({
        ok: false,
        error: 'channel_canvas_creation_failed',
      });
    }
    expect(
      await api(s, 'conversations.canvases.create', { channel_id: ch, document_content: { type: 'html' } }),
    ).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
    });
    expect(s.canvases()).toHaveLength(0);
  });

  it('canvas_disabled_user_team when canvases are off', async () => {
    const s = await start({ prefs: { canvasesDisabled: true } });
    const ch = privateChannel(s);
    expect(await api(s, 'conversations.canvases.create', { channel_id: ch })).toMatchObject({
      ok: false,
      error: 'canvas_disabled_user_team',
    });
  });
});

describe('canvases.create', () => {
  it('with channel_id it is tabbed in that channel with write access; without, only its creator can open it', async () => {
    const s = await start();
    const ch = privateChannel(s);
    const tabbed = String(
      (await api(s, 'canvases.create', { channel_id: ch, document_content: md('hi') })).canvas_id,
    );
    expect(s.canvas(tabbed)?.channels.get(ch)).toBe('write');
    expect(s.canOpenCanvas(tabbed, WS.users.alice)).toBe(true);
    const alone = String((await api(s, 'canvases.create', { title: 'notes' })).canvas_id);
    expect(s.canvas(alone)?.markdown).toBe('');
    expect(s.canOpenCanvas(alone, WS.users.alice)).toBe(false);
    // A tabbed canvas is not the channel canvas: one can still be made.
    expect((await api(s, 'conversations.canvases.create', { channel_id: ch })).ok).toBe(true);
  });

  it('free teams must give channel_id', async () => {
    const s = await start({ prefs: { freePlan: true } });
    expect(await api(s, 'canvases.create', { title: 'x' })).toMatchObject({
      ok: false,
      error: 'free_teams_cannot_create_non_tabbed_canvases',
    });
  });
});

describe('canvases.edit', () => {
  it('replace without section_id replaces the whole canvas; the history keeps each version', async () => {
    const s = await start();
    const ch = privateChannel(s);
    const id = String(
      (await api(s, 'conversations.canvases.create', { channel_id: ch, document_content: md('v1') }))
        .canvas_id,
    );
    const r = await api(s, 'canvases.edit', {
      canvas_id: id,
      changes: [{ operation: 'replace', document_content: md('v2') }],
    });
    expect(r).toEqual({ ok: true });
    expect(s.canvas(id)?.markdown).toBe('v2');
    expect(s.canvas(id)?.history.map((h) => h.operation)).toEqual(['create', 'replace']);
    await api(s, 'canvases.edit', {
      canvas_id: id,
      changes: [{ operation: 'insert_at_end', document_content: md('v3') }],
    });
    expect(s.canvas(id)?.markdown).toBe('v2\nv3');
  });

  it('canvas_not_found for an unknown or deleted canvas; one operation per call; sections must exist', async () => {
    const s = await start();
    const ch = privateChannel(s);
    const id = String((await api(s, 'conversations.canvases.create', { channel_id: ch })).canvas_id);
    const change = { operation: 'replace', document_content: md('x') };
    expect(await api(s, 'canvases.edit', { canvas_id: 'F0NOPE', changes: [change] })).toMatchObject({
      ok: false,
      error: 'canvas_not_found',
    });
    expect(await api(s, 'canvases.edit', { canvas_id: id, changes: [change, change] })).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
    });
    expect(
      await api(s, 'canvases.edit', { canvas_id: id, changes: [{ ...change, section_id: 'temp:C:AAA' }] }),
    ).toMatchObject({ ok: false, error: 'canvas_editing_failed' });
    expect(
      await api(s, 'canvases.edit', {
        canvas_id: id,
        changes: [{ operation: 'replace', document_content: md('<b>x</b>') }],
      }),
    ).toMatchObject({ ok: false, error: 'canvas_editing_failed' });
    expect((await api(s, 'canvases.delete', { canvas_id: id })).ok).toBe(true);
    expect(await api(s, 'canvases.edit', { canvas_id: id, changes: [change] })).toMatchObject({
      ok: false,
      error: 'canvas_not_found',
    });
    // Deleting the channel canvas frees the channel for a new one.
    expect((await api(s, 'conversations.canvases.create', { channel_id: ch })).ok).toBe(true);
  });

  it('free teams cannot edit standalone canvases', async () => {
    const s = await start();
    const id = String((await api(s, 'canvases.create', { title: 'x' })).canvas_id);
    s.ws.prefs.freePlan = true;
    expect(
      await api(s, 'canvases.edit', {
        canvas_id: id,
        changes: [{ operation: 'replace', document_content: md('y') }],
      }),
    ).toMatchObject({ ok: false, error: 'free_teams_cannot_edit_standalone_canvases' });
  });
});

describe('canvases.access.set', () => {
  it('shares with channels or with people, not both; channel_not_found for a channel the bot cannot see', async () => {
    const s = await start();
    const id = String((await api(s, 'canvases.create', { title: 'x' })).canvas_id);
    expect(await api(s, 'canvases.access.set', { canvas_id: id, access_level: 'read' })).toMatchObject({
      ok: false,
      error: 'invalid_parameters',
    });
    expect(
      await api(s, 'canvases.access.set', {
        canvas_id: id,
        access_level: 'read',
        channel_ids: [WS.channels.general],
        user_ids: [WS.users.bob],
      }),
    ).toMatchObject({ ok: false, error: 'invalid_parameters' });
    const hidden = privateChannel(s, false);
    expect(
      await api(s, 'canvases.access.set', { canvas_id: id, access_level: 'read', channel_ids: [hidden] }),
    ).toMatchObject({ ok: false, error: 'channel_not_found' });
    expect(
      await api(s, 'canvases.access.set', {
        canvas_id: id,
        access_level: 'read',
        channel_ids: [WS.channels.general],
      }),
    ).toEqual({ ok: true });
    expect(s.canOpenCanvas(id, WS.users.dave)).toBe(true);
    expect(
      await api(s, 'canvases.access.set', {
        canvas_id: 'F0NOPE',
        access_level: 'read',
        user_ids: [WS.users.bob],
      }),
    ).toMatchObject({ ok: false, error: 'canvas_not_found' });
  });
});

describe('unsupportedMarkdown', () => {
  it('passes what a canvas supports: h1–h3, tables, lists, canvas mentions, code, escaped <', () => {
    const ok = [
      '# T\n## S\n### D',
      '| a | b |\n|---|---|\n| 1 | 2 |',
      '- **Lead:** ![](@U0ALICE) in ![](#C0GENERAL)',
      '```\n<div>#### code</div>\n```',
      'p99 < 2s and `<br>` and &lt;b>',
    ];
    for (const m of ok) expect(unsupportedMarkdown(m)).toBeUndefined();
  });
});
