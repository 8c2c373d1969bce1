import { afterEach, describe, expect, it } from 'vitest';
import { type SimulatorOptions, WS } from '../../../sim/api.js';
import { type SimulatorImpl, startSimulator } from '../../../sim/web-api.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { type Obj, simApi } from '../../helpers/sim-api.js';

/**
 * Slack's rules the simulator follows from Slack's documentation (each rule's comment in
 * sim/ names its page): membership and chat:write.public, asynchronous uploads and
 * `alt_txt`, and the refusals people meet (guests, restricted channel creation).
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

/** getUploadURLExternal and the byte upload; returns the file id to complete. */
async function uploadBytes(s: SimulatorImpl, extra: Obj = {}): Promise<string> {
  const up = await api(s, 'files.getUploadURLExternal', { filename: 'chart.png', length: 4, ...extra });
  expect(up.ok).toBe(true);
  const put = await fetch(String(up.upload_url), { method: 'POST', body: new Uint8Array([1, 2, 3, 4]) });
  expect(put.status).toBe(200);
  return String(up.file_id);
}

const settled = async (s: SimulatorImpl) => {
  while (s.inFlight > 0) await new Promise((r) => setTimeout(r, 1));
};

const { announce, digest, general, random } = WS.channels;

describe('membership: chat:write.public only posts', () => {
  it('the workspace starts with the bot in no channel', async () => {
    const s = await start();
    for (const ch of [general, announce, digest, random]) expect(s.members(ch)).not.toContain(WS.botUser);
    const info = await api(s, 'conversations.info', { channel: announce });
    expect((info.channel as Obj).is_member).toBe(false);
  });

  it('posts into a public channel it is not in; history, pins, reactions and file shares there get not_in_channel', async () => {
    const s = await start();
    const posted = await api(s, 'chat.postMessage', { channel: announce, text: 'INC-1 declared' });
    expect(posted.ok).toBe(true);
    const ts = String(posted.ts);
    expect(await api(s, 'conversations.history', { channel: announce })).toMatchObject({
      ok: false,
      error: 'not_in_channel',
    });
    expect(await api(s, 'pins.add', { channel: announce, timestamp: ts })).toMatchObject({
      ok: false,
      error: 'not_in_channel',
    });
    expect(await api(s, 'reactions.add', { channel: announce, timestamp: ts, name: 'eyes' })).toMatchObject({
      ok: false,
      error: 'not_in_channel',
    });
    const id = await uploadBytes(s);
    expect(
      await api(s, 'files.completeUploadExternal', { files: [{ id }], channel_id: announce, thread_ts: ts }),
    ).toMatchObject({ ok: false, error: 'not_in_channel' });
    await settled(s);
    expect(s.files(announce)).toEqual([]);
  });

  it('without chat:write.public it cannot even post there', async () => {
    const s = await start({ scopes: ['chat:write', 'channels:join'] });
    expect(await api(s, 'chat.postMessage', { channel: announce, text: 'x' })).toMatchObject({
      ok: false,
      error: 'not_in_channel',
    });
  });

  it('a private channel it was not invited to is not found, not even for posting', async () => {
    const s = await start();
    s.ws.addChannel('G0SECRET', 'sec-incidents', [WS.users.alice], { is_private: true });
    expect(await api(s, 'chat.postMessage', { channel: 'G0SECRET', text: 'x' })).toMatchObject({
      ok: false,
      error: 'channel_not_found',
    });
    expect(await api(s, 'conversations.join', { channel: 'G0SECRET' })).toMatchObject({
      ok: false,
      error: 'channel_not_found',
    });
    // Once invited, join refuses the channel type (private channels cannot be joined), but all works.
    s.ws.channels.get('G0SECRET')?.members.push(WS.botUser);
    expect(await api(s, 'conversations.join', { channel: 'G0SECRET' })).toMatchObject({
      ok: false,
      error: 'method_not_supported_for_channel_type',
    });
    expect((await api(s, 'conversations.history', { channel: 'G0SECRET' })).ok).toBe(true);
  });

  it('conversations.join makes it a member; joining again warns already_in_channel', async () => {
    const s = await start();
    const joined = await api(s, 'conversations.join', { channel: digest });
    expect(joined).toMatchObject({ ok: true, channel: { id: digest, is_member: true } });
    expect(joined.warning).toBeUndefined();
    expect(s.members(digest)).toContain(WS.botUser);
    expect(await api(s, 'conversations.join', { channel: digest })).toMatchObject({
      ok: true,
      warning: 'already_in_channel',
    });
    const posted = await api(s, 'chat.postMessage', { channel: digest, text: 'digest' });
    expect((await api(s, 'conversations.history', { channel: digest })).ok).toBe(true);
    expect((await api(s, 'pins.add', { channel: digest, timestamp: String(posted.ts) })).ok).toBe(true);
  });
});

