import { eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { recurrenceLinks } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { DomainError } from '../incidents/errors.js';
import { WARN_MODEL, type WarnModel } from './model.js';
import { fitLogistic } from './train.js';

export type Verdict = 'same' | 'unrelated';
export type LinkRow = typeof recurrenceLinks.$inferSelect;

/**
 * What people's judgements teach the ranker: each term two judged incidents shared is scaled
 * down for every "Not related" (the look-alike vocabulary of chores and generic words) and up
 * for every "Same problem", within bounds so one click never silences or dominates a word.
 */
const UNRELATED_FACTOR = 0.7;
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
 * How strongly the shipped warning model holds against a team's verdicts (a Gaussian prior's
 * precision): a handful of verdicts nudge it, a few dozen that agree move it visibly.
 */
const PRIOR_STRENGTH = 2;

/**
 * The warning model re-fitted to people's verdicts: every judged warning whose features were
 * recorded (the explanation's `features`: score, margin, title coverage) is one labelled example,
 * and the shipped weights are the prior. A team whose look-alikes keep being marked "Not related"
 * gets a model that warns on them less; one that confirms them, more.
 */
export function learnedWarnModel(db: Db): WarnModel {
  const rows = db
    .select({ feedback: recurrenceLinks.feedback, explanation: recurrenceLinks.explanation })
    .from(recurrenceLinks)
    .where(isNotNull(recurrenceLinks.feedback))
    .all();
  const x: number[][] = [];
  const y: number[] = [];
  for (const r of rows) {
    const f = r.explanation.features;
    if (!Array.isArray(f) || f.length !== 3 || !f.every((v) => typeof v === 'number' && Number.isFinite(v)))
      continue;
    x.push(f as number[]);
    y.push(r.feedback === 'same' ? 1 : 0);
  }
  if (x.length === 0) return WARN_MODEL;
  const prior = [WARN_MODEL.bias, WARN_MODEL.score, WARN_MODEL.margin, WARN_MODEL.titleCoverage];
  // The prior's pull on a weight scales with its feature's size (the score runs to ~10, coverage to
  // 1), as if the features were standardised: otherwise two verdicts could swing the score's weight.
  const scale = [1, 0, 0, 0];
  for (const row of x) {
    row.forEach((v, a) => {
      scale[a + 1] = (scale[a + 1] as number) + (v * v) / x.length;
    });
  }
  const w = fitLogistic(
    x,
    y,
    scale.map((s) => PRIOR_STRENGTH * Math.max(1, s)),
    prior,
  );
  return {
    bias: w[0] as number,
    score: w[1] as number,
    margin: w[2] as number,
    titleCoverage: w[3] as number,
  };
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
