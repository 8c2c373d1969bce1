import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/client.js';
import { followUps, recurrenceLinks } from '../../../src/db/schema.js';
import type { Incident, NewIncident } from '../../../src/incidents/model.js';
import { checkRecurrence, markShown, releaseLinks, rootCauseEchoes } from '../../../src/recurrence/check.js';
import { learnedTermFactors, recordFeedback } from '../../../src/recurrence/feedback.js';
import { engineFor, indexIncident } from '../../../src/recurrence/store.js';
import { makeIncident, testDb } from '../../helpers/db.js';
import { BACKGROUND_TITLES } from '../../helpers/fixtures.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-23T09:00:00Z');
const past = (d: number) => new Date(NOW.getTime() - d * DAY);
let db: Db;

function inc(over: Partial<NewIncident>): Incident {
  const at = over.declaredAt ?? past(30);
  return makeIncident(db, { status: 'resolved', startedAt: at, declaredAt: at, ...over });
}

beforeEach(() => {
  db = testDb();
  for (const [i, t] of BACKGROUND_TITLES.entries()) inc({ title: t, declaredAt: past(100 + i) });
});

describe('checkRecurrence', () => {
  it('warns for the same problem with its open follow-ups, says nothing for unrelated ones', () => {
    const old = inc({ title: 'Checkout API returns 502 bad gateway', rootCauseSummary: 'pool exhausted' });
    db.insert(followUps)
      .values({
        incidentId: old.id,
        text: 'Alert on pool',
        ownerId: 'U0BOB',
        dueDate: '2026-11-01',
        createdBy: 'U0ALICE',
        createdAt: past(29),
      })
      .run();
    const now = inc({ title: 'Checkout returns 502 bad gateway', status: 'investigating', declaredAt: NOW });
    const r = checkRecurrence(db, now.id, NOW);
    expect(r?.warnings.map((f) => f.related.id)).toEqual([old.id]);
    expect(r?.warnings[0]?.openFollowUps.map((f) => f.text)).toEqual(['Alert on pool']);
    expect(r?.warnings[0]?.explanation.sharedTerms).toEqual(expect.arrayContaining(['checkout', 'gateway']));

    const other = inc({ title: 'Printer on floor 3 jams', status: 'investigating', declaredAt: NOW });
    const none = checkRecurrence(db, other.id, NOW);
    expect([...(none?.warnings ?? []), ...(none?.possible ?? []), ...(none?.openDuplicates ?? [])]).toEqual(
      [],
    );
  });

  it('claims a pair once; a released claim comes back; an open match is an open duplicate', () => {
    const open = inc({
      title: 'Payments API timeouts for EU customers',
      status: 'investigating',
      declaredAt: past(0.1),
    });
    const now = inc({
      title: 'Payments API timeouts for EU customers again',
      status: 'investigating',
      declaredAt: NOW,
    });
    const first = checkRecurrence(db, now.id, NOW);
    expect(first?.openDuplicates.map((f) => f.related.id)).toEqual([open.id]);
    expect(checkRecurrence(db, now.id, NOW)?.openDuplicates).toEqual([]);
    releaseLinks(db, first?.openDuplicates.map((f) => f.link.id) ?? []);
    const again = checkRecurrence(db, now.id, NOW);
    expect(again?.openDuplicates).toHaveLength(1);
    markShown(db, [again?.openDuplicates[0]?.link.id ?? 0], 'C1', '1.1', NOW);
    expect(db.select().from(recurrenceLinks).get()?.messageTs).toBe('1.1');
  });

  it('never suggests a pair judged "not related", and learns from the judgement', () => {
    const old = inc({ title: 'Upgrade jackson-databind to 2.15' });
    const a = inc({ title: 'Upgrade jackson-databind to 2.16', status: 'investigating', declaredAt: NOW });
    const r = checkRecurrence(db, a.id, NOW);
    const link = r?.warnings[0]?.link ?? r?.possible[0]?.link;
    expect(link?.relatedId).toBe(old.id);
    // A later incident of the same kind, ranked before and after the judgement.
    const probe = {
      id: -1,
      at: NOW.getTime(),
      title: 'Upgrade jackson-databind to 2.17',
      description: '',
      services: [],
      tags: [],
    };
    const q = engineFor(db).rank(probe);
    const before = q.find((m) => m.id === old.id)?.score ?? 0;
    recordFeedback(db, link?.id ?? 0, 'unrelated', 'U0BOB', NOW);
    const factors = learnedTermFactors(db);
    expect(factors.get('jackson')).toBeLessThan(1);
    for (const [t, f] of factors) engineFor(db).setTermFactor(t, f);
    const after = engineFor(db).rank(probe);
    expect(after.find((m) => m.id === old.id)?.score ?? 0).toBeLessThan(before);
    // Re-checking the same incident never brings the pair back.
    const again = checkRecurrence(db, a.id, NOW);
    expect(
      [...(again?.warnings ?? []), ...(again?.possible ?? [])].some((f) => f.related.id === old.id),
    ).toBe(false);
  });

  it('"same problem" siblings do not eat the margin: a twice-seen problem still warns', () => {
    const a = inc({ title: 'Certificate expired on payments gateway', declaredAt: past(60) });
    const b = inc({ title: 'Certificate expired on payments gateway', declaredAt: past(30) });
    db.insert(recurrenceLinks)
      .values({
        incidentId: b.id,
        relatedId: a.id,
        score: 1,
        level: 'warning',
        explanation: {},
        feedback: 'same',
        createdAt: past(30),
      })
      .run();
    const c = inc({
      title: 'Payments gateway certificate expired',
      status: 'investigating',
      declaredAt: NOW,
    });
    const r = checkRecurrence(db, c.id, NOW);
    expect(r?.warnings.map((f) => f.related.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('sees captured timeline text and later edits (index kept in step)', () => {
    const old = inc({
      title: 'Orders stuck',
      description: 'RabbitMQ queue orders.created backed up, consumers deadlocked',
    });
    const c = inc({ title: 'Something is slow', status: 'investigating', declaredAt: NOW });
    const first = checkRecurrence(db, c.id, NOW);
    expect([...(first?.warnings ?? []), ...(first?.possible ?? [])]).toEqual([]);
    db.$client
      .prepare(
        "update incidents set title = 'Orders stuck: RabbitMQ consumers deadlocked', description = 'RabbitMQ orders.created queue backed up; consumers deadlocked' where id = ?",
      )
      .run(c.id);
    indexIncident(db, c.id);
    const r = checkRecurrence(db, c.id, NOW);
    expect([...(r?.warnings ?? []), ...(r?.possible ?? [])].map((f) => f.related.id)).toEqual([old.id]);
  });
});

describe('rootCauseEchoes', () => {
  it('finds earlier incidents with the same root cause, once', () => {
    const a = inc({
      title: 'Orders stuck',
      rootCauseSummary: 'TLS certificate for payments gateway expired',
    });
    inc({ title: 'Refunds slow', rootCauseSummary: 'A noisy neighbour on the database host' });
    const c = inc({
      title: 'Cards rejected',
      rootCauseSummary: 'payments gateway TLS certificate expired',
      declaredAt: NOW,
    });
    expect(rootCauseEchoes(db, c.id, NOW)?.related.map((r) => r.id)).toEqual([a.id]);
    expect(rootCauseEchoes(db, c.id, NOW)?.related).toEqual([]);
  });
});
