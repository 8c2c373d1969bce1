import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateOnTempDb } from '../../../src/recurrence/eval-run.js';
import { readEvalFile } from '../../../src/recurrence/evaluate.js';

/** ../shared/eval relative to the repository root; the file is not part of the repository. */
const DEV = fileURLToPath(new URL('../../../../shared/eval/incidents-dev.jsonl', import.meta.url));
const present = existsSync(DEV);
if (!present) console.warn(`recurrence eval skipped: ${DEV} is absent (see ../shared/eval/README.md)`);

describe.skipIf(!present)('recurrence eval on the dev set (baselines from ../shared/eval/README.md)', () => {
  it('beats BM25 and TF-IDF on R@1, R@5 and MRR, and warns more precisely at a similar recall', () => {
    const r = evaluateOnTempDb(readEvalFile(DEV));
    expect(r.queries).toBe(112);
    expect(r.recallAt[1]).toBeGreaterThan(0.589);
    expect(r.recallAt[5]).toBeGreaterThan(0.786);
    expect(r.mrr).toBeGreaterThan(0.679);
    // Baseline: precision 0.047 at recall 0.241 (τ = 0.45).
    expect(r.warnRecall).toBeGreaterThanOrEqual(0.2);
    expect(r.warnPrecision).toBeGreaterThan(0.047);
  }, 120_000);
});
