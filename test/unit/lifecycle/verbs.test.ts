import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/client.js';
import { timelineEvents } from '../../../src/db/schema.js';
import { DomainError } from '../../../src/incidents/errors.js';
import { knownServices, listOpenIncidents } from '../../../src/incidents/list.js';
import { parseLocalTime } from '../../../src/incidents/local-time.js';
import { acknowledgeIncident } from '../../../src/lifecycle/acknowledge.js';
import { assignRole } from '../../../src/lifecycle/assign-role.js';
import { declareIncident } from '../../../src/lifecycle/declare.js';
import { postUpdate } from '../../../src/lifecycle/post-update.js';
import { renameIncident } from '../../../src/lifecycle/rename.js';
import { getRoles } from '../../../src/lifecycle/roles.js';
import { setSeverity } from '../../../src/lifecycle/set-severity.js';
import { updateStatus } from '../../../src/lifecycle/update-status.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { testDb } from '../../helpers/db.js';

let db: Db;
let clock: FakeClock;
const events = (id: number) =>
  db.select().from(timelineEvents).where(eq(timelineEvents.incidentId, id)).orderBy(timelineEvents.id).all();

beforeEach(() => {
  db = testDb();
  clock = new FakeClock('2026-11-23T09:00:00Z');
});

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e.field ?? e.code;
    throw e;
  }
  return undefined;
}

describe('declareIncident', () => {
  it('numbers incidents in order, defaults severity 3, lead = declarer, records "declared"', () => {
    const a = declareIncident(db, clock, { title: '  Checkout   502s ', declaredBy: 'U0ALICE' });
    const b = declareIncident(db, clock, { title: 'Checkout 502s', declaredBy: 'U0BOB', severity: 1 });
    expect([a.number, b.number]).toEqual([1, 2]);
    expect(a.title).toBe('Checkout 502s');
    expect(a.severity).toBe(3);
    expect(a.leadId).toBe('U0ALICE');
    expect(a.startedAt.toISOString()).toBe('2026-11-23T09:00:00.000Z');
    expect(events(a.id).map((e) => e.kind)).toEqual(['declared']);
  });

  it('refuses bad input with the modal field to mark', () => {
    expect(fieldOf(() => declareIncident(db, clock, { title: ' ', declaredBy: 'U0ALICE' }))).toBe('title');
    expect(fieldOf(() => declareIncident(db, clock, { title: 'x'.repeat(151), declaredBy: 'U0ALICE' }))).toBe(
      'title',
    );
    expect(
      fieldOf(() => declareIncident(db, clock, { title: 'a', severity: 5, declaredBy: 'U0ALICE' })),
    ).toBe('severity');
    expect(
      fieldOf(() =>
        declareIncident(db, clock, {
          title: 'a',
          declaredBy: 'U0ALICE',
          startedAt: new Date('2026-11-23T09:01:00Z'),
        }),
      ),
    ).toBe('started_at');
    expect(listOpenIncidents(db)).toHaveLength(0);
  });

  it('records the source message first, at the message’s own time, deduplicated by its key', () => {
    const i = declareIncident(db, clock, {
      title: 'From a message',
      declaredBy: 'U0ALICE',
      leadId: null,
      services: ['checkout', 'Checkout', ' payments '],
      source: {
        channel: 'C0GENERAL',
        ts: '1795424400.000100',
        text: 'it is broken',
        authorId: 'U0BOB',
        permalink: 'https://x/p',
      },
    });
    expect(i.leadId).toBeNull();
    expect(i.services).toEqual(['checkout', 'payments']);
    const [msg, declared] = events(i.id);
    expect(msg?.kind).toBe('message');
    expect(msg?.sourceKey).toBe('msg:C0GENERAL:1795424400.000100');
    expect(msg?.occurredAt.getTime()).toBe(1795424400000);
    expect(msg?.authorId).toBe('U0BOB');
    expect(declared?.kind).toBe('declared');
    expect(knownServices(db)).toEqual(expect.arrayContaining(['checkout', 'payments']));
  });
});

