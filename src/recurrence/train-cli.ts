import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Match, RecurrenceEngine } from './engine.js';
import { type EvalRecord, evalInput, readEvalFile } from './evaluate.js';
import { DEFAULT_MIN_CONFIDENCE, RANK_MODEL, type RankModel, WARN_MODEL, type WarnModel } from './model.js';
import { fitConditionalLogit, fitLogistic, foldOf } from './train.js';
import { confidence, warnFeatures } from './warn.js';

/**
 * `npm run train:recurrence -- <file.jsonl> [--write]`: fits the re-ranker and the warning model
 * (src/recurrence/model.ts) on a labelled file in the eval format, and prints out-of-fold figures.
 *
 * Honest by construction: folds are groups of records (a recurring problem is never split across
 * training and test), so a figure printed here never comes from a record the model saw. A second
 * split holds out each source project (the part of the id before the first "-") in turn: the
 * closest stand-in for the private holdout, which comes from other projects. With --write the final
 * weights (fitted on everything) and the chosen threshold replace those in model.ts.
 */

/** Candidates per record fed to the re-ranker (the engine's first stage picks them by cosine). */
const CANDIDATES = 50;
/** Penalty on the weights: fixed, not tuned (a tuned penalty would be one more fit to the dev set). */
const L2 = 0.01;
const FOLDS = 5;
/** The operating point: the highest confidence threshold of the grid warning on ≥ 25% of recurrences. */
const TARGET_RECALL = 0.25;
export const THRESHOLDS = [0.03, 0.05, 0.06, 0.07, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3];
/** The issue's recall goal: precision is also printed where the warnings first reach it (no grid). */
export const GOAL_RECALL = 0.24;

/**
 * Precision at the best threshold reaching a recall: warnings sorted by confidence, the first
 * prefix with ⌈recall · queries⌉ correct ones. Reads the whole curve, so a gain cannot hide between
 * two thresholds of the grid (nor be an artefact of where the grid happens to fall).
 */
export function precisionAtRecall(
  rows: readonly { confidence: number; correct: boolean }[],
  queries: number,
  recall: number,
): { precision: number; warnings: number } | null {
  const need = Math.ceil(recall * queries - 1e-9);
  const sorted = [...rows].sort((a, b) => b.confidence - a.confidence);
  let correct = 0;
  for (let k = 0; k < sorted.length; k++) {
    if ((sorted[k] as { correct: boolean }).correct) correct++;
    // Ties with the next row are one threshold: they warn together.
    if (
      correct >= need &&
      (sorted[k + 1]?.confidence ?? -1) < (sorted[k] as { confidence: number }).confidence
    )
      return { precision: correct / (k + 1), warnings: k + 1 };
  }
  return null;
}

interface Candidate {
  match: Match;
  x: number[];
  y: number;
}

const rankFeatures = (m: Match): number[] => {
  const logAge = Math.log1p(m.ageDays);
  return [m.similarity, m.titleSim, logAge, logAge * logAge];
};
const rankScore = (w: RankModel, x: number[]): number =>
  w.cos * (x[0] as number) +
  w.titleSim * (x[1] as number) +
  w.logAgeDays * (x[2] as number) +
  w.logAgeDays2 * (x[3] as number);
const asRank = (w: number[]): RankModel => ({
  cos: w[0] as number,
  titleSim: w[1] as number,
  logAgeDays: w[2] as number,
  logAgeDays2: w[3] as number,
});
const asWarn = (w: number[]): WarnModel => ({
  bias: w[0] as number,
  score: w[1] as number,
  margin: w[2] as number,
  coverage: w[3] as number,
});

/** Replays the records in order through a fresh engine: each ranked against those before it. */
export function replayCandidates(records: EvalRecord[]): Candidate[][] {
  const engine = new RecurrenceEngine();
  return records.map((r, i) => {
    const doc = { id: i + 1, ...evalInput(r) };
    const ranked = engine.rank(doc, { limit: CANDIDATES });
    engine.upsert(doc);
    return ranked.map((m) => ({
      match: m,
      x: rankFeatures(m),
      y: records[m.id - 1]?.group === r.group ? 1 : 0,
    }));
  });
}

/**
 * How many queries have a group-mate among their candidates at all: the ceiling of every Recall@k
 * the re-ranker can reach. Measured first because a miss here is the first stage's (widen it, add
 * another candidate source), while a group-mate present but ranked low is the re-ranker's.
 */
