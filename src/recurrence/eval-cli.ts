import { existsSync } from 'node:fs';
import { evaluateOnTempDb } from './eval-run.js';
import { readEvalFile } from './evaluate.js';
import { progressBar } from './progress.js';
import { DEFAULT_POLICY } from './warn.js';

/** `npm run eval:recurrence -- <file.jsonl>`: replays the file through the engine and prints the figures. */
function main(): number {
  const path = process.argv[2];
  if (!path || !existsSync(path)) {
    process.stderr.write(
      'usage: npm run eval:recurrence -- <file.jsonl>  (e.g. ../shared/eval/incidents-dev.jsonl)\n',
    );
    return 2;
  }
  const records = readEvalFile(path);
  const bar = progressBar('replaying', records.length);
  const r = evaluateOnTempDb(records, { onProgress: (d) => bar.tick(d) });
  bar.done();
  const f = (x: number) => x.toFixed(3);
  const p = DEFAULT_POLICY;
  process.stdout.write(
    [
      `records ${r.records}, queries ${r.queries}`,
      `Recall@1  ${f(r.recallAt[1])}`,
      `Recall@5  ${f(r.recallAt[5])}`,
      `Recall@10 ${f(r.recallAt[10])}`,
      `Recall@20 ${f(r.recallAt[20])}`,
      `MRR       ${f(r.mrr)}`,
      `warnings  ${r.warnings} (confidence = score + ${p.margin} × margin ≥ ${p.warn}): precision ${f(r.warnPrecision)}, recall ${f(r.warnRecall)} (${r.correctWarnings} correct)`,
      `query time p50 ${r.queryMs.p50.toFixed(2)} ms, p99 ${r.queryMs.p99.toFixed(2)} ms`,
      '',
    ].join('\n'),
  );
  return 0;
}

process.exitCode = main();
