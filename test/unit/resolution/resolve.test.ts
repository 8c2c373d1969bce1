import { describe, expect, it } from 'vitest';
import { getIncidentById } from '../../../src/incidents/queries.js';
import {
  closeForArchive,
  closeIncident,
  incidentsDueForArchive,
  markArchived,
} from '../../../src/resolution/close.js';
import { followUpsOfIncident } from '../../../src/resolution/follow-ups.js';
import { reopenIncident } from '../../../src/resolution/reopen.js';
import { type ResolveInput, resolveIncident } from '../../../src/resolution/resolve.js';
import { incidentsAwaitingRootCause, setRootCause } from '../../../src/resolution/set-root-cause.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { makeIncident, testDb } from '../../helpers/db.js';

const CATS = ['deploy/change', 'configuration', 'unknown'];
const started = new Date('2026-11-23T09:00:00Z');
const clock = new FakeClock('2026-11-23T11:00:00Z');

function input(incidentId: number, over: Partial<ResolveInput> = {}): ResolveInput {
  return {
    incidentId,
    userId: 'U0ALICE',
    resolutionSummary: 'Rolled back the deploy',
    rootCause: 'A config flag flipped the pool size to 0',
    rootCauseUnknown: false,
    category: 'configuration',
    contributingFactors: ['No canary'],
    services: ['checkout'],
    resolvedAt: new Date('2026-11-23T10:30:00Z'),
    followUps: [],
    ...over,
  };
}

const timeline = (db: ReturnType<typeof testDb>, id: number) =>
  db.$client.prepare('select kind from timeline_events where incident_id = ? order by id').all(id) as {
    kind: string;
  }[];

describe('resolveIncident', () => {
  it('resolves with a root cause, backdated, with follow-ups and timeline entries', () => {
    const db = testDb();
    const inc = makeIncident(db, { startedAt: started, acknowledgedAt: new Date('2026-11-23T09:05:00Z') });
    const r = resolveIncident(
      db,
      clock,
      CATS,
      input(inc.id, {
        followUps: [{ row: 2, text: 'Add a canary', ownerId: 'U0BOB', dueDate: '2026-12-01' }],
      }),
    );
    expect(r.incident).toMatchObject({
      status: 'resolved',
      rootCausePending: false,
      rootCauseCategory: 'configuration',
      contributingFactors: ['No canary'],
      services: ['checkout'],
    });
    expect(r.incident.resolvedAt?.toISOString()).toBe('2026-11-23T10:30:00.000Z');
    expect(r.incident.mitigatedAt?.toISOString()).toBe('2026-11-23T10:30:00.000Z');
    expect(r.rootCauseSet).toBe(true);
    expect(followUpsOfIncident(db, inc.id).map((f) => f.text)).toEqual(['Add a canary']);
    expect(timeline(db, inc.id).map((e) => e.kind)).toEqual(['resolved', 'root_cause', 'follow_up']);
  });

  it('requires a root cause unless "not known yet" is ticked, then keeps the lead reminded', () => {
    const db = testDb();
    const inc = makeIncident(db, { startedAt: started });
    expect(() => resolveIncident(db, clock, CATS, input(inc.id, { rootCause: null }))).toThrow(
      expect.objectContaining({ code: 'invalid_input', field: 'rootCause' }),
    );
    expect(getIncidentById(db, inc.id)?.status).toBe('investigating');
    const r = resolveIncident(
      db,
      clock,
      CATS,
      input(inc.id, { rootCause: null, rootCauseUnknown: true, category: null }),
    );
    expect(r.incident).toMatchObject({ status: 'resolved', rootCausePending: true, rootCauseSummary: null });
    expect(incidentsAwaitingRootCause(db).map((i) => i.id)).toEqual([inc.id]);
    setRootCause(db, clock, CATS, {
      incidentId: inc.id,
      userId: 'U0ALICE',
      rootCause: 'Pool size 0',
      category: 'unknown',
      contributingFactors: [],
    });
    expect(incidentsAwaitingRootCause(db)).toEqual([]);
    expect(getIncidentById(db, inc.id)).toMatchObject({
      rootCauseSummary: 'Pool size 0',
      rootCausePending: false,
    });
  });

  it('refuses a resolution time before the start or in the future, and an unknown category', () => {
    const db = testDb();
    const inc = makeIncident(db, { startedAt: started });
    expect(() =>
      resolveIncident(db, clock, CATS, input(inc.id, { resolvedAt: new Date('2026-11-23T08:59:00Z') })),
    ).toThrow(
      expect.objectContaining({
        field: 'resolvedAt',
        message: expect.stringMatching(/before the incident started/),
      }),
    );
    expect(() =>
      resolveIncident(db, clock, CATS, input(inc.id, { resolvedAt: new Date('2026-11-23T12:00:00Z') })),
    ).toThrow(expect.objectContaining({ field: 'resolvedAt' }));
    expect(() => resolveIncident(db, clock, CATS, input(inc.id, { category: 'gremlins' }))).toThrow(
      expect.objectContaining({ field: 'category' }),
    );
    expect(() => resolveIncident(db, clock, CATS, input(inc.id, { resolutionSummary: ' ' }))).toThrow(
      expect.objectContaining({ field: 'resolution' }),
    );
  });

  it('names the follow-up row whose text is missing', () => {
    const db = testDb();
    const inc = makeIncident(db, { startedAt: started });
    expect(() =>
      resolveIncident(
        db,
        clock,
        CATS,
        input(inc.id, { followUps: [{ row: 3, text: '', ownerId: 'U0BOB', dueDate: null }] }),
      ),
    ).toThrow(expect.objectContaining({ field: 'followUp:3:text' }));
    expect(followUpsOfIncident(db, inc.id)).toEqual([]);
  });

  it('does not resolve twice', () => {
    const db = testDb();
    const inc = makeIncident(db, { startedAt: started });
    resolveIncident(db, clock, CATS, input(inc.id));
    expect(() => resolveIncident(db, clock, CATS, input(inc.id))).toThrow(
      expect.objectContaining({ code: 'invalid_state' }),
    );
  });
});

