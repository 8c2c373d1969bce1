import type { Match } from './engine.js';

/**
 * When to speak. The raw top-1 similarity barely separates a recurrence from a look-alike
 * (chores such as "Upgrade X to 2.3" all resemble each other), so the decision reads how far
 * the top match stands out from the runner-up as well as how high it is.
 */
export interface WarnPolicy {
  /** Confidence at or above which a match is a warning. */
  warn: number;
  /** Text score at or above which a match is listed as "possibly related" (weaker). */
  possible: number;
  /** Weight of the margin between the first and second match. */
  margin: number;
}

/** Chosen by measurement on the dev set (README, "Recurrence: figures"). */
export const DEFAULT_POLICY: WarnPolicy = { warn: 1.1, possible: 0.55, margin: 2 };

/** How sure we are that `matches[i]` is the same problem, given the runner-up. */
export function confidence(matches: readonly Match[], policy: WarnPolicy, i = 0): number {
  const m = matches[i];
  if (!m) return 0;
  const next = matches[i + 1]?.score ?? 0;
  return m.score + policy.margin * (m.score - next);
}

export function shouldWarn(matches: readonly Match[], policy: WarnPolicy = DEFAULT_POLICY): boolean {
  return confidence(matches, policy) >= policy.warn;
}
