import type { Match } from './engine.js';
import { DEFAULT_MIN_CONFIDENCE, WARN_MODEL, type WarnModel } from './model.js';

/**
 * When to speak. The raw top-1 similarity barely separates a recurrence from a look-alike
 * (chores such as "Upgrade X to 2.3" all resemble each other), so the decision reads how far the
 * top match stands out from the runner-up and how much of the new title the earlier incident
 * covers, as well as how high it is: a logistic model (src/recurrence/model.ts) turns these into a
 * probability that the top match is the same problem.
 */
export interface WarnPolicy {
  /** Confidence (0..1) at or above which the top match is a warning (RECURRENCE_MIN_CONFIDENCE). */
  warn: number;
  /** Similarity (text cosine plus bonuses) at or above which a match is "possibly related" (weaker). */
  possible: number;
}

export const DEFAULT_POLICY: WarnPolicy = { warn: DEFAULT_MIN_CONFIDENCE, possible: 0.55 };

export function policyWithMinConfidence(minConfidence: number | undefined): WarnPolicy {
  return minConfidence === undefined ? DEFAULT_POLICY : { ...DEFAULT_POLICY, warn: minConfidence };
}

/** The margin is capped: past a clear lead, a larger one says nothing more. */
const MAX_MARGIN = 5;

/** The model's input for `matches[i]` given the runner-up (for the training script, too). */
export function warnFeatures(
  matches: readonly Match[],
  i = 0,
): { score: number; margin: number; coverage: number } | null {
  const m = matches[i];
  if (!m) return null;
  const next = matches[i + 1];
  return {
    score: m.score,
    margin: next ? Math.min(MAX_MARGIN, m.score - next.score) : MAX_MARGIN,
    // Either the new title's words or, when the title is vague ("Customers unhappy"), the strongest
    // words of the whole incident must be found in the earlier one.
    coverage: Math.max(m.titleCoverage, m.coverage),
  };
}

/** How sure we are (0..1) that `matches[i]` is the same problem, given the runner-up. */
export function confidence(matches: readonly Match[], i = 0, model: WarnModel = WARN_MODEL): number {
  const f = warnFeatures(matches, i);
  if (!f) return 0;
  const z = model.bias + model.score * f.score + model.margin * f.margin + model.coverage * f.coverage;
  return 1 / (1 + Math.exp(-z));
}

export function shouldWarn(matches: readonly Match[], policy: WarnPolicy = DEFAULT_POLICY): boolean {
  return confidence(matches) >= policy.warn;
}
