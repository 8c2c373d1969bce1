import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../../../src/recurrence/evaluate.js';
import { candidateReach, precisionAtRecall, replayCandidates } from '../../../src/recurrence/train-cli.js';

const rec = (id: string, title: string, group: string, isQuery: boolean, day: number): EvalRecord => ({
  id,
  title,
  description: '',
  services: [],
  tags: [],
  date: new Date(Date.UTC(2024, 0, day)).toISOString(),
  group,
  is_query: isQuery,
});

describe('candidateReach (the first stage’s ceiling, printed by train:recurrence)', () => {
  it('counts a query whose group-mate is a candidate, and one sharing no word with it as unreached', () => {
    const records = [
      rec('a-1', 'Checkout returns 502 from payments gateway', 'G:a-1', false, 1),
      rec('a-2', 'Search index rebuild stalls overnight', 'G:a-2', false, 2),
      rec('a-3', 'Nightly backup job skipped', 'S:a-3', false, 3),
      // Reworded, but shares "checkout", "payments", "gateway": reached.
      rec('a-4', 'Payments gateway errors at checkout', 'G:a-1', true, 4),
      // Same problem as a-2 in other words: no shared term, so no candidate can be its group-mate.
      rec('a-5', 'Lookup results stale after reindexing', 'G:a-2', true, 5),
    ];
    const reach = candidateReach(records, replayCandidates(records));
    expect(reach.queries).toBe(2);
    expect(reach.reached).toBe(1);
    expect(reach.byCosineTop[5]).toBe(1);
  });
});

describe('precisionAtRecall (printed by train:recurrence at the issue’s recall goal)', () => {
  const row = (confidence: number, correct: boolean) => ({ confidence, correct });

  it('stops at the first prefix of warnings, by confidence, holding the needed correct ones', () => {
    // 10 queries, recall 0.2 → 2 correct needed; sorted: .9 ✓, .8 ✗, .7 ✗, .6 ✓, .5 ✓.
    const rows = [row(0.5, true), row(0.9, true), row(0.7, false), row(0.6, true), row(0.8, false)];
    expect(precisionAtRecall(rows, 10, 0.2)).toEqual({ precision: 0.5, warnings: 4 });
  });

  it('counts rows tied at the cut-off confidence as warned together', () => {
    // A threshold cannot split a tie: the false row tied with the second correct one warns too.
    const rows = [row(0.9, true), row(0.6, true), row(0.6, false), row(0.1, false)];
    expect(precisionAtRecall(rows, 10, 0.2)).toEqual({ precision: 2 / 3, warnings: 3 });
  });

  it('is null when no threshold reaches the recall', () => {
    expect(precisionAtRecall([row(0.9, true), row(0.2, false)], 10, 0.2)).toBeNull();
  });
});
