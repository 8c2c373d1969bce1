import { describe, expect, it } from 'vitest';
import { type RecurrenceDoc, RecurrenceEngine } from '../../../src/recurrence/engine.js';
import { Postings, quantize, WEIGHT } from '../../../src/recurrence/postings.js';

/** The compact index: pooled postings, one-byte weights, removal without per-incident term lists. */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const VOCAB = [
  'disk',
  'full',
  'latency',
  'spike',
  'checkout',
  'gateway',
  'redis',
  'evictions',
  'kafka',
  'lag',
  'certificate',
  'expired',
  'dns',
  'timeout',
  'deploy',
  'rollback',
  'memory',
  'leak',
  'queue',
  'backlog',
  'login',
  'token',
  'cache',
  'stale',
  'search',
  'index',
  'billing',
  'invoice',
  'mobile',
  'crash',
];

function corpus(n: number, seed: number): RecurrenceDoc[] {
  const r = rng(seed);
  const pick = () => VOCAB[Math.floor(r() * VOCAB.length)] as string;
  const T0 = Date.parse('2025-01-01T00:00:00Z');
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    at: T0 + i * 3_600_000,
    title: Array.from({ length: 4 }, pick).join(' '),
    description: `${Array.from({ length: 12 }, pick).join(' ')} word${i} ${r() < 0.3 ? 'HTTP 503' : ''}`,
    services: r() < 0.5 ? [`svc-${Math.floor(r() * 5)}`] : [],
    tags: [],
    rootCause: r() < 0.3 ? Array.from({ length: 4 }, pick).join(' ') : null,
    category: r() < 0.5 ? (['config', 'capacity', 'dependency'][Math.floor(r() * 3)] as string) : null,
  }));
}

/** The top matches with their scores (ties ordered by id: slot order may differ between engines). */
const ranking = (e: RecurrenceEngine, q: RecurrenceDoc) =>
  e
    .rank(q, { limit: 10 })
    .map((m) => ({ id: m.id, score: m.score.toFixed(9), services: m.sharedServices, cat: m.sameCategory }))
    .sort((a, b) => (a.score === b.score ? a.id - b.id : b.score.localeCompare(a.score)));

