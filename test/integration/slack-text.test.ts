import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/model.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { fullTimeline } from '../../src/timeline/page.js';
import { declareAndJoin, type Harness, latestIncident, startHarness, WS } from '../helpers/harness.js';

/**
 * Text from Slack is decoded once where it enters and escaped once where it leaves: what people
 * typed is what they read back, links stay links, channel names carry no `amp` or `gt`, and markup
 * someone typed never turns into a mention.
 */
const { alice, bob } = WS.users;
let h: Harness;
const declare = (title: string) => declareAndJoin(h, title);

const captured = (inc: Incident) => fullTimeline(h.db, inc.id).filter((e) => e.kind === 'message');

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('text from Slack', () => {
  it('a captured message reads as typed: stored decoded, shown escaped once, the link a link', async () => {
    const inc = await declare('Latency');
    const typed = 'p99 > 2s on R&D, see [dashboard](https://grafana.example/d?a=1&b=2) cc @alice';
    const m = await h.person(bob).say(inc.channelId, typed);
    expect(m.text).toContain('p99 &gt; 2s on R&amp;D'); // what Slack sends
    await h.person(bob).react(inc.channelId, m.ts, 'pushpin');
    await h.idle();
    expect(captured(inc).map((e) => e.text)).toEqual([
      'p99 > 2s on R&D, see dashboard (https://grafana.example/d?a=1&b=2) cc @alice',
    ]);
    const r = await h.person(alice).command('timeline', inc.channelId);
    const shown = h.sim.renderBlocks(r.reply?.blocks);
    expect(shown).toContain('p99 &gt; 2s on R&amp;D, see dashboard (https://grafana.example/d?a=1&amp;b=2)');
    expect(shown).not.toMatch(/&amp;(gt|lt|amp);/);
    expect(h.sim.renderBlocks(r.reply?.blocks, '', true)).toContain(
      'p99 > 2s on R&D, see dashboard (https://grafana.example/d?a=1&b=2) cc @alice',
    );
  });

  it('an edit of a captured message is decoded the same way', async () => {
    const inc = await declare('Edits');
    const m = await h.person(bob).say(inc.channelId, 'first');
    await h.person(bob).pin(inc.channelId, m.ts);
    await h.idle();
    await h.person(bob).edit(inc.channelId, m.ts, 'error rate < 1% & falling');
    await h.idle();
    expect(captured(inc).map((e) => e.text)).toEqual(['error rate < 1% & falling']);
  });

  it('markup typed into a message stays text: never a mention or a broadcast', async () => {
    const inc = await declare('Hostile');
    const m = await h.person(bob).say(inc.channelId, 'ping <@U0ALICE> <!channel>');
    await h.person(bob).react(inc.channelId, m.ts, 'pushpin');
    await h.idle();
    expect(captured(inc).map((e) => e.text)).toEqual(['ping <@U0ALICE> <!channel>']);
    const r = await h.person(alice).command('timeline', inc.channelId);
    const line = h.sim
      .renderBlocks(r.reply?.blocks)
      .split('\n')
      .find((l) => l.includes('ping'));
    expect(line).toBe('ping &lt;@U0ALICE&gt; &lt;!channel&gt;');
  });

  it('the message shortcut prefills what was typed; the channel name has no amp or gt', async () => {
    const m = await h.person(bob).say(WS.channels.general, 'R&D <api> p99 > 2s since 10:00');
    await h.person(alice).messageShortcut('declare_incident_from_message', WS.channels.general, m.ts);
    const title = h.person(alice).view().state.values;
    expect(JSON.stringify(title)).toContain('R&D <api> p99 > 2s since 10:00');
    await h.person(alice).submit();
    await h.idle();
    const inc = latestIncident(h);
    expect(inc.title).toBe('R&D <api> p99 > 2s since 10:00');
    const name = h.sim.channel(String(inc.channelId))?.name;
    expect(name).toBe(`inc-${inc.number}-r-d-api-p99-2s-since-10-00`);
    // Its first timeline entry is the message, decoded.
    expect(captured(inc as Incident).map((e) => e.text)).toEqual(['R&D <api> p99 > 2s since 10:00']);
  });

  it('a command is decoded once: title, channel name, notes', async () => {
    const inc = await declare('R&D: p99 > 2s');
    expect(inc.title).toBe('R&D: p99 > 2s');
    expect(h.sim.channel(inc.channelId)?.name).toBe(`inc-${inc.number}-r-d-p99-2s`);
    await h
      .person(alice)
      .command('note rollback of https://deploy.example/r?id=4&env=prod < 5 min', inc.channelId);
    const [note] = fullTimeline(h.db, inc.id).filter((e) => e.kind === 'note');
    expect(note?.text).toBe('rollback of https://deploy.example/r?id=4&env=prod < 5 min');
  });
});

describe('private incident channels', () => {
  it('archived by a person (group_archive): recorded on the timeline like a public one', async () => {
    await h.person(alice).command('');
    await h.person(alice).fillAndSubmit({ Title: 'Secret outage', Private: true });
    await h.idle();
    const inc = latestIncident(h);
    const ch = String(inc.channelId);
    expect(h.sim.channel(ch)?.is_private).toBe(true);
    await h.sim.archiveAsUser(alice, ch);
    await h.idle();
    expect(getIncidentByNumber(h.db, inc.number)?.archivedAt).not.toBeNull();
    expect(
      fullTimeline(h.db, inc.id)
        .filter((e) => e.kind === 'archived')
        .map((e) => [e.text, e.authorId]),
    ).toEqual([['Channel archived', alice]]);
  });
});
