import { readFileSync } from 'node:fs';
import type { Match } from './engine.js';
import { shouldWarn, type WarnPolicy } from './warn.js';

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
  /** Per record, for threshold studies: is_query, top-1 correct, top-1/2 matches. */
  trace: { isQuery: boolean; top1Correct: boolean; rank: number | null; matches: Match[] }[];
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
): EvalResult {
  const times: number[] = [];
  const trace: EvalResult['trace'] = [];
  let queries = 0;
  let mrr = 0;
  const hits = { 1: 0, 5: 0, 10: 0, 20: 0 };
  let warnings = 0;
  let correct = 0;
  records.forEach((r, i) => {
    const input: EvalInput = {
      title: r.title,
      description: r.description,
      services: r.services,
      tags: r.tags,
      at: Date.parse(r.date),
    };
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
    if (shouldWarn(matches, policy)) {
      warnings++;
      if (top1Correct) correct++;
    }
    trace.push({ isQuery: r.is_query, top1Correct, rank, matches: matches.slice(0, 10) });
    subject.add(input, i);
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

/** Precision and recall of a policy over a finished run's trace (threshold studies). */
export function warnFigures(
  trace: EvalResult['trace'],
  queries: number,
  policy: WarnPolicy,
): { warnings: number; precision: number; recall: number } {
  let warnings = 0;
  let correct = 0;
  for (const t of trace) {
    if (!shouldWarn(t.matches, policy)) continue;
    warnings++;
    if (t.top1Correct) correct++;
  }
  return { warnings, precision: warnings ? correct / warnings : 0, recall: correct / Math.max(1, queries) };
}