export function candidateReach(
  records: EvalRecord[],
  cands: Candidate[][],
): { queries: number; reached: number; byCosineTop: Record<number, number> } {
  const byCosineTop: Record<number, number> = { 5: 0, 10: 0, 20: 0 };
  let queries = 0;
  let reached = 0;
  records.forEach((r, i) => {
    if (!r.is_query) return;
    queries++;
    const list = cands[i] ?? [];
    if (!list.some((c) => c.y === 1)) return;
    reached++;
    // Rank by the first stage's own score (text cosine), before any re-ranking.
    const pos = [...list].sort((a, b) => b.match.text - a.match.text).findIndex((c) => c.y === 1);
    for (const k of Object.keys(byCosineTop).map(Number))
      if (pos < k) byCosineTop[k] = (byCosineTop[k] ?? 0) + 1;
  });
  return { queries, reached, byCosineTop };
}

/** A record's candidates re-scored and re-sorted by a rank model. */
function rescored(cands: Candidate[], w: RankModel): { matches: Match[]; ys: number[] } {
  const scored = cands.map((c) => ({ m: { ...c.match, score: rankScore(w, c.x) }, y: c.y }));
  scored.sort((a, b) => b.m.score - a.m.score);
  return { matches: scored.map((s) => s.m), ys: scored.map((s) => s.y) };
}

export interface Figures {
  r1: number;
  r5: number;
  mrr: number;
  /** Per threshold: warnings, precision, recall. */
  table: { threshold: number; warnings: number; precision: number; recall: number }[];
  /** Precision where the out-of-fold warnings first reach GOAL_RECALL (null: never). */
  atGoal: { precision: number; warnings: number } | null;
}

/**
 * Cross-validated figures for a split (fold of each record), and the out-of-fold warning rows the
 * final warning model is fitted on (scores from rank models that never saw the record).
 */
export function crossValidate(
  records: EvalRecord[],
  cands: Candidate[][],
  fold: (i: number) => number,
  folds: number,
): { figures: Figures; warnRows: { x: number[]; y: number }[] } {
  const lists: { matches: Match[]; ys: number[] }[] = new Array(records.length);
  for (let f = 0; f < folds; f++) {
    const train = cands
      .filter((_, i) => fold(i) !== f && records[i]?.is_query)
      .map((c) => ({ x: c.map((k) => k.x), y: c.map((k) => k.y) }));
    const w = asRank(fitConditionalLogit(train, L2));
    cands.forEach((c, i) => {
      if (fold(i) === f) lists[i] = rescored(c, w);
    });
  }
  let queries = 0;
  let r1 = 0;
  let r5 = 0;
  let mrr = 0;
  records.forEach((r, i) => {
    if (!r.is_query) return;
    queries++;
    const pos = (lists[i] as { ys: number[] }).ys.indexOf(1);
    if (pos < 0) return;
    mrr += 1 / (pos + 1);
    if (pos < 1) r1++;
    if (pos < 5) r5++;
  });
  const warnRows: { i: number; x: number[]; y: number }[] = [];
  lists.forEach((l, i) => {
    const f = warnFeatures(l.matches);
    if (f) warnRows.push({ i, x: [f.score, f.margin, f.coverage], y: l.ys[0] as number });
  });
  const conf = new Map<number, number>();
  for (let f = 0; f < folds; f++) {
    const train = warnRows.filter((r) => fold(r.i) !== f);
    const w = asWarn(
      fitLogistic(
        train.map((r) => r.x),
        train.map((r) => r.y),
        L2,
      ),
    );
    for (const r of warnRows)
      if (fold(r.i) === f) conf.set(r.i, confidence((lists[r.i] as { matches: Match[] }).matches, 0, w));
  }
  const table = THRESHOLDS.map((threshold) => {
    let warnings = 0;
    let correct = 0;
    for (const r of warnRows) {
      if ((conf.get(r.i) ?? 0) < threshold) continue;
      warnings++;
      correct += r.y;
    }
    return { threshold, warnings, precision: warnings ? correct / warnings : 0, recall: correct / queries };
  });
  const atGoal = precisionAtRecall(
    warnRows.map((r) => ({ confidence: conf.get(r.i) ?? 0, correct: r.y === 1 })),
    queries,
    GOAL_RECALL,
  );
  const q = Math.max(1, queries);
  return { figures: { r1: r1 / q, r5: r5 / q, mrr: mrr / q, table, atGoal }, warnRows };
}

