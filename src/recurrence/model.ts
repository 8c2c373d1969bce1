/**
 * The learned part of recurrence, as plain weights a person can read. Written by
 * `npm run train:recurrence -- <dev.jsonl>` (src/recurrence/train-cli.ts), which replays the file
 * through the engine, fits both models with cross-validation over groups of records (never over
 * single records), and prints the out-of-fold figures (README, "Importing history").
 *
 * Ranking: score = cos · (text cosine + structured bonus) + titleSim · (title cosine)
 *   + logAgeDays · ln(1 + age in days). A conditional logit over each query's candidates.
 * Warning: confidence = σ(bias + score · top score + margin · min(5, top − runner-up score)
 *   + coverage · (share of the new title's words, or if larger of the new incident's strongest words,
 *   found in the earlier incident)), a logistic
 *   regression over every replayed record: the probability that the top match is the same problem.
 */
export interface RankModel {
  cos: number;
  titleSim: number;
  logAgeDays: number;
}

export interface WarnModel {
  bias: number;
  score: number;
  margin: number;
  coverage: number;
}

export const RANK_MODEL: RankModel = { cos: 12.776, titleSim: 1.989, logAgeDays: -0.714 };

export const WARN_MODEL: WarnModel = { bias: -6.142, score: -0.008, margin: 0.37, coverage: 2.767 };

/** The confidence at or above which a match is a warning (RECURRENCE_MIN_CONFIDENCE's default). */
export const DEFAULT_MIN_CONFIDENCE = 0.05;
