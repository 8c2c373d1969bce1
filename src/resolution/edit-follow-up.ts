import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { followUps } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { DomainError, invalid } from '../incidents/errors.js';
import type { FollowUp } from '../incidents/model.js';
import type { Clock } from '../runtime/clock.js';
import { FOLLOW_UP_MAX, parseDueDate } from './follow-ups.js';
import { isCalendarDate, localTime } from './reminders.js';

/**
 * Changing a follow-up after it was made: its text, its owner, its due date. `undefined` leaves a
 * field as it is; `null` clears the owner or the due date.
 *
 * A due date may not be moved into the past: it would only turn the follow-up overdue at once and
 * start daily reminders for a plan nobody made. A due date that is already past and left as it
 * is (the edit form shows it prefilled) is fine, so fixing the text of an overdue follow-up works.
 *
 * Changing the owner or the due date ends a snooze: the pause was the old owner's, for the old
 * date. Reminder slots stay keyed by follow-up and date, so a new owner never gets a reminder for
 * a slot the old owner was already sent (test/unit/resolution/edit-follow-up.test.ts).
 */
export interface FollowUpEdit {
  followUpId: number;
  by: string;
  text?: string;
  ownerId?: string | null;
  dueDate?: string | null;
  /** The editor's calendar date; defaults to the UTC date of the clock. */
  today?: string;
}

export interface FollowUpChange<T> {
  from: T;
  to: T;
}