describe('Postings', () => {
  it('chains blocks past the first pool chunk and finds every (slot, weight) again', () => {
    const p = new Postings();
    const r = rng(1);
    const expected = new Map<number, Map<number, number>>();
    // 3 terms interleaved, 5,000 postings: many block boundaries and a grown first chunk.
    for (let slot = 0; slot < 5000; slot++) {
      for (let t = 0; t < 3; t++) {
        if (r() < 0.6) {
          const q = 1 + Math.floor(r() * 254);
          p.append(t, slot, q);
          const m = expected.get(t) ?? new Map<number, number>();
          m.set(slot, q);
          expected.set(t, m);
        }
      }
    }
    for (const [t, m] of expected) {
      expect(p.len(t)).toBe(m.size);
      const seen: number[] = [];
      p.forEach(t, (slot, q) => {
        expect(q).toBe(m.get(slot));
        seen.push(slot);
      });
      expect(seen).toEqual([...m.keys()]);
      for (let slot = 0; slot < 5000; slot += 7) expect(p.weightAt(t, slot)).toBe(m.get(slot) ?? -1);
    }
    expect(p.weightAt(99, 1)).toBe(-1);
    const acc = new Float64Array(5000);
    const touched = new Int32Array(5000);
    const n = p.accumulate(0, 2, acc, touched, 0);
    expect(n).toBe(expected.get(0)?.size);
    const [first] = expected.get(0) ?? new Map<number, number>();
    if (first) expect(acc[first[0]]).toBeCloseTo(2 * (WEIGHT[first[1]] as number), 12);
  });

  it("slots far apart (past a block's 16-bit span) survive appending, packing and lookup", () => {
    const slots = [0, 3, 65_535, 65_536, 70_000, 140_001, 140_002, 400_000, 1_000_000];
    const p = new Postings();
    for (const [i, slot] of slots.entries()) p.append(7, slot, i + 1);
    const packed = new Postings();
    packed.appendRun(
      7,
      Int32Array.from(slots),
      Uint8Array.from(slots, (_, i) => i + 1),
      slots.length,
    );
    for (const q of [p, packed]) {
      const seen: [number, number][] = [];
      q.forEach(7, (slot, w) => seen.push([slot, w]));
      expect(seen).toEqual(slots.map((s, i) => [s, i + 1]));
      for (const [i, slot] of slots.entries()) expect(q.weightAt(7, slot)).toBe(i + 1);
      for (const miss of [1, 65_534, 69_999, 140_000, 999_999, 1_000_001])
        expect(q.weightAt(7, miss)).toBe(-1);
      const acc = new Float64Array(1_000_002);
      const touched = new Int32Array(16);
      expect(q.accumulate(7, 1, acc, touched, 0)).toBe(slots.length);
      expect([...touched.subarray(0, slots.length)]).toEqual(slots);
    }
  });

  it('trim cuts the last pool to what is used, and lists keep growing past it and past a full pool', () => {
    const p = new Postings();
    const long: number[] = [];
    for (let slot = 0; slot < 3000; slot++) {
      p.append(0, slot, 1 + (slot % 200));
      long.push(slot);
      if (slot % 3 === 0) p.append(1, slot, 7);
    }
    const before = p.bytes;
    p.trim();
    expect(p.bytes).toBeLessThan(before);
    // Then more than a whole pool (2^20 entries) arrives after the trimmed one.
    for (let slot = 3000; slot < 1_100_000; slot++) {
      p.append(0, slot, 1 + (slot % 200));
      long.push(slot);
    }
    p.append(1, 1_100_001, 9);
    let i = 0;
    let wrong = 0;
    p.forEach(0, (slot, q) => {
      if (slot !== long[i] || q !== 1 + (slot % 200)) wrong++;
      i++;
    });
    expect(wrong).toBe(0);
    expect(i).toBe(long.length);
    expect(p.weightAt(1, 2997)).toBe(7);
    expect(p.weightAt(1, 1_100_001)).toBe(9);
    expect(p.len(1)).toBe(1001);
  });

  it('one-byte log weights are within 1.1% from 0.1 to 16', () => {
    for (let w = 0.1; w <= 16; w *= 1.037) {
      const back = WEIGHT[quantize(w)] as number;
      expect(Math.abs(back - w) / w).toBeLessThan(0.011);
    }
    expect(quantize(0)).toBe(0);
    expect(WEIGHT[0]).toBe(0);
  });
});

