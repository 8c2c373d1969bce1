/**
 * Integration-test harness: the local Slack simulator plus the real bot, wired over real HTTP.
 *
 *   const h = await startHarness({ now: '2026-11-23T09:00:00Z' });
 *   const alice = h.person('U0ALICE');
 *   const r = await alice.command('help');            // signed slash command, answered < 3 s
 *   expect(r.reply?.text).toContain('/incident');
 *   await alice.command('declare Checkout down');     // opens a modal?  alice.view() / alice.fill(...)
 *   await h.idle();                                  // bot's deferred work done, no Web API call in flight
 *   expect(h.sim.messages('C0ANNOUNCE').at(-1)?.text).toContain('INC-1');
 *   await h.close();
 *
 * Each harness has its own simulator port, bot port, temp-file SQLite DB (migrated) and FakeClock
 * (`h.clock.advance(ms)`; simulator message ts and event_time follow the same clock). Cron schedules are
 * off by default: run a job with `await h.bot.scheduler.run(name)` and then `await h.idle()`.
 */

import { expect } from 'vitest';
import { type Stack, WS } from '../../sim/stack.js';
import type { Incident } from '../../src/incidents/model.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';

export type { Person, Sender, Simulator } from '../../sim/api.js';
export {
  SIGNING_SECRET,
  type Stack as Harness,
  type StackOptions as HarnessOptions,
  startStack as startHarness,
  WS,
} from '../../sim/stack.js';

/** The incident declared last. */
export function latestIncident(h: Stack): Incident {
  const row = h.db.$client.prepare('select max(number) as n from incidents').get() as { n: number | null };
  const inc = row.n === null ? undefined : getIncidentByNumber(h.db, row.n);
  if (!inc) throw new Error('no incident was declared');
  return inc;
}

/**
 * `who` declares an incident with a title from #general, the setup runs, and `joiner` joins its
 * channel (so their messages there reach the bot). Returns the incident with its channel.
 */
export async function declareAndJoin(
  h: Stack,
  title: string,
  who: { declarer?: string; joiner?: string } = {},
): Promise<Incident & { channelId: string }> {
  const r = await h.person(who.declarer ?? WS.users.alice).command(`declare ${title}`, WS.channels.general);
  expect(r.reply?.text).toContain('Declared');
  await h.idle();
  const inc = latestIncident(h);
  if (!inc.channelId) throw new Error(`INC-${inc.number} has no channel: ${inc.setupError ?? 'unknown'}`);
  await h.person(who.joiner ?? WS.users.bob).join(inc.channelId);
  await h.idle();
  return inc as Incident & { channelId: string };
}
