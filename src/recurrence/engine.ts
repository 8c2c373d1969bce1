import { categoryTerm, serviceTerm, signatures, tagTerm, words } from './tokenize.js';

/**
 * The recurrence index: an in-memory inverted index over every incident's text with field weights,
 * ranked by tf-idf cosine (MoreLikeThis-style cut query), then re-scored with structured signals.
 *
 * Why in memory and not FTS5: FTS5's bm25() needs a MATCH per query term and scans every posting of
 * every term; with a 40-term OR query against 100k incidents it measured far above the 10 ms budget,
 * and BM25 also ranked worse than cosine on the dev set (see README). The database stays the source of
 * truth; the index is rebuilt from it at start (a second for 100k incidents) and kept in step by the
 * hooks (src/recurrence/store.ts).
 */

export interface RecurrenceDoc {
  /** incidents.id */
  id: number;
  /** When it happened (declared or imported date), epoch ms. */
  at: number;
  title: string;
  description: string;
  services: readonly string[];
  tags: readonly string[];
  rootCause?: string | null;
  category?: string | null;
  resolution?: string | null;
  /** Captured timeline text (notes, updates, messages), joined. */
  timeline?: string | null;
}

export interface EngineWeights {
  title: number;
  /** Adjacent title word pairs ("disk full" is more than "disk" and "full"). */
  titleBigram: number;
  description: number;
  rootCause: number;
  resolution: number;
  timeline: number;
  signature: number;
  service: number;
  tag: number;
  category: number;
  /** Query terms kept (highest tf-idf first). */
  queryTerms: number;
  /** Bonus for each shared service (Jaccard-scaled), same category, shared signature. */
  sameService: number;
  sameCategory: number;
  sharedSignature: number;
  /** Recency bonus: recency * exp(-ageDays / recencyDays). */
  recency: number;
  recencyDays: number;
}

/** Chosen by measurement on ../shared/eval/incidents-dev.jsonl (see README "Recurrence: figures"). */
export const DEFAULT_WEIGHTS: EngineWeights = {
  title: 3,
  titleBigram: 0,
  description: 0.7,
  rootCause: 2,
  resolution: 1,
  timeline: 0.5,
  signature: 2,
  service: 2,
  tag: 1,
  category: 1,
  queryTerms: 40,
  sameService: 0.1,
  sameCategory: 0.05,
  sharedSignature: 0.03,
  recency: 0.1,
  recencyDays: 120,
};

export interface Match {
  id: number;
  /** The calibrated score the warn decision reads. */
  score: number;
  /** Text cosine alone (0..1). */
  text: number;
  ageDays: number;
  sharedServices: string[];
  sameCategory: boolean;
  sharedSignatures: string[];
}

export interface RankOptions {
  limit?: number;
  /** Candidates to leave out (the incident itself, pairs marked "Not related"). */
  exclude?: (id: number) => boolean;
  /** Only incidents that happened before this time (the eval; "earlier" incidents). */
  before?: number;
}

interface Stored {
  id: number;
  at: number;
  terms: Int32Array;
  wts: Float32Array;
  services: string[];
  category: string | null;
  sigs: string[];
}

const DAY = 86_400_000;
/** A query term found in more than this share of incidents (and more than the floor) is dropped. */
const MAX_DF_SHARE = 0.05;
const MAX_DF_FLOOR = 1000;

/** Field-weighted term frequencies of a document. */
export function termWeights(doc: RecurrenceDoc, w: EngineWeights): Map<string, number> {
  const tf = new Map<string, number>();
  const add = (terms: Iterable<string>, weight: number) => {
    if (weight <= 0) return;
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + weight);
  };
  const titleWords = words(doc.title);
  add(titleWords, w.title);
  if (w.titleBigram > 0) add(bigrams(titleWords), w.titleBigram);
  add(words(doc.description), w.description);
  if (doc.rootCause) add(words(doc.rootCause), w.rootCause);
  if (doc.resolution) add(words(doc.resolution), w.resolution);
  if (doc.timeline) add(words(doc.timeline), w.timeline);
  add(docSignatures(doc), w.signature);
  add(doc.services.map(serviceTerm), w.service);
  add(doc.tags.map(tagTerm), w.tag);
  if (doc.category) add([categoryTerm(doc.category)], w.category);
  return tf;
}

