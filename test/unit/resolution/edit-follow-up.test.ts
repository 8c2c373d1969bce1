import { describe, expect, it } from 'vitest';
import { editFollowUp, parseFollowUpEditCommand } from '../../../src/resolution/edit-follow-up.js';
import { addFollowUp, completeFollowUp, snoozeFollowUp } from '../../../src/resolution/follow-ups.js';
import { claimReminder, followUpSlot, markReminderSent } from '../../../src/resolution/reminders.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { makeIncident, testDb } from '../../helpers/db.js';

const MON = '2026-11-23';

function setup() {
  const db = testDb();
  const clock = new FakeClock('2026-11-23T14:00:00Z');
  const inc = makeIncident(db);
  const { followUp } = addFollowUp(db, clock, {
    incidentId: inc.id,
    text: 'Add a canary stage',
    ownerId: 'U0BOB',
    dueDate: '2026-11-25',
    createdBy: 'U0ALICE',
  });
  return { db, clock, inc, f: followUp };
}

const events = (db: ReturnType<typeof testDb>) =>
  db.$client
    .prepare("select text, author_id a, data from timeline_events where kind = 'follow_up' order by id")
    .all() as { text: string; a: string; data: string }[];

describe('editFollowUp', () => {
  it('changes owner, due date and text in one timeline event with from → to', () => {
    const { db, clock, f } = setup();
    clock.set('2026-11-24T10:00:00Z');
    const r = editFollowUp(db, clock, {
      followUpId: f.id,
      by: 'U0ALICE',
      text: '  Add a canary stage to checkout-api ',
      ownerId: 'U0CAROL',
      dueDate: '2026-11-27',
      today: '2026-11-24',
    });
    expect(r.changed).toBe(true);
    expect(r.followUp).toMatchObject({
      text: 'Add a canary stage to checkout-api',
      ownerId: 'U0CAROL',
      dueDate: '2026-11-27',
      createdAt: f.createdAt,
    });
    expect(r.changes).toEqual({
      text: { from: 'Add a canary stage', to: 'Add a canary stage to checkout-api' },
      ownerId: { from: 'U0BOB', to: 'U0CAROL' },
      dueDate: { from: '2026-11-25', to: '2026-11-27' },
    });
    const ev = events(db).at(-1);
    expect(ev?.a).toBe('U0ALICE');
    expect(ev?.text).toContain('owner U0BOB → U0CAROL');
    expect(ev?.text).toContain('due 2026-11-25 → 2026-11-27');
    expect(JSON.parse(ev?.data ?? '{}')).toMatchObject({
      action: 'edited',
      followUpId: f.id,
      ownerId: { from: 'U0BOB', to: 'U0CAROL' },
    });
  });

  it('undefined leaves a field, null clears it; an unchanged submission writes nothing', () => {
    const { db, clock, f } = setup();
    const same = editFollowUp(db, clock, {
      followUpId: f.id,
      by: 'U0BOB',
      text: 'Add a canary stage',
      ownerId: 'U0BOB',
      dueDate: '2026-11-25',
    });
    expect(same.changed).toBe(false);
    expect(events(db)).toHaveLength(1);
    const cleared = editFollowUp(db, clock, { followUpId: f.id, by: 'U0BOB', ownerId: null, dueDate: null });
    expect(cleared.followUp).toMatchObject({ text: 'Add a canary stage', ownerId: null, dueDate: null });
    expect(events(db)).toHaveLength(2);
  });

  it('validates like creation, naming the field', () => {
    const { db, clock, f } = setup();
    const edit = (x: object) => () => editFollowUp(db, clock, { followUpId: f.id, by: 'U0BOB', ...x });
    expect(edit({ text: '   ' })).toThrow(expect.objectContaining({ field: 'text' }));
    expect(edit({ text: 'x'.repeat(501) })).toThrow(expect.objectContaining({ field: 'text' }));
    expect(edit({ dueDate: '2026-02-30' })).toThrow(expect.objectContaining({ field: 'dueDate' }));
    expect(edit({ ownerId: 'alice' })).toThrow(expect.objectContaining({ field: 'ownerId' }));
    expect(() => editFollowUp(db, clock, { followUpId: 999, by: 'U0BOB', text: 'x' })).toThrow(
      /no follow-up #999/,
    );
    completeFollowUp(db, clock, { followUpId: f.id, userId: 'U0BOB' });
    expect(edit({ text: 'later' })).toThrow(/already done/);
  });

  it('refuses moving a due date into the past, but keeps an overdue date that is left as it is', () => {
    const { db, clock, f } = setup();
    clock.set('2026-11-30T12:00:00Z');
    const today = '2026-11-30';
    expect(() =>
      editFollowUp(db, clock, { followUpId: f.id, by: 'U0BOB', dueDate: '2026-11-26', today }),
    ).toThrow(expect.objectContaining({ field: 'dueDate', message: expect.stringMatching(/from today/) }));
    // The prefilled form sends the overdue date back unchanged with a new text: fine.
    const r = editFollowUp(db, clock, {
      followUpId: f.id,
      by: 'U0BOB',
      dueDate: '2026-11-25',
      text: 'Canary stage',
      today,
    });
    expect(r.followUp).toMatchObject({ text: 'Canary stage', dueDate: '2026-11-25' });
    expect(editFollowUp(db, clock, { followUpId: f.id, by: 'U0BOB', dueDate: today, today }).changed).toBe(
      true,
    );
    // Without `today` the clock's UTC date is used.
    expect(() => editFollowUp(db, clock, { followUpId: f.id, by: 'U0BOB', dueDate: '2026-11-29' })).toThrow(
      /from today \(2026-11-30\)/,
    );
  });

  it('a new owner or due date ends a snooze; a new text does not', () => {
    const { db, clock, f } = setup();
    snoozeFollowUp(db, { followUpId: f.id, until: '2026-12-07', today: MON });
    expect(
      editFollowUp(db, clock, { followUpId: f.id, by: 'U0BOB', text: 'Other' }).followUp.snoozedUntil,
    ).toBe('2026-12-07');
    const r = editFollowUp(db, clock, { followUpId: f.id, by: 'U0BOB', ownerId: 'U0CAROL' });
    expect(r.followUp.snoozedUntil).toBeNull();
    expect(JSON.parse(events(db).at(-1)?.data ?? '{}')).toMatchObject({ snoozeEnded: '2026-12-07' });
  });

  it('reminders follow the new owner and date; a slot already sent to the old owner is not sent again', () => {
    const { db, clock, f } = setup();
    // Wednesday 10:00 Berlin: bob's slot opens and is sent.
    const wed = new Date('2026-11-25T09:00:00Z');
    const slot = followUpSlot(wed, 'Europe/Berlin', 10, f);
    expect(slot).toBe('2026-11-25');
    const claim = claimReminder(db, new FakeClock(wed), {
      kind: 'follow_up',
      subjectId: f.id,
      slot: slot ?? '',
      userId: 'U0BOB',
    });
    if (!claim) throw new Error('not claimed');
    markReminderSent(db, claim.id, new FakeClock(wed), '1.1');
    clock.set('2026-11-25T12:00:00Z');
    const r = editFollowUp(db, clock, {
      followUpId: f.id,
      by: 'U0BOB',
      ownerId: 'U0DAVE',
      today: slot ?? '',
    });
    // Dave (UTC) is at 12:00 on the same date: that slot is taken.
    const daveSlot = followUpSlot(clock.now(), 'UTC', 10, r.followUp);
    expect(daveSlot).toBe('2026-11-25');
    expect(
      claimReminder(db, clock, {
        kind: 'follow_up',
        subjectId: f.id,
        slot: daveSlot ?? '',
        userId: 'U0DAVE',
      }),
    ).toBeNull();
    // The next working day is dave's.
    const thu = new Date('2026-11-26T10:00:00Z');
    expect(followUpSlot(thu, 'UTC', 10, r.followUp)).toBe('2026-11-26');
    // A later due date stops reminders until it comes.
    const later = editFollowUp(db, clock, {
      followUpId: f.id,
      by: 'U0DAVE',
      dueDate: '2026-12-01',
      today: '2026-11-25',
    });
    expect(followUpSlot(thu, 'UTC', 10, later.followUp)).toBeNull();
    expect(followUpSlot(new Date('2026-12-01T10:00:00Z'), 'UTC', 10, later.followUp)).toBe('2026-12-01');
  });
});

