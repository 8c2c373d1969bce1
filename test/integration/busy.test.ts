import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS } from '../../sim/api.js';
import {
  type BusyRun,
  callsPerMinute,
  FOLLOW_UPS,
  PEOPLE,
  PIN_CAPTURES,
  playBusyIncident,
  REACTION_CAPTURES,
} from '../../sim/busy.js';
import type { SimMessage } from '../../sim/types.js';

/**
 * Issue 11, a busy incident with Slack's rate tiers enforced (sim/busy.ts): 30 people, 300
 * messages, 60 captures, 20 changes and 10 follow-ups at once while another incident is declared.
 * Nothing a person does gets an error or is silently dropped, nothing is posted twice, every capture
 * is on the timeline. Speed is measured by `npm run bench busy`, not here.
 */

let run: BusyRun;

beforeAll(async () => {
  run = await playBusyIncident();
}, 120_000);
afterAll(async () => {
  await run?.h.close();
});

const botMessages = (channel: string): SimMessage[] =>
  (run.h.sim.ws.messages.get(channel) ?? []).filter((m) => m.user === WS.botUser && !m.deleted);

describe('a busy incident', () => {
  it('had 30 people in its channel and Slack did rate-limit the bot', () => {
    const humans = run.h.sim.members(run.busy).filter((u) => u !== WS.botUser);
    expect(humans).toHaveLength(PEOPLE);
    // The point of the scenario: the tiers were reached, so the bot had to wait some calls out.
    expect(run.h.sim.calls().filter((c) => c.status === 429).length).toBeGreaterThan(0);
  });

  it('answered every command, without an error', () => {
    expect(run.commands.length).toBe(1 + 20 + FOLLOW_UPS + 1);
    for (const c of run.commands) {
      expect(c.status, c.text).toBe(200);
      expect(c.reply ?? '', c.text).not.toMatch(/:x:|:warning:|went wrong|try again/i);
    }
  });

  it('told nobody of an error, by ephemeral or DM', () => {
    const said = [...run.h.sim.ws.users.keys()].flatMap((u) => [
      ...run.h.sim.ephemerals(u).map((e) => e.text),
      ...run.h.sim.dms(u).map((m) => m.text),
    ]);
    expect(said.filter((t) => /:x:|went wrong|could not|try again/i.test(t))).toEqual([]);
  });

  it('finished every event it acknowledged (none left pending or failed)', () => {
    const rows = run.h.db.$client
      .prepare('select status, count(*) as n from slack_events group by status')
      .all() as { status: string; n: number }[];
    expect(rows.filter((r) => r.status !== 'done')).toEqual([]);
    expect(run.h.sim.deliveryErrors).toEqual([]);
  });

  it('put every capture on the timeline, once', () => {
    expect(run.captured).toHaveLength(REACTION_CAPTURES + PIN_CAPTURES);
    const rows = run.h.db.$client
      .prepare('select source_ts from timeline_events where source_ts is not null and removed_at is null')
      .all() as { source_ts: string }[];
    const stored = rows.map((r) => r.source_ts);
    for (const m of run.captured)
      expect(
        stored.filter((ts) => ts === m.ts),
        m.text,
      ).toHaveLength(1);
  });

  it('applied every change and made every follow-up', () => {
    const inc = run.h.db.$client.prepare('select severity, status from incidents where number = 1').get() as {
      severity: string;
      status: string;
    };
    expect(inc.status).toBe('monitoring');
    expect(run.h.sim.topic(run.busy)).toMatch(/Monitoring/);
    const n = run.h.db.$client.prepare('select count(*) as n from follow_ups').get() as { n: number };
    expect(n.n).toBe(FOLLOW_UPS);
  });

  it('set up the incident declared meanwhile', () => {
    expect(run.h.sim.topic(run.other)).toMatch(/Investigating/);
    expect(run.h.sim.pins(run.other)).toHaveLength(1);
  });

  it('posted nothing twice', () => {
    for (const ch of [run.busy, run.other, WS.channels.announce]) {
      const seen = new Map<string, number>();
      for (const m of botMessages(ch)) {
        const key = `${m.thread_ts ?? ''}|${m.text}|${JSON.stringify(m.blocks ?? [])}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      expect([...seen.entries()].filter(([, n]) => n > 1)).toEqual([]);
    }
    const announcements = run.h.sim
      .messages(WS.channels.announce)
      .filter((m) => m.user === WS.botUser && /INC-[12]\b/.test(`${m.text}`));
    expect(announcements).toHaveLength(2);
    // One ✅ per captured message.
    for (const m of run.captured) {
      const check = m.reactions.find((r) => r.name === 'white_check_mark');
      if (check) expect(check.users.filter((u) => u === WS.botUser)).toHaveLength(1);
    }
  });

  it('stayed within every tier once Slack said so (no method over its limit in any Slack minute)', () => {
    for (const r of callsPerMinute(run.h.sim.calls())) {
      if (r.limit === undefined) continue;
      expect(r.peakPerMinute, r.method).toBeLessThanOrEqual(r.limit);
    }
  });
});