export function docSignatures(doc: RecurrenceDoc): string[] {
  const all = new Set<string>();
  for (const text of [doc.title, doc.description, doc.rootCause, doc.timeline]) {
    if (text) for (const s of signatures(text)) all.add(s);
  }
  return [...all];
}

function bigrams(ws: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < ws.length; i++) out.push(`bi:${ws[i - 1]}_${ws[i]}`);
  return out;
}

const EMPTY_I32 = new Int32Array(0);
const EMPTY_F32 = new Float32Array(0);

const wtf = (tf: number): number => (tf >= 1 ? 1 + Math.log(tf) : tf);

export class RecurrenceEngine {
  readonly weights: EngineWeights;
  private readonly dict = new Map<string, number>();
  private readonly termNames: string[] = [];
  /** Per term: the slots that hold it and the (field-weighted, log) tf there. */
  private postDocs: Int32Array[] = [];
  private postWts: Float32Array[] = [];
  private postLen: number[] = [];
  private df: number[] = [];
  private slots: (Stored | null)[] = [];
  private readonly slotOf = new Map<number, number>();
  private norms: number[] = [];
  private live = 0;
  private normsAt = 0;
  private dead = 0;
  /** Learned from feedback: a multiplier per term (src/recurrence/feedback.ts). */
  private readonly termFactor = new Map<number, number>();
  private scratch = new Float64Array(1024);
  private touchedBuf = new Int32Array(1024);

  constructor(weights: Partial<EngineWeights> = {}) {
    this.weights = { ...DEFAULT_WEIGHTS, ...weights };
  }

  get size(): number {
    return this.live;
  }

  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  private termId(t: string, create: boolean): number {
    let id = this.dict.get(t);
    if (id === undefined && create) {
      id = this.termNames.length;
      this.dict.set(t, id);
      this.termNames.push(t);
      this.postDocs.push(EMPTY_I32);
      this.postWts.push(EMPTY_F32);
      this.postLen.push(0);
      this.df.push(0);
    }
    return id ?? -1;
  }

  private idf(termId: number): number {
    const df = termId >= 0 ? (this.df[termId] ?? 0) : 0;
    return Math.log((this.live + 1) / (df + 1)) + 1;
  }

  /** Adds or replaces an incident. */
  upsert(doc: RecurrenceDoc): void {
    if (this.slotOf.has(doc.id)) this.remove(doc.id);
    const tf = termWeights(doc, this.weights);
    const terms = new Int32Array(tf.size);
    const wts = new Float32Array(tf.size);
    const slot = this.slots.length;
    let i = 0;
    for (const [t, f] of tf) {
      const id = this.termId(t, true);
      terms[i] = id;
      wts[i] = wtf(f);
      this.append(id, slot, wts[i] as number);
      this.df[id] = (this.df[id] ?? 0) + 1;
      i++;
    }
    const services = [...new Set(doc.services.map((s) => s.trim().toLowerCase()).filter(Boolean))];
    this.slots.push({
      id: doc.id,
      at: doc.at,
      terms,
      wts,
      services,
      category: doc.category?.trim().toLowerCase() || null,
      sigs: docSignatures(doc),
    });
    this.slotOf.set(doc.id, slot);
    this.live++;
    this.norms[slot] = this.norm(terms, wts);
    // idf drifts as the corpus grows; renormalise geometrically so the cost stays amortised O(1).
    if (this.live > 64 && this.live >= this.normsAt * 1.25) this.renormalise();
  }

