import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WS } from '../../../sim/api.js';
import { cursorPage, encodeCursor, PagingError } from '../../../sim/paging.js';
import { type SimulatorImpl, startSimulator } from '../../../sim/web-api.js';
import { FakeClock } from '../../../src/runtime/clock.js';

/**
 * Rule 6 of issue 11: users.list, conversations.list, conversations.members and conversations.replies
 * page as Slack documents (https://api.slack.com/docs/pagination and each method's page): short pages
 * with a next_cursor before the end, opaque cursors, `invalid_limit` for limits of 1000 and more.
 */

type Obj = Record<string, unknown>;
let sim: SimulatorImpl;

beforeEach(async () => {
  sim = await startSimulator({ clock: new FakeClock() });
});
afterEach(async () => {
  await sim.close();
});

async function call(method: string, args: Record<string, string | number>): Promise<Obj> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) form.set(k, String(v));
  const res = await fetch(`${sim.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.token}` },
    body: form,
  });
  return (await res.json()) as Obj;
}

/** Follows next_cursor to the end; returns every page's items. */
async function walk(
  method: string,
  key: string,
  args: Record<string, string | number>,
): Promise<unknown[][]> {
  const pages: unknown[][] = [];
  let cursor = '';
  do {
    const r = await call(method, { ...args, ...(cursor ? { cursor } : {}) });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    pages.push(r[key] as unknown[]);
    cursor = (r.response_metadata as { next_cursor: string }).next_cursor;
  } while (cursor);
  return pages;
}

describe('cursorPage', () => {
  it('returns a short page with a cursor before the end, and a full last page', () => {
    const all = [1, 2, 3, 4, 5, 6, 7];
    const first = cursorPage(all, { limit: 3 }, 100);
    expect(first.items).toEqual([1, 2]);
    expect(first.next_cursor).not.toBe('');
    const second = cursorPage(all, { limit: 3, cursor: first.next_cursor }, 100);
    expect(second.items).toEqual([3, 4]);
    const third = cursorPage(all, { limit: 3, cursor: second.next_cursor }, 100);
    expect(third).toEqual({ items: [5, 6, 7], next_cursor: '' });
  });

  it('refuses limits Slack refuses and cursors it never gave', () => {
    expect(() => cursorPage([1], { limit: 1000 }, 100)).toThrow(PagingError);
    expect(() => cursorPage([1], { limit: -1 }, 100)).toThrow('invalid_limit');
    expect(() => cursorPage([1], { limit: 'ten' }, 100)).toThrow('invalid_limit');
    expect(() => cursorPage([1], { cursor: 'not-a-cursor' }, 100)).toThrow('invalid_cursor');
    expect(() => cursorPage([1], { cursor: encodeCursor(5) }, 100)).toThrow('invalid_cursor');
  });
});

describe('the paged methods', () => {
  it('users.list: every person is reached only by following next_cursor', async () => {
    const pages = await walk('users.list', 'members', { limit: 2 });
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]).toHaveLength(1);
    const ids = pages.flat().map((u) => (u as { id: string }).id);
    expect(new Set(ids)).toEqual(new Set(sim.ws.users.keys()));
  });

  it('conversations.members pages the channel’s members', async () => {
    const pages = await walk('conversations.members', 'members', { channel: WS.channels.general, limit: 3 });
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat().sort()).toEqual(sim.members(WS.channels.general).sort());
  });

  it('conversations.list filters after the page, so a page can be empty with more to come', async () => {
    for (const id of [WS.channels.announce, WS.channels.digest]) {
      const ch = sim.ws.channels.get(id);
      if (ch) ch.is_archived = true;
    }
    const pages = await walk('conversations.list', 'channels', { limit: 2, exclude_archived: 'true' });
    const names = pages.flat().map((c) => (c as { name: string }).name);
    expect(names).toContain('general');
    expect(names).not.toContain('incidents');
    expect(pages.some((p) => p.length === 0)).toBe(true);
  });

  it('conversations.replies pages a long thread', async () => {
    // The bot starts in no channel; reading a thread needs membership.
    await call('conversations.join', { channel: WS.channels.general });
    const parent = await sim.postAsUser(WS.users.alice, WS.channels.general, 'thread start');
    for (let i = 0; i < 6; i++)
      await sim.postAsUser(WS.users.bob, WS.channels.general, `reply ${i}`, { thread_ts: parent.ts });
    const pages = await walk('conversations.replies', 'messages', {
      channel: WS.channels.general,
      ts: parent.ts,
      limit: 4,
    });
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat()).toHaveLength(7);
  });

  it.each([
    ['users.list', {}],
    ['conversations.list', {}],
    ['conversations.members', { channel: WS.channels.general }],
  ])('%s refuses a limit of 1000 with invalid_limit', async (method, args) => {
    expect(await call(method, { ...args, limit: 1000 })).toEqual({ ok: false, error: 'invalid_limit' });
  });

  it('conversations.replies refuses a limit of 1000 and a forged cursor', async () => {
    await call('conversations.join', { channel: WS.channels.general });
    const parent = await sim.postAsUser(WS.users.alice, WS.channels.general, 'x');
    const base = { channel: WS.channels.general, ts: parent.ts };
    expect(await call('conversations.replies', { ...base, limit: 1000 })).toEqual({
      ok: false,
      error: 'invalid_limit',
    });
    expect(await call('conversations.replies', { ...base, cursor: 'zzz' })).toEqual({
      ok: false,
      error: 'invalid_cursor',
    });
  });
});