describe('reopen and close', () => {
  it('reopens a resolved incident with a timeline entry and clears the resolution time', () => {
    const db = testDb();
    const inc = makeIncident(db, { startedAt: started });
    expect(() => reopenIncident(db, clock, { incidentId: inc.id, userId: 'U0BOB' })).toThrow(/not resolved/);
    resolveIncident(db, clock, CATS, input(inc.id, { rootCause: null, rootCauseUnknown: true }));
    const r = reopenIncident(db, clock, { incidentId: inc.id, userId: 'U0BOB', reason: 'errors are back' });
    expect(r.incident).toMatchObject({ status: 'investigating', resolvedAt: null, rootCausePending: false });
    expect(timeline(db, inc.id).at(-1)?.kind).toBe('reopened');
  });

  it('closes only after resolution and says when the channel is archived', () => {
    const db = testDb();
    const inc = makeIncident(db, { startedAt: started, channelId: 'C0INC1' });
    expect(() => closeIncident(db, clock, 'on-close', { incidentId: inc.id, userId: 'U0ALICE' })).toThrow(
      /Resolve INC-1 first/,
    );
    resolveIncident(db, clock, CATS, input(inc.id));
    const closed = closeIncident(db, clock, 'on-close', { incidentId: inc.id, userId: 'U0ALICE' });
    expect(closed).toMatchObject({ archiveNow: true, archiveDueAt: null, incident: { status: 'closed' } });
    expect(() => closeIncident(db, clock, 'on-close', { incidentId: inc.id, userId: 'U0ALICE' })).toThrow(
      /already closed/,
    );
    expect(() => reopenIncident(db, clock, { incidentId: inc.id, userId: 'U0BOB' })).toThrow(/closed/);

    const other = makeIncident(db, { startedAt: started, channelId: 'C0INC2' });
    resolveIncident(db, clock, CATS, input(other.id));
    const later = closeIncident(db, clock, 'after-7d', { incidentId: other.id, userId: 'U0ALICE' });
    expect(later.archiveNow).toBe(false);
    expect(later.archiveDueAt?.toISOString()).toBe('2026-11-30T10:30:00.000Z');
    const never = makeIncident(db, { startedAt: started, channelId: 'C0INC3' });
    resolveIncident(db, clock, CATS, input(never.id));
    expect(closeIncident(db, clock, 'never', { incidentId: never.id, userId: 'U0ALICE' })).toMatchObject({
      archiveNow: false,
      archiveDueAt: null,
    });
  });

  it('finds channels due for archiving under after-<N>d; the archiver closes a resolved incident first', () => {
    const db = testDb();
    const inc = makeIncident(db, { startedAt: started, channelId: 'C0INC1' });
    resolveIncident(db, clock, CATS, input(inc.id));
    expect(incidentsDueForArchive(db, new FakeClock('2026-11-30T10:29:00Z'), 'after-7d')).toEqual([]);
    expect(incidentsDueForArchive(db, new FakeClock('2026-11-30T10:31:00Z'), 'on-close')).toEqual([]);
    const due = incidentsDueForArchive(db, new FakeClock('2026-11-30T10:31:00Z'), 'after-7d');
    expect(due.map((i) => i.id)).toEqual([inc.id]);
    expect(closeForArchive(db, new FakeClock('2026-11-30T10:31:00Z'), inc.id)).toMatchObject({
      status: 'closed',
    });
    const archived = markArchived(db, new FakeClock('2026-11-30T10:31:00Z'), inc.id);
    expect(archived?.archivedAt).not.toBeNull();
    expect(incidentsDueForArchive(db, new FakeClock('2026-12-30T00:00:00Z'), 'after-7d')).toEqual([]);
  });
});

describe('the changes each verb returns for the hooks', () => {
  it('resolve says resolved, and root_cause_set only when a root cause stands; reopen, close and setRootCause say theirs', () => {
    const db = testDb();
    const known = makeIncident(db, { startedAt: started });
    expect(resolveIncident(db, clock, CATS, input(known.id)).incidentChanges).toEqual([
      { kind: 'resolved', incidentId: known.id },
      { kind: 'root_cause_set', incidentId: known.id },
    ]);
    const unknown = makeIncident(db, { startedAt: started });
    const pending = resolveIncident(
      db,
      clock,
      CATS,
      input(unknown.id, { rootCause: null, rootCauseUnknown: true, category: null }),
    );
    expect(pending.incidentChanges).toEqual([{ kind: 'resolved', incidentId: unknown.id }]);
    expect(
      setRootCause(db, clock, CATS, {
        incidentId: unknown.id,
        userId: 'U0ALICE',
        rootCause: 'Pool size 0',
        category: null,
        contributingFactors: [],
      }).incidentChanges,
    ).toEqual([{ kind: 'root_cause_set', incidentId: unknown.id }]);
    expect(reopenIncident(db, clock, { incidentId: unknown.id, userId: 'U0ALICE' }).incidentChanges).toEqual([
      { kind: 'reopened', incidentId: unknown.id },
    ]);
    expect(
      closeIncident(db, clock, 'never', { incidentId: known.id, userId: 'U0ALICE' }).incidentChanges,
    ).toEqual([{ kind: 'updated', incidentId: known.id, fields: ['status'] }]);
  });
});
