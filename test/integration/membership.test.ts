import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { fullTimeline } from '../../src/timeline/page.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

const { alice, bob } = WS.users;
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('member and archive events in an incident channel', () => {
  it('records who joined and left, and when the channel was archived', async () => {
    await h.person(alice).command('declare Payments queue backing up');
    await h.idle();
    const inc = getIncidentByNumber(h.db, 1);
    const ch = inc?.channelId ?? '';
    expect(ch).not.toBe('');

    await h.sim.join(bob, ch);
    await h.idle();
    await h.sim.leave(bob, ch);
    await h.idle();
    const kinds = () => fullTimeline(h.db, inc?.id ?? 0).map((e) => `${e.kind}:${e.authorId ?? ''}`);
    expect(kinds()).toContain(`joined:${bob}`);
    expect(kinds()).toContain(`left:${bob}`);
    // The bot's own join (it created the channel) is not a person joining.
    expect(kinds().filter((k) => k.startsWith('joined:') && k.endsWith('U0FIREBRK'))).toHaveLength(0);

    await h.sim.archiveAsUser(alice, ch);
    await h.idle();
    expect(getIncidentByNumber(h.db, 1)?.archivedAt).toBeInstanceOf(Date);
    expect(kinds().filter((k) => k.startsWith('archived:'))).toEqual([`archived:${alice}`]);
  });

  it('ignores joins in channels that are not incident channels', async () => {
    await h.sim.join(bob, WS.channels.general);
    await h.idle();
    expect(h.db.$client.prepare('select count(*) as n from timeline_events').get()).toEqual({ n: 0 });
  });
});

describe('presence on the timeline views', () => {
  it('keeps joins out of /incident timeline and the postmortem table, but names the people', async () => {
    await h.person(alice).command('declare Search index stale');
    await h.idle();
    const ch = getIncidentByNumber(h.db, 1)?.channelId ?? '';
    await h.sim.join(bob, ch);
    await h.person(bob).command('note reindex started', ch);
    const r = await h.person(alice).command('timeline', ch);
    const text = JSON.stringify(r.reply ?? {});
    expect(text).toContain('reindex started');
    expect(text).not.toContain('Joined the channel');
    await h.person(alice).command('export', ch);
    const file = h.sim.files(ch).at(-1);
    const md = file ? file.bytes.toString('utf8') : '';
    expect(md).toContain('reindex started');
    expect(md).not.toContain('Joined the channel');
    expect(md).toMatch(/Took part:.*@bob/);
  });
});