describe('parseFollowUpEditCommand', () => {
  it('reads front clauses in any order, then the new text', () => {
    expect(parseFollowUpEditCommand('edit 12 <@U0BOB|bob> due fri', MON)).toEqual({
      followUpId: 12,
      ownerRef: '<@U0BOB|bob>',
      dueDate: '2026-11-27',
    });
    expect(parseFollowUpEditCommand('edit #12 due in 3 days @carol Canary for checkout', MON)).toEqual({
      followUpId: 12,
      ownerRef: '@carol',
      dueDate: '2026-11-26',
      text: 'Canary for checkout',
    });
    expect(parseFollowUpEditCommand('EDIT 3 owner none due none', MON)).toEqual({
      followUpId: 3,
      ownerRef: null,
      dueDate: null,
    });
    expect(parseFollowUpEditCommand('edit 3 owner alice', MON)).toEqual({ followUpId: 3, ownerRef: 'alice' });
  });

  it('takes a trailing due date as creation does, and keeps other words', () => {
    expect(parseFollowUpEditCommand('edit 4 Fix the due-date parser due 2026-12-01', MON)).toEqual({
      followUpId: 4,
      text: 'Fix the due-date parser',
      dueDate: '2026-12-01',
    });
    expect(parseFollowUpEditCommand('edit 4 Document the due date field', MON)).toEqual({
      followUpId: 4,
      text: 'Document the due date field',
    });
  });

  it('says what it could not read or what is missing', () => {
    expect(() => parseFollowUpEditCommand('edit 4', MON)).toThrow(/Say what to change/);
    expect(() => parseFollowUpEditCommand('edit 4 due someday', MON)).toThrow(/can’t read “someday”/);
    expect(() => parseFollowUpEditCommand('edit 4 @bob @carol', MON)).toThrow(/at most one owner/);
  });
});
