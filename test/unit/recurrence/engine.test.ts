import { describe, expect, it } from 'vitest';
import { type RecurrenceDoc, RecurrenceEngine } from '../../../src/recurrence/engine.js';
import { signatures, versions, words } from '../../../src/recurrence/tokenize.js';
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
  it('finds dotted versions, with their release line when they have three parts or more', () => {
    expect(versions('SeaMonkey 2.53.7 broke it; Netty v4.1.89.Final; bundle-2.23.19.jar')).toEqual([
      'ver:2.53.7',
      'line:2.53',
      'ver:4.1.89',
      'line:4.1',
      'ver:2.23.19',
      'line:2.23',
    ]);
    expect(versions('Hadoop 3.3 and port 8080, 2020-01-02, a.1, 1.2.3.4.5.6')).toEqual(['ver:3.3']);
    expect(versions('no versions here')).toEqual([]);
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

  it('a shared version number is evidence, and the explanation names it', () => {
    const e = new RecurrenceEngine();
    corpus(e);
    const a = doc('Add-on manager broken in 2.53.7');
    const b = doc('Add-on manager broken in 2.49.4');
    e.upsert(a);
    e.upsert(b);
    const q = doc('Since 2.53.7 the add-on manager is broken', { at: T0 + DAY });
    const m = e.rank(q);
    expect(m[0]?.id).toBe(a.id);
    expect((m[0]?.text ?? 0) - (m[1]?.text ?? 0)).toBeGreaterThan(0.1);
    expect(e.sharedTerms(q, a.id)).toContain('ver:2.53.7');
    // The release line is derived, not written in either text: it counts but is not named.
    expect(e.sharedTerms(q, a.id)).not.toContain('line:2.53');
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
    const m = (score: number, titleCoverage = 1) => ({
      id: 1,
      score,
      text: 0.7,
      titleSim: 0.9,
      titleCoverage,
      coverage: titleCoverage,
      similarity: 0.7,
      ageDays: 0,
      sharedServices: [],
      sameCategory: false,
      sharedSignatures: [],
    });
    expect(confidence([m(8), m(7.9)])).toBeLessThan(DEFAULT_POLICY.warn);
    expect(shouldWarn([m(8), m(2)])).toBe(true);
    // The same lead, but the earlier incident shares little of the new incident's words: a look-alike.
    expect(shouldWarn([m(8, 0.1), m(2)])).toBe(false);
    expect(shouldWarn([])).toBe(false);
  });
});

/** A deterministic history of plausible incident titles (subject × symptom × context). */
function history(n: number): string[] {
  const subjects = [
    'Search',
    'Login',
    'Billing',
    'CDN',
    'Mobile app',
    'Checkout',
    'Reports',
    'Webhooks',
    'Inbox',
    'Exports',
    'Auth tokens',
    'Feature flags',
    'Image uploads',
  ];
  const symptoms = [
    'slow responses',
    'timeouts',
    'errors for some users',
    'stale data',
    'duplicate emails',
    'high memory',
    'failed jobs',
    'missing events',
    'crash loop',
    'cert expiry',
  ];
  const contexts = [
    'after deploy',
    'in eu-west',
    'during backup',
    'for enterprise plans',
    'on Android',
    'behind the proxy',
    'at peak traffic',
    'after failover',
  ];
  const out: string[] = [...BACKGROUND_TITLES];
  for (let i = 0; out.length < n; i++)
    out.push(
      `${subjects[i % subjects.length]} ${symptoms[(i * 7) % symptoms.length]} ${contexts[(i * 3) % contexts.length]}`,
    );
  return out.slice(0, n);
}

describe('near-copies are strong matches', () => {
  /** An earlier incident among a background history, then the new one; the warning's confidence. */
  function check(earlier: string, now: string, background = 300) {
    const e = new RecurrenceEngine();
    for (const t of history(background)) e.upsert(doc(t, { at: T0 - 300 * DAY }));
    const old = doc(earlier, { at: T0 - 30 * DAY });
    e.upsert(old);
    const m = e.rank(doc(now));
    return {
      top: m[0]?.id === old.id,
      warn: shouldWarn(m),
      confidence: confidence(m),
      titleSim: m[0]?.titleSim,
    };
  }

  it('same words reordered, "does not start" for "doesn\'t launch": a warning, not "possibly related"', () => {
    const r = check(
      "SeaMonkey doesn't launch on macOS 15.1 Sequoia",
      'SeaMonkey does not start on macOS Sequoia 15.1',
    );
    expect(r.top).toBe(true);
    expect(r.warn).toBe(true);
  });

  it('a version changed: a warning', () => {
    const r = check(
      'Checkout fails with 502 after deploy of release 4.2.1',
      'Checkout fails with 502 after deploy of release 4.3.0',
    );
    expect(r.top).toBe(true);
    expect(r.titleSim).toBeGreaterThan(0.99);
    expect(r.warn).toBe(true);
  });

  it('an ID changed: a warning', () => {
    const r = check(
      'Job 83412 stuck in payout queue on worker-17',
      'Job 99120 stuck in payout queue on worker-17',
    );
    expect(r.top).toBe(true);
    expect(r.warn).toBe(true);
  });

  it('an unrelated incident gets no warning', () => {
    const r = check('Job 83412 stuck in payout queue on worker-17', 'Office printer out of toner on floor 3');
    expect(r.warn).toBe(false);
  });

  it('confidence means about the same with a small or a large history', () => {
    const small = check(
      'Payments webhook retries pile up in queue',
      'Payments webhook retries piling up in the queue',
      10,
    );
    const large = check(
      'Payments webhook retries pile up in queue',
      'Payments webhook retries piling up in the queue',
    );
    expect(small.warn && large.warn).toBe(true);
    expect(Math.abs(small.confidence - large.confidence)).toBeLessThan(0.1);
  });
});
