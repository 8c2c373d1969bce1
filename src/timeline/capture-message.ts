import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { timelineEvents } from '../db/schema.js';
import { addTimelineEvent, messageSourceKey } from '../incidents/add-timeline-event.js';
import { invalid } from '../incidents/errors.js';
import type { TimelineEvent } from '../incidents/model.js';
import type { Clock } from '../runtime/clock.js';
import { redactSecrets } from './redact.js';

/** A Slack message as the timeline keeps it. */
export interface CapturedMessage {
  channel: string;
  ts: string;
  authorId: string | null;
  text: string;
  files: string[];
  permalink?: string | null;
  threadTs?: string | null;
}

export type CaptureVia = 'shortcut' | 'reaction' | 'pin';

/**
 * What keeps a captured message on the timeline: the shortcut (permanent), the pin, or each
 * person's capture reaction. Removing a pin or a reaction releases only its own hold, so a message
 * pinned AND :pushpin:-ed stays until both are gone.
 */
export function captureHolder(via: CaptureVia, by: string, emoji?: string): string {
  if (via === 'reaction') return `reaction:${emoji ?? ''}:${by}`;
  return via;
}

/** Slack's message ts ("1764150300.123456") is the message's own time. */
export function tsToDate(ts: string): Date {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(ts);
  if (!m) throw invalid(`Not a Slack message timestamp: ${ts.slice(0, 40)}`);
  const micros = (m[2] ?? '').padEnd(6, '0');
  return new Date(Number(m[1]) * 1000 + Math.floor(Number(micros) / 1000));
}

export function holdsOf(ev: Pick<TimelineEvent, 'data'>): string[] {
  const holds = ev.data?.holds;
  return Array.isArray(holds) ? holds.filter((h): h is string => typeof h === 'string') : [];
}

export interface CaptureResult {
  event: TimelineEvent;
  /** False when this message was already on the incident's timeline (deduplicated). */
  created: boolean;
  /** True when an entry that had been removed (unpinned …) came back. */
  restored: boolean;
}

/**
 * Puts a Slack message on an incident's timeline, at the message's own time. The same message is
 * stored once per incident however often and however it is captured; later captures only add
 * their hold (and bring back an entry whose pin or reaction had been removed).
 */
export function captureMessage(
  db: Db,
  clock: Clock,
  input: { incidentId: number; message: CapturedMessage; via: CaptureVia; by: string; emoji?: string },
): CaptureResult {
  const now = clock.now();
  const { message: msg } = input;
  const holder = captureHolder(input.via, input.by, input.emoji);
  return db.transaction((tx) => {
    const { event, created } = addTimelineEvent(tx, {
      incidentId: input.incidentId,
      kind: 'message',
      text: msg.text,
      authorId: msg.authorId,
      data: {
        holds: [holder],
        capturedBy: input.by,
        ...(msg.threadTs && msg.threadTs !== msg.ts ? { threadTs: msg.threadTs } : {}),
      },
      occurredAt: tsToDate(msg.ts),
      recordedAt: now,
      sourceChannel: msg.channel,
      sourceTs: msg.ts,
      permalink: msg.permalink ?? null,
      files: msg.files,
      sourceKey: messageSourceKey(msg.channel, msg.ts),
      capturedVia: input.via,
    });
    if (created) return { event, created, restored: false };

    const holds = holdsOf(event);
    // A deleted message cannot come back by being pinned; an unpinned one can.
    const restored = event.removedAt !== null && event.removedReason !== 'deleted';
    const needsHold = !holds.includes(holder);
    const needsLink = !event.permalink && !!msg.permalink;
    if (!needsHold && !restored && !needsLink) return { event, created, restored };
    const updated = tx
      .update(timelineEvents)
      .set({
        data: { ...(event.data ?? {}), holds: needsHold ? [...holds, holder] : holds },
        ...(restored ? { removedAt: null, removedReason: null } : {}),
        ...(needsLink ? { permalink: msg.permalink } : {}),
      })
      .where(eq(timelineEvents.id, event.id))
      .returning()
      .get();
    return { event: updated ?? event, created, restored };
  });
}

/** The permalink arrives after the capture (it is a Slack call, made after the commit). */
export function attachPermalink(db: Db, eventId: number, permalink: string): void {
  db.update(timelineEvents).set({ permalink }).where(eq(timelineEvents.id, eventId)).run();
}

/**
 * The full text of a message captured from a preview that had to be cut (the "which incident?"
 * modal carries at most ~3,000 chars): not an edit, so no history row, but still redacted.
 */
export function completeCapturedText(db: Db, eventId: number, fullText: string): void {
  const clean = redactSecrets(fullText);
  db.update(timelineEvents)
    .set({ text: clean.text, ...(clean.redacted ? { redacted: true } : {}) })
    .where(eq(timelineEvents.id, eventId))
    .run();
}
