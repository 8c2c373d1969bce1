import { describe, expect, it } from 'vitest';
import { type RecurrenceDoc, RecurrenceEngine } from '../../../src/recurrence/engine.js';
import { signatures, words } from '../../../src/recurrence/tokenize.js';
import { confidence, DEFAULT_POLICY, shouldWarn } from '../../../src/recurrence/warn.js';
import { BACKGROUND_TITLES } from '../../helpers/fixtures.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
let next = 1;
const doc = (title: string, over: Partial<RecurrenceDoc> = {}): RecurrenceDoc => ({
  id: next++,
  at: T0,
  title,
  description: '',
  services: [],
  tags: [],
  ...over,
});

function corpus(e: RecurrenceEngine): void {
  for (const t of BACKGROUND_TITLES) e.upsert(doc(t));
}

describe('tokenize', () => {
  it('splits identifiers, keeps the whole one, drops stopwords and numbers, folds suffixes', () => {
    expect(words('The ensureElementIsVisible() call in 2020 timeouts')).toEqual([
      'ensureelementisvisible',
      'ensure',
      'element',
      'visible',
      'call',
      'timeout',
    ]);
  });
  it('the hand-written scanner cuts tokens exactly where the regex it replaced did', () => {
    const WORD = /[A-Za-z][A-Za-z0-9_]*(?:[.'][A-Za-z0-9_]+)*/g;
    const cases = [
      "it's a.b.c foo.bar. x..y a'b' _foo 2xx v1.2.3 HTTPServerError snake_case_name ABCdef a.1 e.g.",
      "don't ünïcode café x. 'a A Z_ a_._b org.apache.hadoop.fs.FileSystem api.example.com:8443/v2",
      'NullPointerException at com.foo.Bar$Baz(Bar.java:42) __init__ x_y_z 404s 5xx k8s',
    ];
    for (const text of cases) {
      // The tokens the regex found, each run through the same per-token rules, must give the same terms.
      const viaRegex = [...text.matchAll(WORD)].flatMap((m) => words(m[0]));
      expect(words(text)).toEqual(viaRegex);
    }
    expect(words('org.apache.Foo_bar x')).toEqual(['org', 'apache', 'foobar', 'foo', 'bar']);
  });
  it('finds error signatures: status codes, exceptions, hosts', () => {
    expect(signatures('got 502 from db-1.prod.internal: java.lang.NullPointerException, port 8080')).toEqual(
      expect.arrayContaining(['sig:502', 'sig:nullpointerexception', 'sig:db-1.prod.internal']),
    );
    expect(signatures('version 2.53.1 and 8080')).toEqual([]);
  });
});

describe('RecurrenceEngine', () => {
  it('ranks the same problem first and far above the rest', () => {
    const e = new RecurrenceEngine();
    corpus(e);
    const old = doc('Checkout API returns 502 bad gateway', { description: 'nginx upstream pool exhausted' });
    e.upsert(old);
    const m = e.rank(doc('Checkout returns 502 bad gateway again', { at: T0 + 10 * DAY }));
    expect(m[0]?.id).toBe(old.id);
    expect(m[0]?.sharedSignatures).toEqual(['sig:502']);
    expect(shouldWarn(m)).toBe(true);
    expect(e.sharedTerms(doc('Checkout returns 502 bad gateway'), old.id)).toEqual(
      expect.arrayContaining(['checkout', 'gateway']),
    );
  });

  it('structured signals: a shared service and category lift a match', () => {
    const e = new RecurrenceEngine();
    corpus(e);
    const a = doc('Latency spike on API', { services: ['payments'], category: 'capacity' });
    const b = doc('Latency spike on API', { services: ['search'] });
    e.upsert(a);
    e.upsert(b);
    const m = e.rank(doc('API latency spike', { services: ['Payments'], category: 'Capacity' }));
    expect(m[0]?.id).toBe(a.id);
    expect(m[0]?.sharedServices).toEqual(['payments']);
    expect(m[0]?.sameCategory).toBe(true);
    expect((m[0]?.score ?? 0) - (m[1]?.score ?? 0)).toBeGreaterThan(0.05);
  });

  it('recency: of two equal matches the recent one ranks first', () => {
    const e = new RecurrenceEngine();
    corpus(e);
    const old = doc('Disk full on build agents', { at: T0 - 400 * DAY });
    const recent = doc('Disk full on build agents', { at: T0 - 5 * DAY });
    e.upsert(old);
    e.upsert(recent);
    expect(e.rank(doc('Build agents disk full'))[0]?.id).toBe(recent.id);
  });

  it('updates replace, removals vanish, exclusions and before are honoured', () => {
    const e = new RecurrenceEngine();
    corpus(e);
    const a = doc('Redis evictions spike');
    e.upsert(a);
    e.upsert({ ...a, title: 'Totally different now: printer jam' });
    expect(e.rank(doc('Redis evictions spike')).some((m) => m.id === a.id)).toBe(false);
    e.upsert({ ...a, title: 'Redis evictions spike' });
    expect(e.rank(doc('Redis evictions'), { exclude: (id) => id === a.id })[0]?.id).not.toBe(a.id);
    expect(e.rank(doc('Redis evictions'), { before: T0 }).some((m) => m.id === a.id)).toBe(false);
    e.remove(a.id);
    expect(e.has(a.id)).toBe(false);
    expect(e.rank(doc('Redis evictions spike'))).toHaveLength(0);
  });

  it('learned term factors move scores (feedback)', () => {
    const e = new RecurrenceEngine();
    corpus(e);
    const a = doc('Upgrade jackson to 2.15');
    e.upsert(a);
    const q = doc('Upgrade jackson to 2.16');
    const before = e.rank(q)[0]?.score ?? 0;
    e.setTermFactor('upgrade', 0.3);
    e.setTermFactor('jackson', 0.3);
    expect(e.rank(q)[0]?.score ?? 0).toBeLessThan(before);
  });

  it('the warn decision needs a margin over the runner-up', () => {
    const m = (score: number) => ({
      id: 1,
      score,
      text: score,
      ageDays: 0,
      sharedServices: [],
      sameCategory: false,
      sharedSignatures: [],
    });
    expect(confidence([m(0.7), m(0.69)], DEFAULT_POLICY)).toBeLessThan(DEFAULT_POLICY.warn);
    expect(shouldWarn([m(0.7), m(0.2)])).toBe(true);
    expect(shouldWarn([])).toBe(false);
  });
});
