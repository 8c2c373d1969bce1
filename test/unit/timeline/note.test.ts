import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/incidents/errors.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { addNote, parseNote, resolveNoteTime } from '../../../src/timeline/add-note.js';
import { makeIncident, testDb } from '../../helpers/db.js';

describe('parseNote', () => {
  it('reads a leading time, with or without a date', () => {
    expect(parseNote('at 14:05 rolled back')).toEqual({ at: { hour: 14, minute: 5 }, text: 'rolled back' });
    expect(parseNote('at 2026-11-26 9:30 db failover')).toEqual({
      at: { date: '2026-11-26', hour: 9, minute: 30 },
      text: 'db failover',
    });
    expect(parseNote('saw errors at 14:05')).toEqual({ at: null, text: 'saw errors at 14:05' });
    expect(parseNote('at least 3 pods crashed').at).toBeNull();
  });
  it('refuses impossible times and dates clearly', () => {
    expect(() => parseNote('at 25:00 x')).toThrow(/not a time of day/);
    expect(() => parseNote('at 2026-02-30 10:00 x')).toThrow(/not a calendar date/);
    expect(() => parseNote('at 1405 x')).toThrow(/could not read that time/);
  });
});

describe('resolveNoteTime across DST changes', () => {
  it('Europe/Berlin: 14:05 is 12:05Z before 2026-10-25 and 13:05Z after', () => {
    const now = new Date('2026-11-01T00:00:00Z');
    expect(
      resolveNoteTime({ date: '2026-10-24', hour: 14, minute: 5 }, 'Europe/Berlin', now).toISOString(),
    ).toBe('2026-10-24T12:05:00.000Z');
    expect(
      resolveNoteTime({ date: '2026-10-25', hour: 14, minute: 5 }, 'Europe/Berlin', now).toISOString(),
    ).toBe('2026-10-25T13:05:00.000Z');
  });
  it('America/New_York: 14:05 is 18:05Z on 2026-10-31 and 19:05Z on 2026-11-01', () => {
    const now = new Date('2026-11-05T00:00:00Z');
    expect(
      resolveNoteTime({ date: '2026-10-31', hour: 14, minute: 5 }, 'America/New_York', now).toISOString(),
    ).toBe('2026-10-31T18:05:00.000Z');
    expect(
      resolveNoteTime({ date: '2026-11-01', hour: 14, minute: 5 }, 'America/New_York', now).toISOString(),
    ).toBe('2026-11-01T19:05:00.000Z');
  });
  it('"today" is the author’s today, not UTC’s', () => {
    // 02:00Z on the 24th is still the 23rd in New York.
    const now = new Date('2026-11-24T02:00:00Z');
    expect(resolveNoteTime({ hour: 20, minute: 0 }, 'America/New_York', now).toISOString()).toBe(
      '2026-11-24T01:00:00.000Z',
    );
  });
});

describe('addNote', () => {
  const started = new Date('2026-10-25T00:30:00Z');
  it('stores a backdated note at the instant meant in the author’s zone', () => {
    const db = testDb();
    const incident = makeIncident(db, { startedAt: started, declaredAt: started });
    const now = new Date('2026-10-25T20:00:00Z');
    const r = addNote(db, new FakeClock(now), {
      incident,
      authorId: 'U0BOB',
      input: 'at 14:05 cache flushed',
      tz: 'Europe/Berlin',
    });
    expect(r.backdated).toBe(true);
    expect(r.event.occurredAt.toISOString()).toBe('2026-10-25T13:05:00.000Z');
    expect(r.event).toMatchObject({ kind: 'note', text: 'cache flushed', authorId: 'U0BOB' });
    expect(r.event.recordedAt).toEqual(now);
  });
  it('refuses the future and times before the incident started', () => {
    const db = testDb();
    const incident = makeIncident(db, { startedAt: started, declaredAt: started });
    const now = new Date('2026-10-25T10:00:00Z');
    const note = (input: string) =>
      addNote(db, new FakeClock(now), { incident, authorId: 'U0BOB', input, tz: 'Europe/Berlin' });
    expect(() => note('at 14:05 x')).toThrow(/in the future/);
    expect(() => note('at 2026-10-24 23:00 x')).toThrow(/before this incident started/);
    expect(() => note('at 14:05')).toThrow(DomainError);
    expect(() => note('')).toThrow(/What should the note say/);
  });
  it('an exact instant (the API) keeps the same rules, and each refusal names its field', () => {
    const db = testDb();
    const incident = makeIncident(db, { startedAt: started, declaredAt: started });
    const now = new Date('2026-10-25T10:00:00Z');
    const note = (text: string, occurredAt?: Date) =>
      addNote(db, new FakeClock(now), {
        incident,
        authorId: 'API',
        tz: 'UTC',
        text,
        ...(occurredAt ? { occurredAt } : {}),
        capturedVia: 'api',
      });
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as DomainError).field;
      }
      return 'accepted';
    };
    expect(field(() => note('x', new Date('2026-10-25T10:00:01Z')))).toBe('occurredAt');
    expect(field(() => note('x', new Date(started.getTime() - 1)))).toBe('occurredAt');
    expect(field(() => note('  '))).toBe('text');
    expect(field(() => note('x'.repeat(3001)))).toBe('text');
    const r = note(' first 5xx ', new Date('2026-10-25T09:30:00Z'));
    expect(r).toMatchObject({ backdated: true });
    expect(r.event).toMatchObject({ text: 'first 5xx', capturedVia: 'api', data: { backdated: true } });
  });
  it('a plain note is now', () => {
    const db = testDb();
    const incident = makeIncident(db, { startedAt: started, declaredAt: started });
    const now = new Date('2026-10-25T10:00:00Z');
    const r = addNote(db, new FakeClock(now), {
      incident,
      authorId: 'U0BOB',
      input: 'restarting pods',
      tz: 'UTC',
    });
    expect(r).toMatchObject({ backdated: false });
    expect(r.event.occurredAt).toEqual(now);
  });
  // The note insert is a query prepared once (src/db/prepared.ts); drizzle encodes a placeholder's
  // value even when it is null, which for a JSON column would store the string 'null'.
  it('stores the same row as any timeline entry: no detail is SQL NULL, a backdated one is JSON', () => {
    const db = testDb();
    const incident = makeIncident(db, { startedAt: started, declaredAt: started });
    const now = new Date('2026-10-25T20:00:00Z');
    const plain = addNote(db, new FakeClock(now), {
      incident,
      authorId: 'U0BOB',
      input: 'restarting pods',
      tz: 'UTC',
    });
    const back = addNote(db, new FakeClock(now), {
      incident,
      authorId: 'U0BOB',
      input: 'at 14:05 flushed',
      tz: 'UTC',
    });
    const raw = (id: number) =>
      db.$client
        .prepare('select data, files, occurred_at, redacted, source_key from timeline_events where id = ?')
        .get(id);
    expect(raw(plain.event.id)).toEqual({
      data: null,
      files: '[]',
      occurred_at: now.getTime(),
      redacted: 0,
      source_key: null,
    });
    expect(JSON.parse((raw(back.event.id) as { data: string }).data)).toEqual({ backdated: true, tz: 'UTC' });
    expect(back.event.data).toEqual({ backdated: true, tz: 'UTC' });
    expect(plain.event.data).toBeNull();
  });
});
