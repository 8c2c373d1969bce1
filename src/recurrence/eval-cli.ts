import { existsSync } from 'node:fs';
import { ConfigError, loadRecurrenceMinConfidence } from '../config.js';
import { evaluateOnTempDb } from './eval-run.js';
import { type EvalResult, quarterPrecision, readEvalFile, warnFigures } from './evaluate.js';
import { progressBar } from './progress.js';
import { policyWithMinConfidence } from './warn.js';

/**
 * `npm run eval:recurrence -- [--feedback] <file.jsonl>`: replays the file through the engine and
 * prints every figure: Recall@k, MRR, warning precision and recall at the configured threshold
 * (RECURRENCE_MIN_CONFIDENCE) and at several others, query time. With --feedback the file is
 * replayed twice, without and with an oracle answering every warning from the file's groups, and
 * warning precision is printed per quarter of the replay for both.
 */

/** Thresholds of the printed table (the README's table comes from here). */
const TABLE = [0.03, 0.05, 0.06, 0.07, 0.08, 0.1, 0.12, 0.15, 0.2];

const f = (x: number) => x.toFixed(3);

function report(r: EvalResult, threshold: number): string[] {
  return [
    `records ${r.records}, queries ${r.queries}`,
    `Recall@1  ${f(r.recallAt[1])}`,
    `Recall@5  ${f(r.recallAt[5])}`,
    `Recall@10 ${f(r.recallAt[10])}`,
    `Recall@20 ${f(r.recallAt[20])}`,
    `MRR       ${f(r.mrr)}`,
    `warnings  ${r.warnings} at confidence ≥ ${threshold}: precision ${f(r.warnPrecision)}, recall ${f(r.warnRecall)} (${r.correctWarnings} correct)`,
    '',
    '  confidence ≥  warnings  precision  recall',
    ...TABLE.map((t) => {
      const w = warnFigures(r.trace, r.queries, t);
      const mark = t === threshold ? '  ← configured' : '';
      return `  ${t.toFixed(2).padStart(12)}  ${String(w.warnings).padStart(8)}  ${f(w.precision).padStart(9)}  ${f(w.recall).padStart(6)}${mark}`;
    }),
    '',
    `query time p50 ${r.queryMs.p50.toFixed(2)} ms, p99 ${r.queryMs.p99.toFixed(2)} ms`,
  ];
}

function quarters(label: string, r: EvalResult): string {
  const q = quarterPrecision(r.trace);
  return `${label.padEnd(18)}${q.map((x, i) => `Q${i + 1} ${f(x.precision)} (${x.warnings})`).join('   ')}`;
}

function main(): number {
  const args = process.argv.slice(2);
  const feedback = args.includes('--feedback');
  const path = args.find((a) => !a.startsWith('--'));
  if (!path || !existsSync(path)) {
    process.stderr.write(
      'usage: npm run eval:recurrence -- [--feedback] <file.jsonl>  (e.g. ../shared/eval/incidents-dev.jsonl)\n',
    );
    return 2;
  }
  let minConfidence: number | undefined;
  try {
    minConfidence = loadRecurrenceMinConfidence();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  const policy = policyWithMinConfidence(minConfidence);
  const records = readEvalFile(path);
  const bar = progressBar('replaying', records.length);
  const r = evaluateOnTempDb(records, { policy, onProgress: (d) => bar.tick(d) });
  bar.done();
  const out = report(r, policy.warn);
  if (feedback) {
    const fbar = progressBar('replaying with feedback', records.length);
    const fr = evaluateOnTempDb(records, { policy, feedback: true, onProgress: (d) => fbar.tick(d) });
    fbar.done();
    out.push(
      '',
      'warning precision per quarter of the replay (warnings in brackets):',
      quarters('without feedback', r),
      quarters('with feedback', fr),
      `overall with feedback: ${fr.warnings} warnings, precision ${f(fr.warnPrecision)}, recall ${f(fr.warnRecall)}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

process.exitCode = main();
