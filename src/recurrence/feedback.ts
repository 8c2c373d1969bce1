import { eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { recurrenceLinks } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { DomainError } from '../incidents/errors.js';

export type Verdict = 'same' | 'unrelated';
export type LinkRow = typeof recurrenceLinks.$inferSelect;

/**
 * What people's judgements teach the ranker: each term two judged incidents shared is scaled
 * down for every "Not related" (the look-alike vocabulary of chores and generic words) and up
 * for every "Same problem", within bounds so one click never silences or dominates a word.
 * The factors reach every feature the warning reads (text and title cosine, coverage). Halving
 * per "Not related" was measured against 0.7 and 0.3 with the oracle replay (README); re-fitting
 * the warning model itself to the verdicts was tried and dropped: verdicts exist only for shown
 * warnings, and the re-fit swung between warning on everything and on nothing.
 */
const UNRELATED_FACTOR = 0.5;
const SAME_FACTOR = 1.15;
const MIN_FACTOR = 0.3;
const MAX_FACTOR = 2;

export function learnedTermFactors(db: Db): Map<string, number> {
  const rows = db
    .select({ feedback: recurrenceLinks.feedback, explanation: recurrenceLinks.explanation })
    .from(recurrenceLinks)
    .where(isNotNull(recurrenceLinks.feedback))
    .all();
  const factors = new Map<string, number>();
  for (const r of rows) {
    const terms = r.explanation.sharedTerms;
    if (!Array.isArray(terms)) continue;
    const step = r.feedback === 'unrelated' ? UNRELATED_FACTOR : r.feedback === 'same' ? SAME_FACTOR : 1;
    for (const t of terms) {
      if (typeof t !== 'string') continue;
      const f = (factors.get(t) ?? 1) * step;
      factors.set(t, Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, f)));
    }
  }
  return factors;
}

/**
 * "Same problem" / "Not related" on a shown match. The pair stays linked either way (a linked pair
 * is never suggested again); "same" makes it a recurrence the digest counts. Returns the updated
 * row and whether anything changed (a second click with the same verdict changes nothing).
 */
export function recordFeedback(
  db: Db,
  linkId: number,
  verdict: Verdict,
  userId: string,
  now: Date,
): { link: LinkRow; changed: boolean } {
  return db.transaction((tx) => {
    const link = tx.select().from(recurrenceLinks).where(eq(recurrenceLinks.id, linkId)).get();
    if (!link) throw new DomainError('not_found', 'That suggestion no longer exists.');
    if (link.feedback === verdict) return { link, changed: false };
    const updated = tx
      .update(recurrenceLinks)
      .set({ feedback: verdict, feedbackBy: userId, feedbackAt: now })
      .where(eq(recurrenceLinks.id, linkId))
      .returning()
      .get();
    addTimelineEvent(tx, {
      incidentId: link.incidentId,
      kind: 'recurrence',
      text:
        verdict === 'same'
          ? 'Marked as a recurrence of an earlier incident'
          : 'A suggested match was marked not related',
      authorId: userId,
      data: { relatedId: link.relatedId, verdict },
      occurredAt: now,
      recordedAt: now,
      capturedVia: 'auto',
    });
    return { link: updated, changed: true };
  });
}