describe('uploads finish asynchronously and keep alt_txt', () => {
  it('the share message appears after completeUploadExternal answered, not during it', async () => {
    // A share delay far longer than the check below takes, so a loaded machine cannot run it first.
    const s = await start({ uploadShareDelayMs: 1000 });
    await api(s, 'conversations.join', { channel: general });
    const id = await uploadBytes(s, { alt_txt: 'Bars of incidents per week' });
    const done = await api(s, 'files.completeUploadExternal', {
      files: [{ id, title: 'Chart' }],
      channel_id: general,
    });
    expect(done).toMatchObject({ ok: true, files: [{ id, title: 'Chart' }] });
    // Answered: the file exists, its share message not yet, and the simulator counts it as in flight.
    expect(s.messages(general).filter((m) => m.files?.length)).toEqual([]);
    expect(s.inFlight).toBeGreaterThan(0);
    await settled(s);
    const shared = s.messages(general).filter((m) => m.files?.length);
    expect(shared).toHaveLength(1);
    expect(shared[0]?.files?.[0]).toMatchObject({
      id,
      title: 'Chart',
      alt_txt: 'Bars of incidents per week',
    });
    const history = await api(s, 'conversations.history', { channel: general });
    expect(JSON.stringify(history)).toContain('"alt_txt":"Bars of incidents per week"');
  });

  it('alt_txt is Slack’s name: alt_text is ignored, and more than 1,000 characters is refused', async () => {
    const s = await start();
    expect(
      await api(s, 'files.getUploadURLExternal', { filename: 'c.png', length: 4, alt_txt: 'a'.repeat(1001) }),
    ).toMatchObject({ ok: false, error: 'alt_txt_too_large' });
    const id = await uploadBytes(s, { alt_text: 'the wrong name' });
    await api(s, 'files.completeUploadExternal', { files: [{ id }] });
    await settled(s);
    expect(s.files().find((f) => f.id === id)?.alt_txt).toBeUndefined();
  });
});

describe('refusals people meet', () => {
  async function withChannel() {
    const s = await start();
    const created = await api(s, 'conversations.create', { name: 'inc-1-checkout' });
    return { s, ch: String((created.channel as Obj).id) };
  }

  it('guests and deactivated people: user_is_restricted, ura_max_channels, cant_invite, with the errors array', async () => {
    const { s, ch } = await withChannel();
    const { gina, sam, rex } = WS.refused;
    for (const [user, error] of [
      [gina, 'user_is_restricted'],
      [sam, 'ura_max_channels'],
      [rex, 'cant_invite'],
    ] as const) {
      expect(await api(s, 'conversations.invite', { channel: ch, users: user })).toEqual({
        ok: false,
        error,
        errors: [{ ok: false, error, user }],
      });
      expect(s.members(ch)).not.toContain(user);
    }
    const info = async (user: string) => (await api(s, 'users.info', { user })).user as Obj;
    expect(await info(gina)).toMatchObject({ is_restricted: true, is_ultra_restricted: false });
    expect(await info(sam)).toMatchObject({ is_restricted: true, is_ultra_restricted: true });
    expect(await info(rex)).toMatchObject({ deleted: true });
  });

  it('one refusal among several invites nobody, unless force; a deactivated account alone fails silently', async () => {
    const { s, ch } = await withChannel();
    const { bob, carol } = WS.users;
    expect(
      await api(s, 'conversations.invite', { channel: ch, users: `${bob},${WS.refused.gina}` }),
    ).toMatchObject({ ok: false, error: 'user_is_restricted', errors: [{ user: WS.refused.gina }] });
    expect(s.members(ch)).not.toContain(bob);

    expect(
      (await api(s, 'conversations.invite', { channel: ch, users: `${bob},${WS.refused.gina}`, force: true }))
        .ok,
    ).toBe(true);
    expect(s.members(ch)).toContain(bob);

    // "Removed" people fail "silently": the error comes back, the others are invited.
    expect(
      await api(s, 'conversations.invite', { channel: ch, users: `${carol},${WS.refused.rex}` }),
    ).toMatchObject({ ok: false, error: 'cant_invite', errors: [{ user: WS.refused.rex }] });
    expect(s.members(ch)).toContain(carol);
  });

  it('a workspace that restricts channel creation answers restricted_action', async () => {
    const s = await start({ prefs: { restrictChannelCreation: true } });
    expect(await api(s, 'conversations.create', { name: 'inc-2-search' })).toEqual({
      ok: false,
      error: 'restricted_action',
    });
    expect(s.channel('inc-2-search')).toBeUndefined();
  });
});