export interface FollowUpEdited {
  followUp: FollowUp;
  before: FollowUp;
  changes: {
    text?: FollowUpChange<string>;
    ownerId?: FollowUpChange<string | null>;
    dueDate?: FollowUpChange<string | null>;
  };
  changed: boolean;
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

export function editFollowUp(db: Db, clock: Clock, input: FollowUpEdit): FollowUpEdited {
  const now = clock.now();
  const today = input.today ?? localTime(now, 'UTC').date;
  const text = input.text?.trim();
  if (text !== undefined) {
    if (text.length === 0) throw invalid('A follow-up needs a description of the work.', 'text');
    if (Array.from(text).length > FOLLOW_UP_MAX)
      throw invalid(`Keep a follow-up under ${FOLLOW_UP_MAX} characters.`, 'text');
  }
  if (input.ownerId != null && !USER_ID.test(input.ownerId))
    throw invalid('The owner must be a person in this workspace.', 'ownerId');
  if (input.dueDate != null && !isCalendarDate(input.dueDate))
    throw invalid('The due date must be a date such as 2026-12-01.', 'dueDate');

  return db.transaction((tx) => {
    const before = tx.select().from(followUps).where(eq(followUps.id, input.followUpId)).get();
    if (!before) throw new DomainError('not_found', `There is no follow-up #${input.followUpId}.`);
    if (before.status !== 'open')
      throw new DomainError('invalid_state', `Follow-up #${before.id} is already ${before.status}.`);

    const changes: FollowUpEdited['changes'] = {};
    if (text !== undefined && text !== before.text) changes.text = { from: before.text, to: text };
    if (input.ownerId !== undefined && input.ownerId !== before.ownerId)
      changes.ownerId = { from: before.ownerId, to: input.ownerId };
    if (input.dueDate !== undefined && input.dueDate !== before.dueDate) {
      if (input.dueDate !== null && input.dueDate < today)
        throw invalid(
          `Pick a due date from today (${today}) on; it was ${before.dueDate ?? 'not set'}.`,
          'dueDate',
        );
      changes.dueDate = { from: before.dueDate, to: input.dueDate };
    }
    if (Object.keys(changes).length === 0) return { followUp: before, before, changes, changed: false };

    const endsSnooze = (changes.ownerId || changes.dueDate) && before.snoozedUntil !== null;
    const followUp = tx
      .update(followUps)
      .set({
        ...(changes.text ? { text: changes.text.to } : {}),
        ...(changes.ownerId ? { ownerId: changes.ownerId.to } : {}),
        ...(changes.dueDate ? { dueDate: changes.dueDate.to } : {}),
        ...(endsSnooze ? { snoozedUntil: null } : {}),
      })
      .where(eq(followUps.id, before.id))
      .returning()
      .get();
    if (!followUp) throw new Error('follow-up vanished during update');
    addTimelineEvent(tx, {
      incidentId: before.incidentId,
      kind: 'follow_up',
      text: `Follow-up #${before.id} edited: ${describeChanges(changes)}`,
      authorId: input.by,
      data: {
        action: 'edited',
        followUpId: before.id,
        ...changes,
        ...(endsSnooze ? { snoozeEnded: before.snoozedUntil } : {}),
      },
      occurredAt: now,
      recordedAt: now,
      capturedVia: 'command',
    });
    return { followUp, before, changes, changed: true };
  });
}

/** Plain text (the timeline escapes it): "owner U0BOB → U0CAROL; due 2026-11-25 → none; text …". */
export function describeChanges(changes: FollowUpEdited['changes']): string {
  const parts: string[] = [];
  if (changes.ownerId)
    parts.push(`owner ${changes.ownerId.from ?? 'none'} → ${changes.ownerId.to ?? 'none'}`);
  if (changes.dueDate) parts.push(`due ${changes.dueDate.from ?? 'none'} → ${changes.dueDate.to ?? 'none'}`);
  if (changes.text) parts.push(`text “${changes.text.from}” → “${changes.text.to}”`);
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------
// `/incident followup edit <id> [@owner | owner none] [due <date> | due none] [new text]`

export interface FollowUpEditCommand {
  followUpId: number;
  /** A mention or @handle to resolve to a user id (null: remove the owner). */
  ownerRef?: string | null;
  dueDate?: string | null;
  text?: string;
}

/** `edit 12 …` / `edit #12 …`: the text after `followup`, or null when it is not an edit. */
export function isFollowUpEdit(rest: string): boolean {
  return /^edit\s+#?\d{1,9}(?:\s|$)/i.test(rest.trim());
}

const NONE = /^(?:none|nobody|no-?one|-)$/i;

/**
 * Clauses at the front in any order (an owner mention or `@handle`, `owner none`, `due <date>`,
 * `due none`), then the new text. A trailing `due <date>` in the text counts as in
 * `/incident followup`.
 */
export function parseFollowUpEditCommand(rest: string, today: string): FollowUpEditCommand {
  const m = /^edit\s+#?(\d{1,9})\s*([\s\S]*)$/i.exec(rest.trim());
  if (m?.[1] === undefined)
    throw invalid('Usage: `/incident followup edit <id> [@owner] [due <date>] [new text]`.');
  const out: FollowUpEditCommand = { followUpId: Number(m[1]) };
  let s = (m[2] ?? '').trim();
  const take = (n: number) => {
    s = s.slice(n).trim();
  };
  for (;;) {
    const mention = /^(<@[UW][A-Z0-9]+(?:\|[^>]*)?>|@[\w.-]+)(?=\s|$)/.exec(s);
    if (mention?.[1] !== undefined) {
      if (out.ownerRef !== undefined) throw invalid('Name at most one owner for a follow-up.', 'ownerId');
      out.ownerRef = mention[1];
      take(mention[0].length);
      continue;
    }
    const owner = /^owner:?\s+(\S+)(?=\s|$)/i.exec(s);
    if (owner?.[1] !== undefined) {
      if (out.ownerRef !== undefined) throw invalid('Name at most one owner for a follow-up.', 'ownerId');
      out.ownerRef = NONE.test(owner[1]) ? null : owner[1];
      take(owner[0].length);
      continue;
    }
    const due = /^due:?\s+/i.exec(s);
    if (due && out.dueDate === undefined) {
      const words = s.slice(due[0].length).split(/\s+/);
      if (words[0] !== undefined && NONE.test(words[0])) {
        out.dueDate = null;
        take(due[0].length + words[0].length);
        continue;
      }
      // The longest run of up to three words that reads as a date ("in 3 days", "next week").
      let found = false;
      for (let n = Math.min(3, words.length); n >= 1; n--) {
        const phrase = words.slice(0, n).join(' ');
        const date = parseDueDate(phrase, today);
        if (date !== null) {
          out.dueDate = date;
          take(due[0].length + phrase.length);
          found = true;
          break;
        }
      }
      if (found) continue;
      throw invalid(
        `I can’t read “${(words[0] ?? '').slice(0, 40).replace(/[<>&`]/g, '')}” as a date. Try 2026-12-01, tomorrow, fri, in 3d or none.`,
        'dueDate',
      );
    }
    break;
  }
  if (s !== '' && out.dueDate === undefined) {
    const trailing = /^([\s\S]*\S)\s+due:?\s+(\S[^\n]*)$/i.exec(s);
    if (trailing?.[1] !== undefined && trailing[2] !== undefined) {
      const date = NONE.test(trailing[2].trim()) ? null : parseDueDate(trailing[2], today);
      if (date !== null || NONE.test(trailing[2].trim())) {
        out.dueDate = date;
        s = trailing[1].trim();
      }
    }
  }
  if (s !== '') out.text = s;
  if (out.text === undefined && out.ownerRef === undefined && out.dueDate === undefined)
    throw invalid(
      'Say what to change: `/incident followup edit 12 @bob due fri`, `… edit 12 owner none`, `… edit 12 due none` or `… edit 12 <new text>`.',
    );
  return out;
}