describe('RecurrenceEngine memory layout', () => {
  it('a bulk load ranks exactly like incremental inserts, packed or not', () => {
    const docs = corpus(600, 3);
    const inc = new RecurrenceEngine();
    for (const d of docs) inc.upsert(d);
    const bulk = new RecurrenceEngine();
    bulk.beginBulk();
    for (const d of docs) bulk.upsert(d);
    let steps = 0;
    for (const _ of bulk.endBulkSteps(true, 500)) steps++;
    expect(steps).toBeGreaterThan(3);
    // The incremental engine's norms are as of its last geometric renormalisation: bring them level.
    inc.pack();
    const queries = corpus(20, 9).map((q, i) => ({ ...q, id: 10_000 + i, at: Date.parse('2026-01-01') }));
    const before = bulk.bytes;
    for (const q of queries) expect(ranking(bulk, q)).toEqual(ranking(inc, q));
    expect(bulk.bytes).toBe(before);
  });

  it('packing after a bulk load shrinks the index, and incidents added afterwards rank as in a fresh one', () => {
    const docs = corpus(2000, 31);
    const later = corpus(600, 37).map((d, i) => ({ ...d, id: 5000 + i, at: d.at + 86_400_000 * 400 }));
    const load = (pack: boolean) => {
      const e = new RecurrenceEngine();
      e.reserve(docs.length, docs.length);
      e.beginBulk();
      for (const d of docs) e.upsert(d);
      for (const _ of e.endBulkSteps(pack)) {
        // steps
      }
      return e;
    };
    const unpacked = load(false);
    const packed = load(true);
    expect(packed.bytes).toBeLessThan(unpacked.bytes * 0.8);
    // New incidents and edits after the trim grow the cut pools again.
    for (const d of later) packed.upsert(d);
    for (const d of docs.slice(0, 50)) packed.upsert({ ...d, timeline: 'note: kafka lag again' });
    const fresh = new RecurrenceEngine();
    for (const d of docs.slice(50)) fresh.upsert(d);
    for (const d of later) fresh.upsert(d);
    for (const d of docs.slice(0, 50)) fresh.upsert({ ...d, timeline: 'note: kafka lag again' });
    packed.pack();
    fresh.pack();
    const queries = corpus(20, 41).map((q, i) => ({ ...q, id: 90_000 + i, at: Date.parse('2030-01-01') }));
    for (const q of queries) expect(ranking(packed, q)).toEqual(ranking(fresh, q));
  });

  it('removal keeps document frequencies exact: updating and compacting rank like a fresh index', () => {
    const docs = corpus(1500, 5);
    const churned = new RecurrenceEngine();
    for (const d of docs) churned.upsert(d);
    // 1,200 updates to other text and back: past the compaction threshold (dead > 1000 and > live/4).
    for (const d of docs.slice(0, 1200)) churned.upsert({ ...d, title: `${d.title} printer jam` });
    for (const d of docs.slice(0, 1200)) churned.upsert(d);
    churned.remove(docs[1]?.id ?? 0);
    const fresh = new RecurrenceEngine();
    for (const d of docs) if (d.id !== docs[1]?.id) fresh.upsert(d);
    churned.pack();
    fresh.pack();
    expect(churned.size).toBe(fresh.size);
    const queries = corpus(20, 11).map((q, i) => ({ ...q, id: 10_000 + i, at: Date.parse('2026-01-01') }));
    for (const q of queries) expect(ranking(churned, q)).toEqual(ranking(fresh, q));
    expect(churned.has(docs[1]?.id ?? 0)).toBe(false);
  });

  it('an update that only adds text (a note) finds the old terms among the new ones, exactly', () => {
    const docs = corpus(400, 21);
    const noted = docs.map((d) => ({
      ...d,
      timeline: `note: ${d.title} rollback ${d.id % 7 === 0 ? 'zebra' : ''}`,
    }));
    const updated = new RecurrenceEngine();
    for (const d of docs) updated.upsert(d);
    for (const d of noted) updated.upsert(d);
    const fresh = new RecurrenceEngine();
    for (const d of noted) fresh.upsert(d);
    updated.pack();
    fresh.pack();
    const queries = corpus(15, 23).map((q, i) => ({ ...q, id: 10_000 + i, at: Date.parse('2026-01-01') }));
    for (const q of queries) expect(ranking(updated, q)).toEqual(ranking(fresh, q));
  });

  it('an unchanged incident is not re-indexed', () => {
    const e = new RecurrenceEngine();
    const [d] = corpus(1, 1);
    if (!d) throw new Error('no doc');
    e.upsert(d);
    const bytes = e.bytes;
    for (let i = 0; i < 50; i++) e.upsert({ ...d });
    expect(e.bytes).toBe(bytes);
    expect(e.size).toBe(1);
  });

  it('root-cause matches: word-set cosine, compatible category, earlier only', () => {
    const e = new RecurrenceEngine();
    const base = { title: 'x', description: '', services: [], tags: [], at: 1000 };
    e.upsert({
      ...base,
      id: 1,
      rootCause: 'TLS certificate for payments gateway expired',
      category: 'config',
    });
    e.upsert({ ...base, id: 2, rootCause: 'payments gateway certificate expired', category: null });
    e.upsert({ ...base, id: 3, rootCause: 'payments gateway certificate expired', category: 'capacity' });
    e.upsert({ ...base, id: 4, rootCause: 'noisy neighbour on the database host', category: 'config' });
    e.upsert({ ...base, id: 5, rootCause: 'payments gateway certificate expired', at: 5000 });
    const ids = e.rootCauseMatches('Payments gateway TLS certificate expired', 'Config', {
      minSimilarity: 0.5,
      atOrBefore: 2000,
      excludeId: 99,
    });
    expect(ids.sort()).toEqual([1, 2]);
    expect(e.rootCauseMatches('unrelated words entirely', null, { minSimilarity: 0.5 })).toEqual([]);
    e.upsert({ ...base, id: 1, rootCause: 'something else now' });
    expect(
      e.rootCauseMatches('payments gateway certificate expired', null, { minSimilarity: 0.5 }).sort(),
    ).toEqual([2, 3, 5]);
  });
});
