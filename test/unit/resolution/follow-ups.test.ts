import { describe, expect, it } from 'vitest';
import {
  addFollowUp,
  completeFollowUp,
  listOpenFollowUps,
  parseDueDate,
  parseFollowUpCommand,
  snoozeFollowUp,
} from '../../../src/resolution/follow-ups.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { makeIncident, testDb } from '../../helpers/db.js';

const MON = '2026-11-23';

describe('parseDueDate', () => {
  it.each([
    ['2026-12-01', '2026-12-01'],
    ['today', MON],
    ['tomorrow', '2026-11-24'],
    ['fri', '2026-11-27'],
    ['Friday', '2026-11-27'],
    ['mon', '2026-11-30'],
    ['in 3d', '2026-11-26'],
    ['in 2 weeks', '2026-12-07'],
    ['next week', '2026-11-30'],
  ])('%s → %s', (input, out) => {
    expect(parseDueDate(input, MON)).toBe(out);
  });

  it('refuses what is not a date', () => {
    expect(parseDueDate('2026-02-30', MON)).toBeNull();
    expect(parseDueDate('soonish', MON)).toBeNull();
  });
});

describe('parseFollowUpCommand', () => {
  it('takes the owner (for the people parser) from `@name` or a raw mention, and the due date from the end', () => {
    expect(parseFollowUpCommand('Add a circuit breaker @bob due fri', MON)).toEqual({
      text: 'Add a circuit breaker',
      ownerId: null,
      ownerRef: '@bob',
      dueDate: '2026-11-27',
    });
    expect(parseFollowUpCommand('<@U0CAROL> alert on 5xx rate', MON)).toEqual({
      text: 'alert on 5xx rate',
      ownerId: null,
      ownerRef: '<@U0CAROL>',
      dueDate: null,
    });
    // Not people: broadcasts and addresses stay in the text.
    expect(parseFollowUpCommand('tell @here and mail ops@example.com', MON)).toEqual({
      text: 'tell @here and mail ops@example.com',
      ownerId: null,
      dueDate: null,
    });
    expect(() => parseFollowUpCommand('@bob and @carol fix it', MON)).toThrow(/at most one owner/);
  });

  it('keeps an early "due" in the text and reads only the last one', () => {
    expect(parseFollowUpCommand('Fix the due-date parser due 2026-12-01', MON)).toMatchObject({
      text: 'Fix the due-date parser',
      dueDate: '2026-12-01',
    });
    expect(parseFollowUpCommand('Document the due date field', MON)).toMatchObject({
      text: 'Document the due date field',
      dueDate: null,
    });
  });

  it('says what it could not read', () => {
    expect(() => parseFollowUpCommand('Rotate keys due 2026-13-45', MON)).toThrow(/can’t read “2026-13-45”/);
    expect(() => parseFollowUpCommand('<@U0BOB> <@U0CAROL> do it', MON)).toThrow(/at most one owner/);
    expect(() => parseFollowUpCommand('<@U0BOB> due fri', MON)).toThrow(/needs a description/);
  });
});

describe('follow-ups', () => {
  const clock = new FakeClock('2026-11-23T10:00:00Z');

  it('adds once per source message, lists open ones soonest first, completes and snoozes', () => {
    const db = testDb();
    const inc = makeIncident(db);
    const other = makeIncident(db, { title: 'Search slow' });
    const source = { sourceKey: 'msg:C1:1.1', sourceChannel: 'C1', sourceTs: '1.1' };
    const a = addFollowUp(db, clock, {
      incidentId: inc.id,
      text: 'From a message',
      ownerId: 'U0BOB',
      createdBy: 'U0BOB',
      source,
    });
    const again = addFollowUp(db, clock, {
      incidentId: inc.id,
      text: 'From a message',
      ownerId: 'U0BOB',
      createdBy: 'U0BOB',
      source,
    });
    expect(again.created).toBe(false);
    expect(again.followUp.id).toBe(a.followUp.id);
    addFollowUp(db, clock, {
      incidentId: inc.id,
      text: 'Later',
      ownerId: 'U0BOB',
      dueDate: '2026-12-10',
      createdBy: 'U0ALICE',
    });
    addFollowUp(db, clock, {
      incidentId: other.id,
      text: 'Sooner',
      ownerId: 'U0BOB',
      dueDate: '2026-11-30',
      createdBy: 'U0ALICE',
    });
    addFollowUp(db, clock, {
      incidentId: other.id,
      text: 'Carol’s',
      ownerId: 'U0CAROL',
      createdBy: 'U0ALICE',
    });

    const mine = listOpenFollowUps(db, { kind: 'mine', userId: 'U0BOB' }).map((x) => x.followUp.text);
    expect(mine).toEqual(['Sooner', 'Later', 'From a message']);
    expect(listOpenFollowUps(db, { kind: 'incident', incidentId: other.id })).toHaveLength(2);
    expect(listOpenFollowUps(db, { kind: 'all' })).toHaveLength(4);

    const done = completeFollowUp(db, clock, { followUpId: a.followUp.id, userId: 'U0ALICE' });
    expect(done).toMatchObject({ changed: true, followUp: { status: 'done', doneBy: 'U0ALICE' } });
    expect(completeFollowUp(db, clock, { followUpId: a.followUp.id, userId: 'U0BOB' }).changed).toBe(false);
    expect(listOpenFollowUps(db, { kind: 'mine', userId: 'U0BOB' })).toHaveLength(2);

    const sooner = listOpenFollowUps(db, { kind: 'mine', userId: 'U0BOB' })[0]?.followUp;
    expect(() =>
      snoozeFollowUp(db, { followUpId: sooner?.id ?? 0, until: MON, today: MON }, 'snooze_until'),
    ).toThrow(expect.objectContaining({ field: 'snooze_until' }));
    expect(
      snoozeFollowUp(db, { followUpId: sooner?.id ?? 0, until: '2026-12-02', today: MON }).snoozedUntil,
    ).toBe('2026-12-02');
    const kinds = db.$client
      .prepare("select count(*) as n from timeline_events where kind = 'follow_up'")
      .get();
    expect(kinds).toEqual({ n: 5 }); // four added (the duplicate is not) + one done
  });
});
