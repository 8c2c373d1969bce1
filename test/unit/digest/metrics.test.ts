import { describe, expect, it } from 'vitest';
import {
  countBySeverity,
  durationStat,
  type IncidentRow,
  type LinkRow,
  linkKind,
  median,
  overdueByOwner,
  percentile,
  recurringProblems,
  repeatKinds,
  repeatRate,
  repeatsByCategory,
  withoutRootCause,
} from '../../../src/digest/metrics.js';

const MIN = 60_000;
let nextId = 1;
function row(over: Partial<IncidentRow> = {}): IncidentRow {
  const id = over.id ?? nextId++;
  return {
    id,
    number: id,
    title: `Incident ${id}`,
    severity: 2,
    status: 'investigating',
    isPrivate: false,
    imported: false,
    channelId: null,
    leadId: null,
    declaredAt: 1_000_000,
    acknowledgedAt: null,
    resolvedAt: null,
    rootCauseSummary: null,
    rootCauseCategory: null,
    ...over,
  };
}

describe('median and p90', () => {
  it('median of odd and even counts', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('p90 is nearest rank: always a measured value', () => {
    expect(percentile([], 90)).toBeNull();
    expect(percentile([7], 90)).toBe(7);
    const ten = [10, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(percentile(ten, 90)).toBe(9); // rank ceil(9) = 9th
    const eleven = [...ten, 11];
    expect(percentile(eleven, 90)).toBe(10); // rank ceil(9.9) = 10th
    expect(percentile([1, 2, 3], 90)).toBe(3);
  });
});

describe('MTTA / MTTR', () => {
  it('uses declared → acknowledged and counts the ones without a timestamp', () => {
    const rows = [
      row({ declaredAt: 0, acknowledgedAt: 2 * MIN }),
      row({ declaredAt: 0, acknowledgedAt: 4 * MIN }),
      row({ declaredAt: 0, acknowledgedAt: 10 * MIN }),
      row({ declaredAt: 0, acknowledgedAt: null }),
      // An acknowledgement before the declaration is bad data, not a negative duration.
      row({ declaredAt: 5 * MIN, acknowledgedAt: 1 * MIN }),
    ];
    const s = durationStat(rows, 'MTTA', 'acknowledgedAt');
    expect(s).toMatchObject({
      fromLabel: 'declared',
      toLabel: 'acknowledged',
      cohort: 5,
      measured: 3,
      missing: 2,
    });
    expect(s.median).toBe(4 * MIN);
    expect(s.p90).toBe(10 * MIN);
  });

  it('MTTR: declared → resolved', () => {
    const rows = [
      row({ declaredAt: 0, resolvedAt: 60 * MIN }),
      row({ declaredAt: 0, resolvedAt: 120 * MIN }),
      row({ declaredAt: 0, resolvedAt: null }),
    ];
    const s = durationStat(rows, 'MTTR', 'resolvedAt');
    expect(s).toMatchObject({
      toLabel: 'resolved',
      measured: 2,
      missing: 1,
      median: 90 * MIN,
      p90: 120 * MIN,
    });
  });

  it('empty cohort gives no figures', () => {
    expect(durationStat([], 'MTTA', 'acknowledgedAt')).toMatchObject({ cohort: 0, median: null, p90: null });
  });
});

describe('counts', () => {
  it('by severity', () => {
    const c = countBySeverity([
      row({ severity: 1 }),
      row({ severity: 2 }),
      row({ severity: 2 }),
      row({ severity: 4 }),
    ]);
    expect(c).toEqual({ total: 4, bySeverity: { 1: 1, 2: 2, 3: 0, 4: 1 } });
  });
});

describe('recurrences', () => {
  const link = (incidentId: number, relatedId: number, level: string, feedback: string | null): LinkRow => ({
    incidentId,
    relatedId,
    level,
    feedback,
  });

  it('confirmed = feedback same; suspected = a warning nobody marked unrelated', () => {
    expect(linkKind({ level: 'possible', feedback: 'same' })).toBe('confirmed');
    expect(linkKind({ level: 'warning', feedback: null })).toBe('suspected');
    expect(linkKind({ level: 'warning', feedback: 'unrelated' })).toBeNull();
    expect(linkKind({ level: 'possible', feedback: null })).toBeNull();
    const kinds = repeatKinds([
      link(5, 1, 'warning', null),
      link(5, 2, 'warning', 'same'),
      link(6, 1, 'warning', null),
    ]);
    expect(kinds.get(5)).toBe('confirmed');
    expect(kinds.get(6)).toBe('suspected');
  });

  it('repeat rate = recurrences / incidents declared in the window, imported excluded', () => {
    const rows = [
      row({ id: 101, declaredAt: 10 }),
      row({ id: 102, declaredAt: 20 }),
      row({ id: 103, declaredAt: 30 }),
      row({ id: 104, declaredAt: 40, imported: true }),
      row({ id: 105, declaredAt: 500 }),
    ];
    const kinds = repeatKinds([link(102, 101, 'warning', null), link(104, 101, 'warning', 'same')]);
    expect(repeatRate(rows, kinds, { start: 0, end: 100 })).toEqual({
      recurrences: 1,
      incidents: 3,
      rate: 1 / 3,
    });
    expect(repeatRate(rows, kinds, { start: 1000, end: 2000 })).toEqual({
      recurrences: 0,
      incidents: 0,
      rate: null,
    });
  });

  it('groups linked incidents into problems, counting history, with the usual root-cause category', () => {
    const byId = new Map<number, IncidentRow>();
    const add = (r: IncidentRow) => byId.set(r.id, r);
    add(row({ id: 201, declaredAt: 1, imported: true, rootCauseCategory: 'deploy/change' }));
    add(row({ id: 202, declaredAt: 2, rootCauseCategory: 'deploy/change' }));
    add(row({ id: 203, declaredAt: 100, rootCauseCategory: 'capacity' }));
    add(row({ id: 204, declaredAt: 110 }));
    add(row({ id: 301, declaredAt: 3, rootCauseCategory: 'network' }));
    add(row({ id: 302, declaredAt: 120 }));
    add(row({ id: 401, declaredAt: 4 }));
    add(row({ id: 402, declaredAt: 5 })); // a repeat, but long ago: not a current problem
    add(row({ id: 501, declaredAt: 6 }));
    add(row({ id: 502, declaredAt: 130 })); // marked unrelated: no problem
    const links = [
      link(202, 201, 'warning', 'same'),
      link(203, 202, 'warning', null),
      link(204, 203, 'possible', 'same'),
      link(302, 301, 'warning', null),
      link(402, 401, 'warning', 'same'),
      link(502, 501, 'warning', 'unrelated'),
    ];
    const problems = recurringProblems(links, byId, { start: 100, end: 200 });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({
      ids: [201, 202, 203, 204],
      occurrences: 4,
      recentRepeats: 2,
      category: 'deploy/change',
    });
    expect(problems[1]).toMatchObject({
      ids: [301, 302],
      occurrences: 2,
      recentRepeats: 1,
      category: 'network',
    });
    expect(repeatsByCategory(problems)).toEqual([
      { category: 'deploy/change', repeats: 2 },
      { category: 'network', repeats: 1 },
    ]);
  });
});

describe('root causes and follow-ups', () => {
  it('resolved without a root cause: null or blank summary', () => {
    const rows = [
      row({ id: 601, rootCauseSummary: null }),
      row({ id: 602, rootCauseSummary: '   ' }),
      row({ id: 603, rootCauseSummary: 'Expired cert' }),
    ];
    expect(withoutRootCause(rows).map((r) => r.id)).toEqual([601, 602]);
  });

  it('overdue follow-ups grouped by owner, due strictly before today', () => {
    const f = (id: number, ownerId: string | null, dueDate: string) => ({
      id,
      text: `fu ${id}`,
      ownerId,
      dueDate,
      incidentNumber: 1,
      incidentPrivate: false,
    });
    const owners = overdueByOwner(
      [
        f(1, 'U0BOB', '2026-11-20'),
        f(2, 'U0BOB', '2026-11-01'),
        f(3, 'U0ALICE', '2026-11-22'),
        f(4, 'U0ALICE', '2026-11-23'),
        f(5, null, '2026-10-01'),
      ],
      '2026-11-23',
    );
    expect(owners.map((o) => [o.ownerId, o.items.map((i) => i.id)])).toEqual([
      ['U0BOB', [2, 1]],
      ['U0ALICE', [3]],
      [null, [5]],
    ]);
  });
});
