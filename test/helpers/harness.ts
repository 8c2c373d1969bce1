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

export type { Person, Sender, Simulator } from '../../src/simulator/api.js';
export {
  SIGNING_SECRET,
  type Stack as Harness,
  type StackOptions as HarnessOptions,
  startStack as startHarness,
  WS,
} from '../../src/simulator/stack.js';