  remove(id: number): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const s = this.slots[slot];
    if (s) for (const t of s.terms) this.df[t] = (this.df[t] ?? 1) - 1;
    this.slots[slot] = null;
    this.slotOf.delete(id);
    this.live--;
    this.dead++;
    if (this.dead > 1000 && this.dead > this.live / 4) this.compact();
  }

  /** Postings are typed arrays grown by doubling: a quarter of the memory of plain arrays. */
  private append(term: number, slot: number, w: number): void {
    const len = this.postLen[term] as number;
    let docs = this.postDocs[term] as Int32Array;
    if (len === docs.length) {
      const cap = Math.max(2, len * 2);
      const nd = new Int32Array(cap);
      nd.set(docs);
      const nw = new Float32Array(cap);
      nw.set(this.postWts[term] as Float32Array);
      this.postDocs[term] = docs = nd;
      this.postWts[term] = nw;
    }
    docs[len] = slot;
    (this.postWts[term] as Float32Array)[len] = w;
    this.postLen[term] = len + 1;
  }

  private norm(terms: Int32Array, wts: Float32Array): number {
    let n = 0;
    for (let i = 0; i < terms.length; i++) {
      const v = (wts[i] as number) * this.idf(terms[i] as number);
      n += v * v;
    }
    return Math.sqrt(n) || 1;
  }

  private renormalise(): void {
    for (let slot = 0; slot < this.slots.length; slot++) {
      const s = this.slots[slot];
      if (s) this.norms[slot] = this.norm(s.terms, s.wts);
    }
    this.normsAt = this.live;
  }

  /** Drops removed slots from the postings (after many updates). */
  private compact(): void {
    const docs = this.slots.filter((s): s is Stored => s !== null);
    this.slots = [];
    this.slotOf.clear();
    this.postDocs = this.postDocs.map(() => EMPTY_I32);
    this.postWts = this.postWts.map(() => EMPTY_F32);
    this.postLen = this.postLen.map(() => 0);
    this.norms = [];
    for (const s of docs) {
      const slot = this.slots.length;
      this.slots.push(s);
      this.slotOf.set(s.id, slot);
      for (let i = 0; i < s.terms.length; i++) {
        const t = s.terms[i] as number;
        this.append(t, slot, s.wts[i] as number);
      }
    }
    this.dead = 0;
    this.renormalise();
  }

  /** Feedback: terms shared by pairs people judged, scaled up ("same") or down ("not related"). */
  setTermFactor(term: string, factor: number): void {
    const id = this.termId(term, false);
    if (id < 0) return;
    if (factor === 1) this.termFactor.delete(id);
    else this.termFactor.set(id, factor);
  }

  private maxDf(): number {
    return Math.max(MAX_DF_FLOOR, this.live * MAX_DF_SHARE);
  }

  /** The query vector: field-weighted tf-idf, cut to the strongest terms. */
  private queryVector(doc: RecurrenceDoc): { ids: number[]; wts: number[]; norm: number } {
    const tf = termWeights(doc, this.weights);
    const all: { id: number; w: number }[] = [];
    let norm = 0;
    for (const [t, f] of tf) {
      const id = this.termId(t, false);
      const w = wtf(f) * this.idf(id);
      norm += w * w;
      // Terms in a large share of all incidents carry little evidence and the longest postings:
      // leaving them out of the query is what keeps ranking fast at 100k (MoreLikeThis's maxDocFreq).
      if (id >= 0 && (this.df[id] ?? 0) <= this.maxDf()) all.push({ id, w });
    }
    all.sort((a, b) => b.w - a.w);
    const kept = all.slice(0, this.weights.queryTerms);
    // Normalise by the kept terms, so a long query is not penalised for words it dropped; learned
    // factors apply after normalising, so a down-weighted term really lowers the score.
    let keptNorm = 0;
    for (const k of kept) keptNorm += k.w * k.w;
    return {
      ids: kept.map((k) => k.id),
      wts: kept.map((k) => k.w * (this.termFactor.get(k.id) ?? 1)),
      norm: Math.sqrt(keptNorm || norm) || 1,
    };
  }

  rank(doc: RecurrenceDoc, opts: RankOptions = {}): Match[] {
    const limit = opts.limit ?? 10;
    const q = this.queryVector(doc);
    if (this.scratch.length < this.slots.length) {
      this.scratch = new Float64Array(this.slots.length * 2);
      this.touchedBuf = new Int32Array(this.slots.length * 2);
    }
    const acc = this.scratch;
    // Reused buffers: no per-query garbage, so no GC pauses in the tail latency.
    const touched = this.touchedBuf;
    let nTouched = 0;
    for (let k = 0; k < q.ids.length; k++) {
      const t = q.ids[k] as number;
      const qw = (q.wts[k] as number) * this.idf(t);
      const docs = this.postDocs[t] as Int32Array;
      const wts = this.postWts[t] as Float32Array;
      const len = this.postLen[t] as number;
      for (let j = 0; j < len; j++) {
        const slot = docs[j] as number;
        if (acc[slot] === 0) touched[nTouched++] = slot;
        acc[slot] = (acc[slot] as number) + qw * (wts[j] as number);
      }
    }
    // Text cosine first; structured signals re-score a generous head of the list.
    const head = Math.max(limit * 5, 50);
    const best: { slot: number; cos: number }[] = [];
    let floor = 0;
    for (let k = 0; k < nTouched; k++) {
      const slot = touched[k] as number;
      const dot = acc[slot] as number;
      acc[slot] = 0;
      const s = this.slots[slot];
      if (!s || s.id === doc.id) continue;
      if (opts.before !== undefined && s.at >= opts.before) continue;
      const cos = dot / (q.norm * (this.norms[slot] as number));
      if (best.length >= head && cos <= floor) continue;
      if (opts.exclude?.(s.id)) continue;
      best.push({ slot, cos });
      if (best.length >= head * 2) {
        best.sort((a, b) => b.cos - a.cos);
        best.length = head;
        floor = best[head - 1]?.cos ?? 0;
      }
    }
    best.sort((a, b) => b.cos - a.cos);
    if (best.length > head) best.length = head;

    const w = this.weights;
    const qServices = new Set(doc.services.map((s) => s.trim().toLowerCase()).filter(Boolean));
    const qCategory = doc.category?.trim().toLowerCase() || null;
    const qSigs = new Set(docSignatures(doc));
    const out: Match[] = best.map(({ slot, cos }) => {
      const s = this.slots[slot] as Stored;
      const sharedServices = s.services.filter((x) => qServices.has(x));
      const union = new Set([...s.services, ...qServices]).size;
      const sameCategory = qCategory !== null && s.category === qCategory;
      const sharedSignatures = s.sigs.filter((x) => qSigs.has(x));
      const ageDays = Math.max(0, (doc.at - s.at) / DAY);
      const score =
        cos +
        (union > 0 ? (w.sameService * sharedServices.length) / union : 0) +
        (sameCategory ? w.sameCategory : 0) +
        w.sharedSignature * Math.min(3, sharedSignatures.length) +
        w.recency * Math.exp(-ageDays / w.recencyDays);
      return { id: s.id, score, text: cos, ageDays, sharedServices, sameCategory, sharedSignatures };
    });
    out.sort((a, b) => b.score - a.score);
    return out.slice(0, limit);
  }

  /** The terms both incidents share, strongest first (for explanations a person can check). */
  sharedTerms(a: RecurrenceDoc, bId: number, max = 8): string[] {
    const slot = this.slotOf.get(bId);
    const s = slot === undefined ? null : this.slots[slot];
    if (!s) return [];
    const q = termWeights(a, this.weights);
    const shared: { t: string; w: number }[] = [];
    for (let i = 0; i < s.terms.length; i++) {
      const name = this.termNames[s.terms[i] as number] as string;
      const f = q.get(name);
      if (f === undefined || name.includes(':')) continue;
      shared.push({ t: name, w: wtf(f) * (s.wts[i] as number) * this.idf(s.terms[i] as number) ** 2 });
    }
    shared.sort((x, y) => y.w - x.w);
    return shared.slice(0, max).map((x) => x.t);
  }
}