describe('working an incident', () => {
  it('acknowledge sets the time once and makes the first acknowledger lead when there is none', () => {
    const i = declareIncident(db, clock, { title: 'x', declaredBy: 'U0ALICE', leadId: null });
    clock.advance(5 * 60_000);
    const r1 = acknowledgeIncident(db, clock, { incidentId: i.id, userId: 'U0BOB' });
    expect(r1).toMatchObject({ acknowledged: true, becameLead: true });
    expect(r1.incident.leadId).toBe('U0BOB');
    expect(r1.incident.acknowledgedAt?.toISOString()).toBe('2026-11-23T09:05:00.000Z');
    clock.advance(60_000);
    const r2 = acknowledgeIncident(db, clock, { incidentId: i.id, userId: 'U0CAROL' });
    expect(r2).toMatchObject({ acknowledged: false, becameLead: false });
    expect(r2.incident.acknowledgedAt?.toISOString()).toBe('2026-11-23T09:05:00.000Z');
    expect(r2.incident.leadId).toBe('U0BOB');
    expect(events(i.id).map((e) => e.kind)).toEqual(['declared', 'acknowledged', 'lead']);
  });

  it('status monitoring sets mitigatedAt once; same status is a no-op; resolve is not a status here', () => {
    const i = declareIncident(db, clock, { title: 'x', declaredBy: 'U0ALICE' });
    clock.advance(60_000);
    expect(
      updateStatus(db, clock, {
        incidentId: i.id,
        status: 'monitoring',
        userId: 'U0ALICE',
      }).incident.mitigatedAt?.toISOString(),
    ).toBe('2026-11-23T09:01:00.000Z');
    clock.advance(60_000);
    updateStatus(db, clock, { incidentId: i.id, status: 'identified', userId: 'U0ALICE' });
    const back = updateStatus(db, clock, { incidentId: i.id, status: 'mon', userId: 'U0ALICE' });
    expect(back.incident.mitigatedAt?.toISOString()).toBe('2026-11-23T09:01:00.000Z');
    expect(
      updateStatus(db, clock, { incidentId: i.id, status: 'monitoring', userId: 'U0ALICE' }).changed,
    ).toBe(false);
    expect(() =>
      updateStatus(db, clock, { incidentId: i.id, status: 'resolved', userId: 'U0ALICE' }),
    ).toThrow(/resolve/);
    const st = events(i.id).filter((e) => e.kind === 'status');
    expect(st.map((e) => e.data)).toEqual([
      { from: 'investigating', to: 'monitoring', mitigated: true },
      { from: 'monitoring', to: 'identified' },
      { from: 'identified', to: 'monitoring' },
    ]);
  });

  it('severity, roles, rename and updates record from/to', () => {
    const i = declareIncident(db, clock, { title: 'old', declaredBy: 'U0ALICE' });
    expect(setSeverity(db, clock, { incidentId: i.id, severity: 'sev1', userId: 'U0ALICE' })).toMatchObject({
      from: 3,
      to: 1,
      changed: true,
    });
    expect(() => setSeverity(db, clock, { incidentId: i.id, severity: '0', userId: 'U0ALICE' })).toThrow(
      DomainError,
    );
    assignRole(db, clock, { incidentId: i.id, role: 'comms', userId: 'U0BOB', by: 'U0ALICE' });
    const r = assignRole(db, clock, { incidentId: i.id, role: 'comms', userId: 'U0CAROL', by: 'U0ALICE' });
    expect(r).toMatchObject({ from: 'U0BOB', to: 'U0CAROL', changed: true });
    assignRole(db, clock, { incidentId: i.id, role: 'lead', userId: 'U0DAVE', by: 'U0ALICE' });
    expect(getRoles(db, i.id)).toEqual({ comms: 'U0CAROL' });
    expect(() =>
      assignRole(db, clock, { incidentId: i.id, role: 'lead', userId: 'alice', by: 'U0ALICE' }),
    ).toThrow(/mention/);
    const renamed = renameIncident(db, clock, { incidentId: i.id, title: 'new', userId: 'U0ALICE' });
    expect(renamed.incident.title).toBe('new');
    expect(renamed.incidentChanges).toEqual([{ kind: 'updated', incidentId: i.id, fields: ['title'] }]);
    // The same title again changes nothing, so no hook fires.
    expect(
      renameIncident(db, clock, { incidentId: i.id, title: 'new', userId: 'U0ALICE' }).incidentChanges,
    ).toEqual([]);
    expect(() => postUpdate(db, clock, { incidentId: i.id, text: '  ', userId: 'U0ALICE' })).toThrow(
      DomainError,
    );
    postUpdate(db, clock, { incidentId: i.id, text: 'rolled back', userId: 'U0ALICE' });
    const kinds = events(i.id).map((e) => e.kind);
    expect(kinds).toEqual(['declared', 'severity', 'role', 'role', 'lead', 'renamed', 'update']);
    expect(events(i.id).find((e) => e.kind === 'renamed')?.data).toEqual({ from: 'old', to: 'new' });
  });

  it('lists open incidents most severe first', () => {
    declareIncident(db, clock, { title: 'c', declaredBy: 'U0ALICE', severity: 3 });
    clock.advance(1000);
    declareIncident(db, clock, { title: 'a', declaredBy: 'U0ALICE', severity: 1 });
    declareIncident(db, clock, { title: 'b', declaredBy: 'U0ALICE', severity: 2 });
    expect(listOpenIncidents(db).map((i) => i.title)).toEqual(['a', 'b', 'c']);
  });
});

describe('parseLocalTime', () => {
  const now = new Date('2026-11-23T15:00:00Z'); // 10:00 in New York
  it('reads the person’s own time zone', () => {
    expect(parseLocalTime('09:30', 'America/New_York', now).toISOString()).toBe('2026-11-23T14:30:00.000Z');
    expect(parseLocalTime('2026-11-22 23:15', 'Asia/Kolkata', now).toISOString()).toBe(
      '2026-11-22T17:45:00.000Z',
    );
    expect(parseLocalTime('', 'UTC', now)).toBe(now);
  });
  it('refuses the future and nonsense', () => {
    expect(() => parseLocalTime('10:30', 'America/New_York', now, 'started_at')).toThrow(/future/);
    expect(() => parseLocalTime('yesterday', 'UTC', now)).toThrow(/YYYY-MM-DD/);
    expect(() => parseLocalTime('2026-02-30 10:00', 'UTC', now)).toThrow(/exist/);
  });
});
