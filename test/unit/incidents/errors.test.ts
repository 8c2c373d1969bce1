import { describe, expect, it } from 'vitest';
import { type DomainError, isDomainError } from '../../../src/incidents/errors.js';
import { assignRole, parseRole } from '../../../src/lifecycle/assign-role.js';
import { setSeverity } from '../../../src/lifecycle/set-severity.js';
import { updateStatus } from '../../../src/lifecycle/update-status.js';
import { parseFollowUpEditCommand } from '../../../src/resolution/edit-follow-up.js';
import { addFollowUp, parseFollowUpCommand } from '../../../src/resolution/follow-ups.js';
import { reopenIncident } from '../../../src/resolution/reopen.js';
import { type ResolveInput, resolveIncident } from '../../../src/resolution/resolve.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { addNote } from '../../../src/timeline/add-note.js';
import { makeIncident, testDb } from '../../helpers/db.js';

/**
 * Every refusal of one input names that input (`field`), so the Slack forms put it under the right
 * block and the API names the right JSON path; neither reads the message to find out.
 */

const clock = new FakeClock('2026-11-23T11:00:00Z');

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (isDomainError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

const fieldOf = (fn: () => unknown) => {
  const e = refusal(fn);
  expect(e.code).toBe('invalid_input');
  return e.field;
};

function resolveWith(over: Partial<ResolveInput>): () => unknown {
  const db = testDb();
  const inc = makeIncident(db);
  return () =>
    resolveIncident(db, clock, ['configuration'], {
      incidentId: inc.id,
      userId: 'U0ALICE',
      resolutionSummary: 'Rolled back',
      rootCause: 'Pool size 0',
      rootCauseUnknown: false,
      category: null,
      contributingFactors: [],
      services: [],
      resolvedAt: new Date('2026-11-23T10:30:00Z'),
      followUps: [],
      ...over,
    });
}

const row = (n: number, over: { text?: string; dueDate?: string | null } = {}) => ({
  row: n,
  text: 'Add a canary',
  ownerId: null,
  dueDate: null,
  ...over,
});

describe('input errors name their field', () => {
  it('resolve: too many follow-ups names the follow-ups; a bad row names its row and input', () => {
    const six = Array.from({ length: 6 }, (_, i) => row(i + 1));
    expect(fieldOf(resolveWith({ followUps: six }))).toBe('followUps');
    expect(fieldOf(resolveWith({ followUps: [row(1), row(2, { dueDate: 'soon' })] }))).toBe(
      'followUp:2:dueDate',
    );
    expect(fieldOf(resolveWith({ followUps: [row(4, { text: 'x'.repeat(501) })] }))).toBe('followUp:4:text');
  });

  it('reopen: the reason', () => {
    const db = testDb();
    const inc = makeIncident(db, { status: 'resolved', resolvedAt: new Date('2026-11-23T10:00:00Z') });
    expect(
      fieldOf(() =>
        reopenIncident(db, clock, { incidentId: inc.id, userId: 'U0ALICE', reason: 'x'.repeat(3001) }),
      ),
    ).toBe('reason');
  });

  it('roles: the role asked for, or the role the person was to take', () => {
    const db = testDb();
    const inc = makeIncident(db);
    const assign = (role: string, userId: string) => () =>
      assignRole(db, clock, { incidentId: inc.id, role: role as 'comms', userId, by: 'U0ALICE' });
    expect(fieldOf(() => parseRole('boss'))).toBe('role');
    expect(fieldOf(assign('boss', 'U0BOB'))).toBe('role');
    expect(fieldOf(assign('comms', 'bob'))).toBe('comms');
    expect(fieldOf(assign('lead', 'bob'))).toBe('lead');
  });

  it('severity and status', () => {
    const db = testDb();
    const inc = makeIncident(db);
    expect(
      fieldOf(() => setSeverity(db, clock, { incidentId: inc.id, severity: 7, userId: 'U0ALICE' })),
    ).toBe('severity');
    expect(
      fieldOf(() => updateStatus(db, clock, { incidentId: inc.id, status: 'resolved', userId: 'U0ALICE' })),
    ).toBe('status');
  });

  it('follow-ups, added or edited: the text, the owner or the due date', () => {
    const db = testDb();
    const inc = makeIncident(db);
    const add = (text: string, dueDate: string | null) => () =>
      addFollowUp(db, clock, { incidentId: inc.id, createdBy: 'U0ALICE', text, dueDate });
    expect(fieldOf(add(' ', null))).toBe('text');
    expect(fieldOf(add('Add a canary', '2026-02-30'))).toBe('dueDate');
    const today = '2026-11-23';
    expect(fieldOf(() => parseFollowUpCommand('Add a canary @bob @carol', today))).toBe('ownerId');
    expect(fieldOf(() => parseFollowUpCommand('Add a canary due 31st', today))).toBe('dueDate');
    expect(fieldOf(() => parseFollowUpEditCommand('edit 3 @bob @carol', today))).toBe('ownerId');
    expect(fieldOf(() => parseFollowUpEditCommand('edit 3 due 3rd', today))).toBe('dueDate');
  });

  it('notes: the time or the text', () => {
    const db = testDb();
    const incident = makeIncident(db);
    const note = (input: string) => () =>
      addNote(db, clock, { incident, authorId: 'U0ALICE', input, tz: 'UTC' });
    expect(fieldOf(note('at 25:00 Paged the DBA'))).toBe('occurredAt');
    expect(fieldOf(note('at 2026-11-31 10:00 Paged the DBA'))).toBe('occurredAt');
    expect(fieldOf(note('at 1x Paged the DBA'))).toBe('occurredAt');
    expect(fieldOf(note('at 12:00 Paged the DBA'))).toBe('occurredAt'); // after now (11:00)
    expect(fieldOf(note('at 08:00 Paged the DBA'))).toBe('occurredAt'); // before the start (09:00)
    expect(fieldOf(note('at 10:00'))).toBe('text');
    expect(fieldOf(note('x'.repeat(3001)))).toBe('text');
  });
});