const f3 = (x: number) => x.toFixed(3);

function printFigures(label: string, fig: Figures): void {
  process.stdout.write(
    `${label}: R@1 ${f3(fig.r1)}  R@5 ${f3(fig.r5)}  MRR ${f3(fig.mrr)}\n` +
      '  confidence ≥   warnings  precision  recall\n' +
      fig.table
        .map(
          (t) =>
            `  ${t.threshold.toFixed(2).padStart(12)}   ${String(t.warnings).padStart(8)}  ${f3(t.precision).padStart(9)}  ${f3(t.recall).padStart(6)}`,
        )
        .join('\n') +
      `\n  precision at recall ≥ ${GOAL_RECALL} (best threshold, not the grid): ${
        fig.atGoal ? `${f3(fig.atGoal.precision)} (${fig.atGoal.warnings} warnings)` : 'never reached'
      }\n`,
  );
}

function main(): number {
  const args = process.argv.slice(2);
  const path = args.find((a) => !a.startsWith('--'));
  if (!path || !existsSync(path)) {
    process.stderr.write('usage: npm run train:recurrence -- <file.jsonl> [--write]\n');
    return 2;
  }
  const records = readEvalFile(path);
  const cands = replayCandidates(records);
  const reach = candidateReach(records, cands);
  process.stdout.write(
    `candidates: a group-mate is among the ${CANDIDATES} candidates of ${reach.reached} of ${reach.queries} queries ` +
      `(${f3(reach.reached / Math.max(1, reach.queries))}, the ceiling of any Recall@k); by cosine alone in the top ` +
      `${Object.entries(reach.byCosineTop)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')}\n`,
  );
  const groups = records.map((r) => foldOf(r.group, FOLDS));
  const byGroup = crossValidate(records, cands, (i) => groups[i] as number, FOLDS);
  printFigures(`${FOLDS}-fold cross-validation over groups`, byGroup.figures);
  const sources = [...new Set(records.map((r) => r.id.split('-')[0] ?? ''))];
  if (sources.length > 1) {
    const src = records.map((r) => sources.indexOf(r.id.split('-')[0] ?? ''));
    const bySource = crossValidate(records, cands, (i) => src[i] as number, sources.length);
    printFigures(`leave one source out (${sources.join(', ')})`, bySource.figures);
  }
  const rank = asRank(
    fitConditionalLogit(
      cands
        .filter((_, i) => records[i]?.is_query)
        .map((c) => ({ x: c.map((k) => k.x), y: c.map((k) => k.y) })),
      L2,
    ),
  );
  const rows = byGroup.warnRows;
  const warn = asWarn(
    fitLogistic(
      rows.map((r) => r.x),
      rows.map((r) => r.y),
      L2,
    ),
  );
  const eligible = byGroup.figures.table.filter((t) => t.recall >= TARGET_RECALL);
  const threshold = eligible.length
    ? (eligible[eligible.length - 1] as { threshold: number }).threshold
    : 0.1;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  process.stdout.write(
    `rank model  ${JSON.stringify(rank, (_, v) => (typeof v === 'number' ? round(v) : v))}  (shipped ${JSON.stringify(RANK_MODEL)})\n` +
      `warn model  ${JSON.stringify(warn, (_, v) => (typeof v === 'number' ? round(v) : v))}  (shipped ${JSON.stringify(WARN_MODEL)})\n` +
      `threshold   ${threshold} (highest with cross-validated recall ≥ ${TARGET_RECALL}; shipped ${DEFAULT_MIN_CONFIDENCE})\n`,
  );
  if (args.includes('--write')) {
    const file = fileURLToPath(new URL('./model.ts', import.meta.url));
    const obj = (o: object) =>
      `{ ${Object.entries(o)
        .map(([k, v]) => `${k}: ${round(v as number)}`)
        .join(', ')} }`;
    const text = readFileSync(file, 'utf8')
      .replace(
        /export const RANK_MODEL: RankModel = \{[^}]*\};/,
        `export const RANK_MODEL: RankModel = ${obj(rank)};`,
      )
      .replace(
        /export const WARN_MODEL: WarnModel = \{[^}]*\};/,
        `export const WARN_MODEL: WarnModel = ${obj(warn)};`,
      )
      .replace(
        /export const DEFAULT_MIN_CONFIDENCE = [\d.]+;/,
        `export const DEFAULT_MIN_CONFIDENCE = ${threshold};`,
      );
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
