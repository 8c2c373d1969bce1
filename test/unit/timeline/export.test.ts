import { describe, expect, it } from 'vitest';
import { followUps, incidentRoles, slackUsers } from '../../../src/db/schema.js';
import { addTimelineEvent } from '../../../src/incidents/add-timeline-event.js';
import { buildPostmortem, cell, slackToMarkdown } from '../../../src/timeline/export.js';
import { makeIncident, testDb } from '../../helpers/db.js';

describe('buildPostmortem', () => {
  it('has every section, the timeline as a table, root cause, durations and follow-ups', () => {
    const db = testDb();
    const t = (hm: string) => new Date(`2026-11-23T${hm}:00Z`);
    const incident = makeIncident(db, {
      title: 'Checkout | API returns 502',
      description: 'Card payments failed for EU customers.',
      startedAt: t('08:50'),
      declaredAt: t('09:00'),
      acknowledgedAt: t('09:03'),
      mitigatedAt: t('09:40'),
      resolvedAt: t('10:10'),
      status: 'resolved',
      rootCauseSummary: 'A config push halved the connection pool.',
      rootCauseCategory: 'configuration',
      contributingFactors: ['no canary for config', 'alert threshold too high'],
      resolutionSummary: 'Rolled back the config.',
    });
    db.insert(slackUsers)
      .values([
        { id: 'U0ALICE', name: 'alice', tz: 'America/New_York', fetchedAt: t('09:00') },
        { id: 'U0BOB', name: 'bob', tz: 'Europe/Berlin', fetchedAt: t('09:00') },
      ])
      .run();
    db.insert(incidentRoles)
      .values({
        incidentId: incident.id,
        role: 'scribe',
        userId: 'U0BOB',
        assignedBy: 'U0ALICE',
        assignedAt: t('09:05'),
      })
      .run();
    addTimelineEvent(db, {
      incidentId: incident.id,
      kind: 'message',
      text: 'errors up | see <@U0ALICE>\nsecond line',
      authorId: 'U0BOB',
      occurredAt: t('09:12'),
      recordedAt: t('09:13'),
      permalink: 'https://firebreak-sim.slack.com/archives/C1/p1',
      files: ['graph.png'],
    });
    const removed = addTimelineEvent(db, {
      incidentId: incident.id,
      kind: 'message',
      text: 'unpinned thing',
      occurredAt: t('09:20'),
      recordedAt: t('09:20'),
    });
    db.$client.prepare('update timeline_events set removed_at = 1 where id = ?').run(removed.event.id);
    db.insert(followUps)
      .values([
        {
          incidentId: incident.id,
          text: 'Add canary for config',
          ownerId: 'U0BOB',
          dueDate: '2026-12-01',
          createdBy: 'U0ALICE',
          createdAt: t('10:20'),
        },
        {
          incidentId: incident.id,
          text: 'Lower alert threshold',
          status: 'done',
          createdBy: 'U0ALICE',
          createdAt: t('10:21'),
        },
      ])
      .run();

    const doc = buildPostmortem(db, incident.id, { now: t('11:00') });
    const md = doc.markdown;
    expect(doc.filename).toBe('inc-1-checkout-api-returns-502-postmortem.md');
    for (const h of [
      '## Summary',
      '## Impact window',
      '## People and roles',
      '## Root cause',
      '## Resolution',
      '## Timeline',
      '## Follow-ups',
    ]) {
      expect(md).toContain(h);
    }
    expect(md).toContain('Card payments failed for EU customers.');
    expect(md).toContain('- **Impact started:** 2026-11-23 08:50');
    expect(md).toContain('| Time to acknowledge | 3m |');
    expect(md).toContain('| Impact duration | 1h 20m |');
    expect(md).toContain('- **Incident lead:** @alice');
    expect(md).toContain('- **Scribe:** @bob');
    expect(md).toContain('A config push halved the connection pool.');
    expect(md).toContain('- **Category:** configuration');
    expect(md).toContain('  - no canary for config');
    expect(md).toContain('Rolled back the config.');
    expect(md).toContain(
      '| 2026-11-23 09:12 | T+22m | @bob | errors up \\| see @alice<br>second line (files: graph.png) | [message](https://firebreak-sim.slack.com/archives/C1/p1) |',
    );
    expect(md).not.toContain('unpinned thing');
    expect(md).toContain('1 entry was removed');
    expect(md).toContain('| open | Add canary for config | @bob | 2026-12-01 |');
    expect(md).toContain('| done | Lower alert threshold | — | — |');
  });

  it('says what is not written yet', () => {
    const db = testDb();
    const incident = makeIncident(db, { rootCausePending: true });
    const md = buildPostmortem(db, incident.id, { now: new Date() }).markdown;
    expect(md).toContain('_Not known yet (pending)._');
    expect(md).toContain('- **Resolved:** _not yet_');
    expect(md).toContain('_None recorded yet._');
  });

  it('converts Slack markup and keeps table cells intact', () => {
    const names = new Map([['U0BOB', 'bob']]);
    expect(slackToMarkdown('<@U0BOB> see <https://x.io/a|dash> &amp; <#C0GENERAL|general>', names)).toBe(
      '@bob see [dash](https://x.io/a) & #general',
    );
    expect(cell('a|b\nc')).toBe('a\\|b<br>c');
  });
});
