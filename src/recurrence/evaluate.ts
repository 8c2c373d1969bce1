import { readFileSync } from 'node:fs';
import type { Match } from './engine.js';
import { confidence, type WarnPolicy } from './warn.js';

/** One line of the eval format (../shared/eval/README.md). */
export interface EvalRecord {
  id: string;
  title: string;
  description: string;
  services: string[];
  tags: string[];
  date: string;
  /** Labels: read only by the scorer, never given to the engine. */
  group: string;
  is_query: boolean;
}

/** What the engine may see of a record: nothing else crosses this line. */
export interface EvalInput {
  title: string;
  description: string;
  services: string[];
  tags: string[];
  at: number;
}

/** The engine's view of a record: the fields a ranker may read (never the labels). */
export const evalInput = (r: EvalRecord): EvalInput => ({
  title: r.title,
  description: r.description,
  services: r.services,
  tags: r.tags,
  at: Date.parse(r.date),
});

export interface EvalSubject {
  /** Ranks earlier records for this one (already scored ones only), best first, by their index. */
  rank(input: EvalInput, index: number): { ranked: number[]; matches: Match[] };
  /** Indexes the record after it was scored. */
  add(input: EvalInput, index: number): void;
}

export interface EvalResult {
  queries: number;
  records: number;
  recallAt: Record<1 | 5 | 10 | 20, number>;
  mrr: number;
  warnings: number;
  correctWarnings: number;
  warnPrecision: number;
  warnRecall: number;
  queryMs: { p50: number; p99: number };
  /** Per record, for threshold studies: is_query, top-1 correct, the warning's confidence. */
  trace: {
    isQuery: boolean;
    top1Correct: boolean;
    rank: number | null;
    confidence: number;
    warned: boolean;
  }[];
}

export function readEvalFile(path: string): EvalRecord[] {
  const out: EvalRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    out.push(JSON.parse(line) as EvalRecord);
  }
  // The README's order: date, then id.
  return out.sort((a, b) => (a.date === b.date ? (a.id < b.id ? -1 : 1) : a.date < b.date ? -1 : 1));
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);

/**
 * Replays the records in order through `subject`: rank against what came before, then index.
 * Scoring follows ../shared/eval/README.md "How to score".
 */
export function runEval(
  records: EvalRecord[],
  subject: EvalSubject,
  policy: WarnPolicy,
  onProgress?: (done: number, total: number) => void,
  /** After each record is indexed: the warning shown for it (if any), for the feedback replay. */
  onWarned?: (index: number, cited: number, correct: boolean) => void,
): EvalResult {
  const times: number[] = [];
  const trace: EvalResult['trace'] = [];
  let queries = 0;
  let mrr = 0;
  const hits = { 1: 0, 5: 0, 10: 0, 20: 0 };
  let warnings = 0;
  let correct = 0;
  records.forEach((r, i) => {
    const input = evalInput(r);
    const t0 = performance.now();
    const { ranked, matches } = subject.rank(input, i);
    times.push(performance.now() - t0);
    const pos = ranked.findIndex((j) => records[j]?.group === r.group);
    const rank = pos >= 0 ? pos + 1 : null;
    if (r.is_query) {
      queries++;
      if (rank !== null) {
        mrr += 1 / rank;
        for (const k of [1, 5, 10, 20] as const) if (rank <= k) hits[k]++;
      }
    }
    const top1Correct = ranked[0] !== undefined && records[ranked[0]]?.group === r.group;
    const conf = confidence(matches);
    const warned = conf >= policy.warn;
    if (warned) {
      warnings++;
      if (top1Correct) correct++;
    }
    trace.push({ isQuery: r.is_query, top1Correct, rank, confidence: conf, warned });
    subject.add(input, i);
    if (warned && ranked[0] !== undefined) onWarned?.(i, ranked[0], top1Correct);
    onProgress?.(i + 1, records.length);
  });
  times.sort((a, b) => a - b);
  const q = Math.max(1, queries);
  return {
    queries,
    records: records.length,
    recallAt: { 1: hits[1] / q, 5: hits[5] / q, 10: hits[10] / q, 20: hits[20] / q },
    mrr: mrr / q,
    warnings,
    correctWarnings: correct,
    warnPrecision: warnings ? correct / warnings : 0,
    warnRecall: correct / q,
    queryMs: { p50: percentile(times, 50), p99: percentile(times, 99) },
    trace,
  };
}

/** Precision and recall at a confidence threshold over a finished run's trace (threshold studies). */
export function warnFigures(
  trace: EvalResult['trace'],
  queries: number,
  threshold: number,
): { threshold: number; warnings: number; precision: number; recall: number } {
  let warnings = 0;
  let correct = 0;
  for (const t of trace) {
    if (t.confidence < threshold) continue;
    warnings++;
    if (t.top1Correct) correct++;
  }
  return {
    threshold,
    warnings,
    precision: warnings ? correct / warnings : 0,
    recall: correct / Math.max(1, queries),
  };
}

/** Warning precision in each quarter of the replay (records in file order), as warned at the time. */
export function quarterPrecision(trace: EvalResult['trace']): { warnings: number; precision: number }[] {
  const out: { warnings: number; precision: number }[] = [];
  for (let q = 0; q < 4; q++) {
    const part = trace.slice(Math.floor((q * trace.length) / 4), Math.floor(((q + 1) * trace.length) / 4));
    const warned = part.filter((t) => t.warned);
    const correct = warned.filter((t) => t.top1Correct).length;
    out.push({ warnings: warned.length, precision: warned.length ? correct / warned.length : 0 });
  }
  return out;
}
