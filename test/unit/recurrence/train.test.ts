import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../../../src/recurrence/evaluate.js';
import { candidateReach, replayCandidates } from '../../../src/recurrence/train-cli.js';

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
