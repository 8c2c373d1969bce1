import { describe, expect, it } from 'vitest';
import type { IncomingAlert } from '../../../src/alerts/model.js';
import { createRouting, parseAlertRoutes } from '../../../src/alerts/routes.js';
import { ingestAlerts } from '../../../src/alerts/store.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { makeIncident, testDb } from '../../helpers/db.js';

const clock = new FakeClock('2026-11-23T09:00:00Z');
const alert = (id: string, severity: string | null, over: Partial<IncomingAlert> = {}): IncomingAlert => ({
  source: 'generic',
  fingerprint: id,
  status: 'firing',
  title: `Alert ${id}`,
  description: '',
  severity,
  service: null,
  labels: {},
  url: null,
  startsAt: clock.now(),
  endsAt: null,
  groupKey: 'checkout',
  ...over,
});
const defaults = createRouting([], 'C0ALERTS');
const groupSeverity = (db: ReturnType<typeof testDb>) =>
  (db.$client.prepare('select severity from alert_groups').get() as { severity: number }).severity;

describe('a group’s severity rises with its alerts and never drops by itself', () => {
  it('takes the most severe firing alert, in one payload or across several', () => {
    const db = testDb();
    ingestAlerts(db, clock, [alert('a', 'low')], (a) => defaults.route(a));
    expect(groupSeverity(db)).toBe(4);
    ingestAlerts(db, clock, [alert('b', 'high'), alert('c', 'medium')], (a) => defaults.route(a));
    expect(groupSeverity(db)).toBe(2);
    // Resolving the SEV2 alert, and a new alert already resolved at SEV1, change nothing.
    ingestAlerts(
      db,
      clock,
      [alert('b', 'high', { status: 'resolved' }), alert('d', 'critical', { status: 'resolved' })],
      (a) => defaults.route(a),
    );
    expect(groupSeverity(db)).toBe(2);
    // Re-rated lower by its sender: the alert says so, the group keeps what it was told.
    const r = ingestAlerts(db, clock, [alert('c', 'low')], (a) => defaults.route(a));
    expect(r.changes.updated).toBe(1);
    expect(groupSeverity(db)).toBe(2);
  });

  it('a route’s fixed severity is every alert’s: nothing rises', () => {
    const db = testDb();
    const routing = createRouting(
      parseAlertRoutes('routes:\n  - name: fixed\n    severity: 3\n', 'routes.yml'),
      'C0ALERTS',
    );
    ingestAlerts(db, clock, [alert('a', 'low'), alert('b', 'critical')], (a) => routing.route(a));
    expect(groupSeverity(db)).toBe(3);
  });

  it('an open incident rated lower is listed once, with the payload’s most severe alert; the incident is untouched', () => {
    const db = testDb();
    const inc = makeIncident(db, { severity: 3, status: 'investigating' });
    ingestAlerts(db, clock, [alert('a', 'medium')], (a) => defaults.route(a));
    db.$client.prepare('update alert_groups set incident_id = ?').run(inc.id);
    const r = ingestAlerts(
      db,
      clock,
      [alert('b', 'high'), alert('c', 'critical'), alert('d', 'critical')],
      (a) => defaults.route(a),
    );
    const c = db.$client.prepare("select id from alerts where fingerprint = 'c'").get() as { id: number };
    expect(r.raises).toEqual([
      { incidentId: inc.id, groupId: expect.any(Number), alertId: c.id, severity: 1, incidentSeverity: 3 },
    ]);
    expect(r.incidentIds).toEqual([inc.id]);
    expect(
      (db.$client.prepare('select severity from incidents').get() as { severity: number }).severity,
    ).toBe(3);
    // An incident already as severe is not asked.
    db.$client.prepare('update incidents set severity = 1').run();
    expect(ingestAlerts(db, clock, [alert('e', 'critical')], (a) => defaults.route(a)).raises).toEqual([]);
  });
});

describe('a re-rating (Opsgenie UpdatePriority) only changes an alert stored and still firing', () => {
  const og = (priority: string, over: Partial<IncomingAlert> = {}) =>
    alert('og-1', priority, { source: 'opsgenie', groupKey: 'web', labels: { priority }, ...over });
  const rows = (db: ReturnType<typeof testDb>) =>
    db.$client.prepare('select status, severity, labels, fire_count as fires from alerts').all() as {
      status: string;
      severity: string;
      labels: string;
      fires: number;
    }[];

  it('an alert never stored is not created; a resolved one is not fired again', () => {
    const db = testDb();
    const r = ingestAlerts(db, clock, [og('P1', { reRateOnly: true })], (a) => defaults.route(a));
    expect(r.changes).toMatchObject({ new: 0, unchanged: 1 });
    expect(rows(db)).toEqual([]);
    ingestAlerts(db, clock, [og('P3', { labels: { priority: 'P3', service: 'web' } })], (a) =>
      defaults.route(a),
    );
    ingestAlerts(db, clock, [og('P3', { status: 'resolved' })], (a) => defaults.route(a));
    const again = ingestAlerts(db, clock, [og('P1', { reRateOnly: true })], (a) => defaults.route(a));
    expect(again.changes).toMatchObject({ refired: 0, updated: 0, unchanged: 1 });
    expect(rows(db)).toMatchObject([{ status: 'resolved', severity: 'P3', fires: 1 }]);
    expect(groupSeverity(db)).toBe(3);
  });

  it('a firing one is re-rated, keeps the labels only its Create carried, and raises its group', () => {
    const db = testDb();
    ingestAlerts(db, clock, [og('P3', { labels: { priority: 'P3', service: 'web' } })], (a) =>
      defaults.route(a),
    );
    const r = ingestAlerts(db, clock, [og('P1', { reRateOnly: true })], (a) => defaults.route(a));
    expect(r.changes).toMatchObject({ updated: 1, unchanged: 0 });
    expect(groupSeverity(db)).toBe(1);
    const [row] = rows(db);
    expect(row?.severity).toBe('P1');
    expect(JSON.parse(row?.labels ?? '{}')).toEqual({ priority: 'P1', service: 'web' });
    // The same priority again: a repeat.
    const again = ingestAlerts(db, clock, [og('P1', { reRateOnly: true })], (a) => defaults.route(a));
    expect(again.changes.duplicate).toBe(1);
  });
});
