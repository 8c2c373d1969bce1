import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../../../src/recurrence/evaluate.js';
import { foldOf } from '../../../src/recurrence/train.js';
import { crossValidate, replayCandidates } from '../../../src/recurrence/train-cli.js';
import { candidateFeatures, studyPrecision } from '../../../src/recurrence/warn-study.js';

const SUBJECTS = ['Checkout', 'Search', 'Billing', 'Login', 'Exports', 'Webhooks', 'Reports', 'Inbox'];
const SYMPTOMS = ['returns 502', 'times out', 'shows stale data', 'drops events', 'crash loop'];

/** Problems filed once, some again later in other words: a small file in the eval format. */
function file(): EvalRecord[] {
  const out: EvalRecord[] = [];
  let day = 1;
  const add = (title: string, description: string, group: string, isQuery: boolean): void => {
    out.push({
      id: `p${out.length % 2}-${out.length}`,
      title,
      description,
      services: [],
      tags: [],
      date: new Date(Date.UTC(2024, 0, day++)).toISOString(),
      group,
      is_query: isQuery,
    });
  };
  SUBJECTS.forEach((s, a) => {
    SYMPTOMS.forEach((y, b) => {
      add(`${s} ${y}`, `${s.toLowerCase()}Service ${y} after deploy ${a * 5 + b}`, `G:${s}${b}`, false);
    });
  });
  // Look-alikes filed as problems of their own (like the dev set's unlinked double filings).
  SUBJECTS.forEach((s, a) => {
    const y = SYMPTOMS[(a + 2) % SYMPTOMS.length] as string;
    add(`${s} ${y} again`, `${s.toLowerCase()}Service ${y} seen again`, `S:${s}-twin`, false);
  });
  SUBJECTS.forEach((s, a) => {
    const y = SYMPTOMS[a % SYMPTOMS.length] as string;
    add(
      `${y} in ${s} again`,
      `${s.toLowerCase()}Service ${y} seen again`,
      `G:${s}${a % SYMPTOMS.length}`,
      true,
    );
  });
  return out;
}

describe('study:warn (candidate warning features, out-of-fold)', () => {
  const records = file();
  const cands = replayCandidates(records);
  const groups = records.map((r) => foldOf(r.group, 5));

  it('with no extra feature, reproduces the figure train:recurrence prints at the recall goal', () => {
    const fold = (i: number) => groups[i] as number;
    const study = studyPrecision(records, cands, fold, 5, () => []);
    const train = crossValidate(records, cands, fold, 5).figures.atGoal;
    expect(study).not.toBeNull();
    expect(study).toEqual(train);
  });

  it('reads an extra feature: one that knows the answer warns only correctly', () => {
    const fold = (i: number) => groups[i] as number;
    const knows = (i: number, ms: readonly { id: number }[]) => [
      records[(ms[0]?.id ?? 0) - 1]?.group === records[i]?.group ? 1 : 0,
    ];
    const shipped = studyPrecision(records, cands, fold, 5, () => []);
    expect(studyPrecision(records, cands, fold, 5, knows)?.precision).toBe(1);
    expect(shipped?.precision).toBeLessThan(1);
  });

  it('computes every candidate feature as finite numbers for each record’s top match', () => {
    const features = candidateFeatures(records, cands);
    expect(Object.keys(features).length).toBeGreaterThanOrEqual(8);
    for (const [name, f] of Object.entries(features)) {
      const p = studyPrecision(records, cands, (i) => groups[i] as number, 5, f);
      expect(p, name).not.toBeNull();
      expect(Number.isFinite(p?.precision), name).toBe(true);
    }
  });
});
