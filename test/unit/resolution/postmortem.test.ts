import { describe, expect, it } from 'vitest';
import { unsupportedMarkdown } from '../../../sim/canvases.js';
import { followUps, slackUsers } from '../../../src/db/schema.js';
import { addTimelineEvent } from '../../../src/incidents/add-timeline-event.js';
import {
  canvasUrl,
  forgetPostmortemCanvas,
  getPostmortemCanvas,
  postmortemCanvasDoc,
  recordPostmortemCanvas,
} from '../../../src/resolution/postmortem.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { buildPostmortem, buildPostmortemDraft } from '../../../src/timeline/export.js';
import { makeIncident, testDb } from '../../helpers/db.js';

const t = (hm: string) => new Date(`2026-11-23T${hm}:00Z`);

/** An incident whose text holds everything a canvas cannot show as written. */
function hostile() {
  const db = testDb();
  const incident = makeIncident(db, {
    title: 'Checkout | API <b>502</b>',
    description:
      '#### Deep heading\nCards <b>failed</b> &amp; <@U0BOB> saw it in <#C0GENERAL|general> <!here>',
    startedAt: t('08:50'),
    declaredAt: t('09:00'),
    resolvedAt: t('10:10'),
    status: 'resolved',
    rootCauseSummary: 'Pool size <0> after a config push',
    contributingFactors: ['no canary\nfor config', '<script>alert(1)</script>'],
    resolutionSummary: 'Rolled back.',
  });
  db.insert(slackUsers)
    .values({ id: 'U0BOB', name: 'bob', tz: 'UTC', fetchedAt: t('09:00') })
    .run();
  addTimelineEvent(db, {
    incidentId: incident.id,
    kind: 'message',
    text: 'errors | see <@U0BOB>\n#### second line <br>',
    authorId: 'U0BOB',
    occurredAt: t('09:12'),
    recordedAt: t('09:13'),
  });
  db.insert(followUps)
    .values({
      incidentId: incident.id,
      text: 'Add <canary>',
      ownerId: 'U0BOB',
      createdBy: 'U0BOB',
      createdAt: t('10:20'),
    })
    .run();
  return { db, incident };
}

describe('the postmortem canvas', () => {
  it('is Markdown a canvas shows as written, whatever people typed', () => {
    const { db, incident } = hostile();
    const doc = postmortemCanvasDoc(db, incident.id, { now: t('11:00') });
    expect(unsupportedMarkdown(doc.markdown)).toBeUndefined();
    expect(doc.markdown).toContain('### Deep heading');
    expect(doc.markdown).toContain('Cards &lt;b>failed&lt;/b> & ![](@U0BOB) saw it in #general @here');
    expect(doc.markdown).toContain('| ![](@U0BOB) | errors \\| see ![](@U0BOB) ### second line &lt;br> |');
    expect(doc.markdown).toContain('  - &lt;script>alert(1)&lt;/script>');
    expect(doc.markdown).toContain('| open | Add &lt;canary> | ![](@U0BOB) | — |');
    expect(doc.markdown).not.toMatch(/^# /m);
    expect(doc.title).toBe('Postmortem — INC-1: Checkout | API <b>502</b>');
  });

  it('has the same sections, in the same order, as the Markdown file', () => {
    const { db, incident } = hostile();
    const canvas = postmortemCanvasDoc(db, incident.id, { now: t('11:00') }).markdown;
    const file = buildPostmortem(db, incident.id, { now: t('11:00') }).markdown;
    const headings = (s: string) => s.split('\n').filter((l) => /^#{2,3} [A-Z]/.test(l));
    // The description's own "#### Deep heading" is a heading only in the canvas (downgraded to h3).
    expect(headings(canvas).filter((h) => !h.includes('Deep'))).toEqual(headings(file));
    expect(buildPostmortemDraft(db, incident.id, { now: t('11:00') }).sections.map((s) => s.key)).toEqual([
      'summary',
      'impact',
      'durations',
      'people',
      'root_cause',
      'resolution',
      'timeline',
      'follow_ups',
    ]);
    // The file names people and keeps line breaks in cells.
    expect(file).toContain('errors \\| see @bob<br>#### second line <br>');
  });

  it('adds a ticket column once a follow-up has a ticket, as a link in both renderings', () => {
    const db = testDb();
    const incident = makeIncident(db, {});
    db.insert(followUps)
      .values([
        {
          incidentId: incident.id,
          text: 'Ticketed',
          createdBy: 'U1',
          createdAt: t('10:00'),
          ticketTracker: 'jira',
          ticketKey: 'OPS-12',
          ticketUrl: 'https://acme.atlassian.net/browse/OPS-12',
        },
        { incidentId: incident.id, text: 'Not yet', createdBy: 'U1', createdAt: t('10:01') },
      ])
      .run();
    const canvas = postmortemCanvasDoc(db, incident.id, { now: t('11:00') }).markdown;
    const file = buildPostmortem(db, incident.id, { now: t('11:00') }).markdown;
    for (const md of [canvas, file]) {
      expect(md).toContain('| status | follow-up | owner | due | ticket |');
      expect(md).toContain(
        '| open | Ticketed | — | — | [Jira OPS-12](https://acme.atlassian.net/browse/OPS-12) |',
      );
      expect(md).toContain('| open | Not yet | — | — | — |');
    }
  });

  it('cuts a long title', () => {
    const db = testDb();
    const incident = makeIncident(db, { title: 'x'.repeat(300) });
    const { title } = postmortemCanvasDoc(db, incident.id, { now: t('11:00') });
    expect(title.length).toBe(120);
    expect(title.endsWith('…')).toBe(true);
  });

  it('remembers its canvas per incident, and forgets it', () => {
    const db = testDb();
    const incident = makeIncident(db, {});
    expect(getPostmortemCanvas(db, incident.id)).toBeUndefined();
    const rec = {
      incidentId: incident.id,
      canvasId: 'F1',
      channelId: 'C1',
      kind: 'channel' as const,
      createdBy: 'U1',
    };
    recordPostmortemCanvas(db, new FakeClock(t('10:00')), rec);
    recordPostmortemCanvas(db, new FakeClock(t('10:05')), { ...rec, canvasId: 'F2', kind: 'tabbed' });
    expect(getPostmortemCanvas(db, incident.id)).toMatchObject({
      canvasId: 'F2',
      kind: 'tabbed',
      createdAt: t('10:00'),
    });
    forgetPostmortemCanvas(db, incident.id);
    expect(getPostmortemCanvas(db, incident.id)).toBeUndefined();
    expect(canvasUrl('https://acme.slack.com/', 'T1', 'F2')).toBe('https://acme.slack.com/docs/T1/F2');
  });
});
