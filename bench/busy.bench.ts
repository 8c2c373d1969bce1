import { callsPerMinute, playBusyIncident, TIME_SCALE } from '../sim/busy.js';
import { fmt, summary } from './lib/stats.js';

/**
 * A busy incident with Slack's rate tiers enforced (sim/busy.ts): 30 people, 300 messages,
 * 60 captures, 20 changes and 10 follow-ups at once while another incident is declared, Slack's minute
 * on the scenario's FakeClock (Retry-After waits 10× shorter in real time). Prints acknowledgement p50/p99 of commands and of events, and per method the
 * Web API calls in the busiest Slack minute against its tier's limit, with the 429s Slack answered.
 */
export async function run(): Promise<void> {
  const r = await playBusyIncident();
  try {
    const cmd = summary(r.commands.map((c) => c.ms));
    const ev = summary(r.eventMs);
    // Slack's time is the stack's FakeClock (rate limits on the clock): its span over the calls.
    const slackAt = r.h.sim.calls().map((c) => c.slackAt ?? c.at * TIME_SCALE);
    const slackMinutes = (Math.max(...slackAt) - Math.min(...slackAt)) / 60_000;
    console.log(
      `played in ${(r.wallMs / 1000).toFixed(1)} s real (${slackMinutes.toFixed(1)} Slack minutes); ` +
        `${r.commands.length} commands, ${r.eventMs.length} events`,
    );
    console.log(`command ack: p50 ${fmt(cmd.p50)} ms, p99 ${fmt(cmd.p99)} ms, max ${fmt(cmd.max)} ms`);
    console.log(`event ack:   p50 ${fmt(ev.p50)} ms, p99 ${fmt(ev.p99)} ms, max ${fmt(ev.max)} ms`);
    console.log('\n| method | calls | busiest Slack minute | tier limit / min | 429s |');
    console.log('|---|---|---|---|---|');
    for (const m of callsPerMinute(r.h.sim.calls()))
      console.log(
        `| \`${m.method}\` | ${m.calls} | ${m.peakPerMinute} | ${m.limit ?? 'special (none published)'} | ${m.rateLimited} |`,
      );
  } finally {
    await r.h.close();
  }
}
