import { describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/client.js';
import { followUps, recurrenceLinks } from '../../../src/db/schema.js';
import { buildDigest, isQuietWeek } from '../../../src/digest/build.js';
import { weekFromKey } from '../../../src/digest/week.js';
import { makeIncident, testDb } from '../../helpers/db.js';

const H = 3_600_000;
const d = (iso: string) => new Date(iso);
const link = (db: Db, incidentId: number, relatedId: number, level: string, feedback: string | null) =>
  db
    .insert(recurrenceLinks)
    .values({
      incidentId,
      relatedId,
      level,
      feedback,
      score: 0.9,
      explanation: {},
      createdAt: d('2026-11-01T00:00:00Z'),
    })
    .run();

describe('buildDigest', () => {
  it('an empty week is quiet and has no figures', () => {
    const db = testDb();
    const week = weekFromKey('2026-11-16', 'UTC');
    const dg = buildDigest(db, { week, now: d('2026-11-23T09:00:00Z') });
    expect(isQuietWeek(dg)).toBe(true);
    expect(dg.partial).toBe(false);
    expect(dg.declared.now.total).toBe(0);
    expect(dg.mtta).toMatchObject({ cohort: 0, median: null });
    expect(dg.repeats.rate4.rate).toBeNull();
    expect(dg.chart).toHaveLength(12);
    expect(dg.chart.at(-1)?.key).toBe('2026-11-16');
    expect(dg.chart[0]?.key).toBe('2026-08-31');
  });

  it('counts declared, resolved and open by severity with the week before; imported history excluded', () => {
    const db = testDb();
    const week = weekFromKey('2026-11-16', 'UTC');
    // Week before: one SEV1 declared, resolved this week.
    makeIncident(db, {
      severity: 1,
      declaredAt: d('2026-11-12T10:00:00Z'),
      resolvedAt: d('2026-11-17T10:00:00Z'),
      status: 'resolved',
    });
    // This week.
    makeIncident(db, {
      severity: 2,
      declaredAt: d('2026-11-16T00:00:00Z'),
      acknowledgedAt: d('2026-11-16T00:05:00Z'),
      resolvedAt: d('2026-11-16T02:00:00Z'),
      status: 'resolved',
      rootCauseSummary: 'bad deploy',
    });
    makeIncident(db, {
      severity: 2,
      declaredAt: d('2026-11-18T00:00:00Z'),
      acknowledgedAt: d('2026-11-18T00:15:00Z'),
    });
    makeIncident(db, { severity: 3, declaredAt: d('2026-11-22T23:59:59Z') });
    // Resolved after the week's end: open at week end.
    makeIncident(db, {
      severity: 4,
      declaredAt: d('2026-11-20T00:00:00Z'),
      acknowledgedAt: d('2026-11-20T01:00:00Z'),
      resolvedAt: d('2026-11-23T01:00:00Z'),
      status: 'resolved',
    });
    // Next week and imported history: not counted.
    makeIncident(db, { severity: 1, declaredAt: d('2026-11-23T00:00:00Z') });
    makeIncident(db, {
      severity: 1,
      declaredAt: d('2026-11-17T00:00:00Z'),
      imported: true,
      status: 'closed',
    });
    const dg = buildDigest(db, { week, now: d('2026-11-24T09:00:00Z') });
    expect(dg.declared.now).toEqual({ total: 4, bySeverity: { 1: 0, 2: 2, 3: 1, 4: 1 } });
    expect(dg.declared.before).toEqual({ total: 1, bySeverity: { 1: 1, 2: 0, 3: 0, 4: 0 } });
    expect(dg.resolved.now).toEqual({ total: 2, bySeverity: { 1: 1, 2: 1, 3: 0, 4: 0 } });
    expect(dg.open.now).toEqual({ total: 3, bySeverity: { 1: 0, 2: 1, 3: 1, 4: 1 } });
    expect(dg.open.before).toEqual({ total: 1, bySeverity: { 1: 1, 2: 0, 3: 0, 4: 0 } });
    expect(dg.mtta).toMatchObject({ cohort: 4, measured: 3, missing: 1, median: 15 * 60_000, p90: H });
    expect(dg.mttr).toMatchObject({
      cohort: 4,
      measured: 2,
      missing: 2,
      median: (2 * H + 73 * H) / 2,
      p90: 73 * H,
    });
    expect(dg.withoutRootCause.total).toBe(1);
    expect(dg.withoutRootCause.named.map((n) => n.number)).toEqual([1]);
    expect(dg.chart.at(-1)).toMatchObject({ total: 4, bySeverity: { 1: 0, 2: 2, 3: 1, 4: 1 } });
    expect(dg.chart.at(-2)).toMatchObject({ total: 1 });
  });

  it('a week crossing a DST change uses local midnights (Europe/Berlin, 167 h)', () => {
    const db = testDb();
    const week = weekFromKey('2026-03-23', 'Europe/Berlin');
    makeIncident(db, { declaredAt: d('2026-03-22T23:30:00Z') }); // Mon 00:30 CET: inside
    makeIncident(db, { declaredAt: d('2026-03-22T22:59:00Z') }); // Sun 23:59 CET: week before
    makeIncident(db, { declaredAt: d('2026-03-29T21:59:00Z') }); // Sun 23:59 CEST: inside
    makeIncident(db, { declaredAt: d('2026-03-29T22:00:00Z') }); // Mon 00:00 CEST: next week
    const dg = buildDigest(db, { week, now: d('2026-04-01T00:00:00Z') });
    expect(dg.declared.now.total).toBe(2);
    expect(dg.declared.before.total).toBe(1);
  });

  it('a week in progress is compared with the same days of the week before', () => {
    const db = testDb();
    const week = weekFromKey('2026-11-23', 'UTC');
    makeIncident(db, { declaredAt: d('2026-11-16T10:00:00Z') });
    makeIncident(db, { declaredAt: d('2026-11-20T10:00:00Z') }); // later in the week than "now" is
    makeIncident(db, { declaredAt: d('2026-11-23T10:00:00Z') });
    const dg = buildDigest(db, { week, now: d('2026-11-24T12:00:00Z') });
    expect(dg.partial).toBe(true);
    expect(dg.cutoff.toISOString()).toBe('2026-11-24T12:00:00.000Z');
    expect(dg.declared.now.total).toBe(1);
    expect(dg.declared.before.total).toBe(1);
  });

  it('recurrences, repeat rates and problems; private incidents only counted', () => {
    const db = testDb();
    const week = weekFromKey('2026-11-16', 'UTC');
    const old = makeIncident(db, {
      title: 'Old payments outage',
      declaredAt: d('2026-01-05T00:00:00Z'),
      imported: true,
      rootCauseCategory: 'dependency failure',
      status: 'closed',
    });
    const a = makeIncident(db, {
      title: 'Payments timeout',
      declaredAt: d('2026-10-20T00:00:00Z'),
      rootCauseCategory: 'dependency failure',
      channelId: 'C0INC1',
    });
    const b = makeIncident(db, { title: 'Payments timeouts again', declaredAt: d('2026-11-17T00:00:00Z') });
    const secret = makeIncident(db, {
      title: 'SECRET breach',
      declaredAt: d('2026-11-18T00:00:00Z'),
      isPrivate: true,
      channelId: 'G0SECRET',
    });
    const c = makeIncident(db, { title: 'Unrelated', declaredAt: d('2026-11-19T00:00:00Z') });
    link(db, a.id, old.id, 'warning', 'same');
    link(db, b.id, a.id, 'warning', null);
    link(db, secret.id, b.id, 'root_cause', 'same');
    link(db, c.id, a.id, 'warning', 'unrelated');
    const dg = buildDigest(db, { week, now: d('2026-11-23T09:00:00Z') });
    expect(dg.repeats.confirmed).toMatchObject({ total: 1, named: [], privateCount: 1 });
    expect(dg.repeats.suspected.named.map((n) => n.title)).toEqual(['Payments timeouts again']);
    // INC-2 (20 Oct) is outside the last 4 weeks, inside the last 12.
    expect(dg.repeats.rate4).toEqual({ recurrences: 2, incidents: 3, rate: 2 / 3 });
    expect(dg.repeats.rate12).toEqual({ recurrences: 3, incidents: 4, rate: 0.75 });
    expect(dg.repeats.problems).toHaveLength(1);
    const p = dg.repeats.problems[0];
    expect(p).toMatchObject({
      occurrences: 4,
      recentRepeats: 3,
      category: 'dependency failure',
      privateCount: 1,
    });
    expect(p?.named.map((n) => n.number)).toEqual([b.number, a.number, old.number]);
    expect(JSON.stringify(dg)).not.toMatch(/SECRET|G0SECRET/);
    expect(JSON.stringify(dg)).not.toContain(`"number":${secret.number}`);
  });

  it('overdue follow-ups by owner, private ones counted only', () => {
    const db = testDb();
    const week = weekFromKey('2026-11-16', 'UTC');
    const pub = makeIncident(db, { declaredAt: d('2026-11-02T00:00:00Z') });
    const priv = makeIncident(db, { declaredAt: d('2026-11-03T00:00:00Z'), isPrivate: true });
    const fu = (
      incidentId: number,
      ownerId: string | null,
      dueDate: string,
      status = 'open',
      text = 'Add alert',
    ) =>
      db
        .insert(followUps)
        .values({
          incidentId,
          ownerId,
          dueDate,
          status,
          text,
          createdBy: 'U0ALICE',
          createdAt: d('2026-11-04T00:00:00Z'),
        })
        .run();
    fu(pub.id, 'U0BOB', '2026-11-20');
    fu(pub.id, 'U0BOB', '2026-11-22');
    fu(pub.id, 'U0BOB', '2026-11-23'); // due on the Monday after: not overdue at week end
    fu(pub.id, 'U0BOB', '2026-11-01', 'done');
    fu(priv.id, 'U0BOB', '2026-11-10', 'open', 'Rotate the leaked key');
    fu(priv.id, 'U0CAROL', '2026-11-10', 'open', 'Rotate the leaked key');
    const dg = buildDigest(db, { week, now: d('2026-11-23T09:00:00Z') });
    expect(dg.overdue.total).toBe(4);
    expect(dg.overdue.owners.map((o) => [o.ownerId, o.count, o.named.length, o.privateCount])).toEqual([
      ['U0BOB', 3, 2, 1],
      ['U0CAROL', 1, 0, 1],
    ]);
    expect(JSON.stringify(dg)).not.toContain('leaked');
  });
});
