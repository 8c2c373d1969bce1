import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/runtime/clock.js';
import { captureMessage, tsToDate } from '../../../src/timeline/capture-message.js';
import { followMessageDelete, followMessageEdit } from '../../../src/timeline/follow-message-edit.js';
import { editHistory, fullTimeline } from '../../../src/timeline/page.js';
import { removeCapture } from '../../../src/timeline/remove-capture.js';
import { makeIncident, testDb } from '../../helpers/db.js';

const now = new Date('2026-11-23T10:00:00Z');
const clock = new FakeClock(now);
const msg = (over: Partial<Parameters<typeof captureMessage>[2]['message']> = {}) => ({
  channel: 'C0INC1',
  ts: '1795427100.000200',
  authorId: 'U0BOB',
  text: 'p99 latency doubled after deploy 4411',
  files: ['latency.png'],
  ...over,
});

describe('captureMessage', () => {
  it('keeps author, the message’s own time, text and files', () => {
    const db = testDb();
    const inc = makeIncident(db, { channelId: 'C0INC1' });
    const r = captureMessage(db, clock, {
      incidentId: inc.id,
      message: msg(),
      via: 'shortcut',
      by: 'U0ALICE',
    });
    expect(r.created).toBe(true);
    expect(r.event.occurredAt.toISOString()).toBe('2026-11-23T09:45:00.000Z');
    expect(r.event.recordedAt).toEqual(now);
    expect(r.event).toMatchObject({
      authorId: 'U0BOB',
      kind: 'message',
      files: ['latency.png'],
      capturedVia: 'shortcut',
    });
    expect(tsToDate('1795427100.123456').getTime()).toBe(1795427100123);
  });

  it('stores a message captured by shortcut, pin and reaction once', () => {
    const db = testDb();
    const inc = makeIncident(db, { channelId: 'C0INC1' });
    const a = captureMessage(db, clock, {
      incidentId: inc.id,
      message: msg(),
      via: 'shortcut',
      by: 'U0ALICE',
    });
    const b = captureMessage(db, clock, { incidentId: inc.id, message: msg(), via: 'pin', by: 'U0BOB' });
    const c = captureMessage(db, clock, {
      incidentId: inc.id,
      message: msg(),
      via: 'reaction',
      by: 'U0CAROL',
      emoji: 'pushpin',
    });
    expect([a.created, b.created, c.created]).toEqual([true, false, false]);
    const all = fullTimeline(db, inc.id);
    expect(all).toHaveLength(1);
    expect(all[0]?.data?.holds).toEqual(['shortcut', 'pin', 'reaction:pushpin:U0CAROL']);
  });

  it('marks an entry removed only when its last pin/reaction goes, and brings it back on re-pin', () => {
    const db = testDb();
    const inc = makeIncident(db, { channelId: 'C0INC1' });
    captureMessage(db, clock, { incidentId: inc.id, message: msg(), via: 'pin', by: 'U0BOB' });
    captureMessage(db, clock, {
      incidentId: inc.id,
      message: msg(),
      via: 'reaction',
      by: 'U0BOB',
      emoji: 'pushpin',
    });
    expect(removeCapture(db, clock, { channel: 'C0INC1', ts: msg().ts, via: 'pin', by: 'U0BOB' })).toEqual(
      [],
    );
    expect(fullTimeline(db, inc.id)[0]?.removedAt).toBeNull();
    const gone = removeCapture(db, clock, {
      channel: 'C0INC1',
      ts: msg().ts,
      via: 'reaction',
      by: 'U0BOB',
      emoji: 'pushpin',
    });
    expect(gone).toHaveLength(1);
    const entry = fullTimeline(db, inc.id)[0];
    expect(entry?.removedReason).toBe('reaction removed');
    expect(entry?.text).toBe(msg().text);
    expect(editHistory(db, entry?.id ?? 0).map((e) => e.change)).toEqual(['removed']);
    const back = captureMessage(db, clock, { incidentId: inc.id, message: msg(), via: 'pin', by: 'U0BOB' });
    expect(back).toMatchObject({ created: false, restored: true });
    expect(fullTimeline(db, inc.id)[0]?.removedAt).toBeNull();
  });

  it('a shortcut capture is not undone by removing a reaction', () => {
    const db = testDb();
    const inc = makeIncident(db, { channelId: 'C0INC1' });
    captureMessage(db, clock, { incidentId: inc.id, message: msg(), via: 'shortcut', by: 'U0BOB' });
    captureMessage(db, clock, {
      incidentId: inc.id,
      message: msg(),
      via: 'reaction',
      by: 'U0BOB',
      emoji: 'pushpin',
    });
    removeCapture(db, clock, {
      channel: 'C0INC1',
      ts: msg().ts,
      via: 'reaction',
      by: 'U0BOB',
      emoji: 'pushpin',
    });
    expect(fullTimeline(db, inc.id)[0]?.removedAt).toBeNull();
  });

  it('follows edits and deletion, keeping every earlier text', () => {
    const db = testDb();
    const inc = makeIncident(db, { channelId: 'C0INC1' });
    captureMessage(db, clock, { incidentId: inc.id, message: msg(), via: 'shortcut', by: 'U0BOB' });
    const later = new Date('2026-11-23T10:05:00Z');
    const edited = followMessageEdit(db, new FakeClock(later), {
      channel: 'C0INC1',
      ts: msg().ts,
      text: 'p99 tripled; token xoxb-9999999999-abcdefghijkl',
      editedBy: 'U0BOB',
    });
    expect(edited).toHaveLength(1);
    expect(edited[0]?.text).toBe('p99 tripled; token [redacted slack-token]');
    expect(edited[0]?.redacted).toBe(true);
    expect(edited[0]?.editedAt).toEqual(later);
    // The same edit again (a retry) changes nothing.
    expect(
      followMessageEdit(db, new FakeClock(later), {
        channel: 'C0INC1',
        ts: msg().ts,
        text: 'p99 tripled; token xoxb-9999999999-abcdefghijkl',
      }),
    ).toEqual([]);
    const deleted = followMessageDelete(db, new FakeClock(later), { channel: 'C0INC1', ts: msg().ts });
    expect(deleted[0]).toMatchObject({ text: '', removedReason: 'deleted' });
    const history = editHistory(db, deleted[0]?.id ?? 0);
    expect(history.map((h) => [h.change, h.previousText])).toEqual([
      ['edited', 'p99 latency doubled after deploy 4411'],
      ['deleted', 'p99 tripled; token [redacted slack-token]'],
    ]);
  });

  it('ignores edits of messages that were never captured', () => {
    const db = testDb();
    makeIncident(db, { channelId: 'C0INC1' });
    expect(followMessageEdit(db, clock, { channel: 'C0INC1', ts: '1.000001', text: 'x' })).toEqual([]);
    expect(followMessageDelete(db, clock, { channel: 'C0INC1', ts: '1.000001' })).toEqual([]);
  });
});
