import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelOfIncident } from '../helpers/db.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * Issue 11: Slack's lists come in pages, and a page may end early with more to come
 * (sim/paging.ts). The bot follows next_cursor wherever it reads a list.
 */

const { alice, bob } = WS.users;
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('captures in long threads', () => {
  it('a :pushpin: on a reply deep in a long thread is captured (conversations.replies paged)', async () => {
    await h.person(alice).command('declare Queue backlog');
    const ch = channelOfIncident(h.db, 1);
    await h.sim.join(bob, ch);
    const top = await h.sim.postAsUser(bob, ch, 'consumer lag at 2M messages');
    let last = top;
    for (let i = 1; i <= 205; i++)
      last = await h.sim.postAsUser(bob, ch, `lag update ${i}`, { thread_ts: top.ts });
    await h.idle();
    await h.person(alice).react(ch, last.ts, 'pushpin');
    const captured = h.db.$client
      .prepare("select text from timeline_events where captured_via = 'reaction'")
      .all() as { text: string }[];
    expect(captured.map((e) => e.text)).toEqual(['lag update 205']);
    expect(h.sim.calls('conversations.replies').filter((c) => c.ok).length).toBeGreaterThan(1);
  });
});
