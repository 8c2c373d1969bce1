import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { fullTimeline } from '../../src/timeline/page.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * Backdated notes read in each author's Slack time zone across both 2026 DST changes:
 * Europe/Berlin left summer time on 2026-10-25, America/New_York on 2026-11-01.
 */
const { alice, bob, carol } = WS.users;
let h: Harness;
let channel: string;
let incidentId: number;

beforeAll(async () => {
  h = await startHarness({ now: '2026-10-24T20:00:00Z' });
  const r = await h
    .person(alice)
    .command('declare Replication lag over the DST weekend', WS.channels.general);
  expect(r.reply?.text).toContain('Declared');
  await h.idle();
  const inc = getIncidentByNumber(h.db, 1);
  if (!inc?.channelId) throw new Error('no channel');
  channel = inc.channelId;
  incidentId = inc.id;
  await h.person(bob).join(channel);
  await h.idle();
  h.clock.set('2026-11-01T20:00:00Z');
});
afterAll(async () => {
  await h?.close();
});

const noteAt = (iso: string) =>
  fullTimeline(h.db, incidentId).find((e) => e.kind === 'note' && e.occurredAt.toISOString() === iso);

describe('/incident note', () => {
  it('bob in Berlin: 23:30 on Oct 24 is summer time (UTC+2), 14:05 on Oct 25 is winter time (UTC+1)', async () => {
    const a = await h.person(bob).command('note at 2026-10-24 23:30 replica 3 falls behind', channel);
    expect(a.reply?.text).toContain('Note added');
    expect(a.reply?.text).toContain('Europe/Berlin');
    const b = await h.person(bob).command('note at 2026-10-25 14:05 paused the batch import', channel);
    expect(b.reply?.text).toContain('T+17h 5m');
    expect(noteAt('2026-10-24T21:30:00.000Z')?.text).toBe('replica 3 falls behind');
    expect(noteAt('2026-10-25T13:05:00.000Z')?.text).toBe('paused the batch import');
  });

  it('alice in New York: 14:05 on Oct 31 is EDT (UTC−4); "at 14:05" today (Nov 1) is EST (UTC−5)', async () => {
    await h.person(alice).command('note at 2026-10-31 14:05 vacuum started', channel);
    const today = await h.person(alice).command('note at 14:05 lag back under 1s', channel);
    expect(today.reply?.text).toContain('America/New_York');
    expect(noteAt('2026-10-31T18:05:00.000Z')?.text).toBe('vacuum started');
    expect(noteAt('2026-11-01T19:05:00.000Z')?.text).toBe('lag back under 1s');
  });

  it('refuses a time in the future or before the incident started, and stores nothing', async () => {
    const before = fullTimeline(h.db, incidentId).length;
    const future = await h.person(alice).command('note at 16:30 not yet', channel);
    expect(future.reply?.text).toMatch(/:warning: .*2026-11-01 16:30 \(America\/New_York\) is in the future/);
    const early = await h.person(bob).command('note at 2026-10-24 21:00 too early', channel);
    expect(early.reply?.text).toMatch(/before this incident started/);
    const bad = await h.person(bob).command('note at 2026-02-30 10:00 nope', channel);
    expect(bad.reply?.text).toMatch(/not a calendar date/);
    expect(fullTimeline(h.db, incidentId)).toHaveLength(before);
  });

  it('only members of the incident channel may add notes', async () => {
    const r = await h.person(carol).command(`INC-1 note I am not in the channel`, WS.channels.general);
    expect(r.reply?.text).toMatch(/Only members/);
  });

  it('the timeline lists notes in the order things happened, in the viewer’s time zone', async () => {
    const r = await h.person(bob).command('timeline', channel);
    const shown = h.sim.renderBlocks(r.reply?.blocks, r.reply?.text);
    const order = [
      'replica 3 falls behind',
      'paused the batch import',
      'vacuum started',
      'lag back under 1s',
    ].map((t) => shown.indexOf(t));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    // bob sees Berlin times: 21:30Z on Oct 24 was 23:30 there.
    expect(shown).toContain('Sat 24 Oct 23:30');
    expect(shown).toContain('Sun 25 Oct 14:05');
  });
});
