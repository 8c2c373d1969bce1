/**
 * The learned part of recurrence, as plain weights a person can read. Written by
 * `npm run train:recurrence -- <dev.jsonl>` (src/recurrence/train-cli.ts), which replays the file
 * through the engine, fits both models with cross-validation over groups of records (never over
 * single records), and prints the out-of-fold figures (README, "Importing history").
 *
 * Ranking: score = cos · (text cosine + structured bonus) + titleSim · (title cosine)
 *   + logAgeDays · L + logAgeDays2 · L², L = ln(1 + age in days): a log-normal prior on the time
 *   between recurrences. A conditional logit over each query's candidates.
 * Warning: confidence = σ(bias + score · top score + margin · min(5, top − runner-up score)
 *   + coverage · (share of the new title's words, or if larger of the new incident's strongest words,
 *   found in the earlier incident)), a logistic
 *   regression over every replayed record: the probability that the top match is the same problem.
 */
export interface RankModel {
  cos: number;
  titleSim: number;
  logAgeDays: number;
  /** With logAgeDays, a log-normal prior on the time between recurrences (a peak, then a decline). */
  logAgeDays2: number;
}

export interface WarnModel {
  bias: number;
  score: number;
  margin: number;
  coverage: number;
}

export const RANK_MODEL: RankModel = { cos: 14.995, titleSim: 2.824, logAgeDays: 0.462, logAgeDays2: -0.162 };

export const WARN_MODEL: WarnModel = { bias: -6.037, score: 0.03, margin: 0.426, coverage: 1.93 };

/** The confidence at or above which a match is a warning (RECURRENCE_MIN_CONFIDENCE's default). */
export const DEFAULT_MIN_CONFIDENCE = 0.07;
