import { RANK_MODEL } from './model.js';
import { Postings, quantize, WEIGHT } from './postings.js';
import { categoryTerm, serviceTerm, signatures, tagTerm, versions, words } from './tokenize.js';

/**
 * The recurrence index: an in-memory inverted index over every incident's text with field weights,
 * ranked by tf-idf cosine (MoreLikeThis-style cut query), then re-ranked by a small learned model over
 * pair features a person can check (text cosine, title similarity, age; src/recurrence/model.ts) plus
 * structured signals (same service, category, error signature).
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
  /** Dotted version numbers (`ver:` terms) of the title and description. */
  version: number;
  service: number;
  tag: number;
  category: number;
  /** Query terms kept (highest tf-idf first). */
  queryTerms: number;
  /**
   * Bonus (in cosine units) for shared services (Jaccard-scaled), same category, shared signatures.
   * Priors, not learned: the dev set has none of these fields filled.
   */
  sameService: number;
  sameCategory: number;
  sharedSignature: number;
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
  version: 2,
  service: 2,
  tag: 1,
  category: 1,
  queryTerms: 40,
  sameService: 0.1,
  sameCategory: 0.05,
  sharedSignature: 0.03,
};

export interface Match {
  id: number;
  /** The ranking score (log-odds scale of the learned re-ranker, src/recurrence/model.ts); best first. */
  score: number;
  /** Text cosine alone (0..1). */
  text: number;
  /** Cosine of the two titles alone (0..1): near-copies of a title score near 1. */
  titleSim: number;
  /** Share of the new title's weight (idf) found anywhere in the earlier incident's text (0..1). */
  titleCoverage: number;
  /** Share of the new incident's query weight (its strongest terms, any field) the earlier one holds (0..1). */
  coverage: number;
  /** Text cosine plus the structured bonuses (the "possibly related" cut reads it). */
  similarity: number;
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

const DAY = 86_400_000;
/** A query term found in more than this share of incidents (and more than the floor) is dropped. */
const MAX_DF_SHARE = 0.05;
const MAX_DF_FLOOR = 1000;

/** Calls `add` with every field's terms (occurrences, duplicates kept) and the field's weight. */
function eachField(
  doc: RecurrenceDoc,
  w: EngineWeights,
  add: (terms: readonly string[], weight: number) => void,
  titleWords: readonly string[] = words(doc.title),
): void {
  add(titleWords, w.title);
  if (w.titleBigram > 0) add(bigrams([...titleWords]), w.titleBigram);
  add(words(doc.description), w.description);
  if (doc.rootCause) add(words(doc.rootCause), w.rootCause);
  if (doc.resolution) add(words(doc.resolution), w.resolution);
  if (doc.timeline) add(words(doc.timeline), w.timeline);
  add(docSignatures(doc), w.signature);
  if (w.version > 0) {
    add(versions(doc.title), w.version);
    add(versions(doc.description), w.version);
  }
  add(doc.services.map(serviceTerm), w.service);
  add(doc.tags.map(tagTerm), w.tag);
  if (doc.category) add([categoryTerm(doc.category)], w.category);
}

/** Field-weighted term frequencies of a document. */
export function termWeights(doc: RecurrenceDoc, w: EngineWeights): Map<string, number> {
  const tf = new Map<string, number>();
  eachField(doc, w, (terms, weight) => {
    if (weight <= 0) return;
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + weight);
  });
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

/** The code of weight 1 (root-cause postings count shared words). */
const ONE = quantize(1);

const wtf = (tf: number): number => (tf >= 1 ? 1 + Math.log(tf) : tf);

/** Postings of work between yields when a bulk load finishes in steps (~30 ms here). */
const STEP_POSTINGS = 500_000;

function drain(steps: Generator<void, void, void>): void {
  let r = steps.next();
  while (!r.done) r = steps.next();
}

/** Incident ids below this map to slots through a flat array; others (never in practice) through a Map. */
const FLAT_IDS = 1 << 24;

/** 32-bit FNV-1a over a document's content: an unchanged incident is not re-indexed. */
function contentHash(doc: RecurrenceDoc): number {
  let h = 0x811c9dc5;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x1f, 0x01000193);
  };
  mix(String(doc.at));
  mix(doc.title);
  mix(doc.description);
  for (const s of doc.services) mix(s);
  mix('\u0002');
  for (const s of doc.tags) mix(s);
  mix(doc.rootCause ?? '\u0003');
  mix(doc.category ?? '\u0003');
  mix(doc.resolution ?? '\u0003');
  mix(doc.timeline ?? '');
  return h >>> 0;
}

const normalise = (s: string): string => s.trim().toLowerCase();

/**
 * Memory layout (the index must fit a 150 MB bot with 100k incidents): terms are interned to
 * integer ids; postings live in shared pools (src/recurrence/postings.ts); everything known per
 * incident is a column in a typed array indexed by slot. There are no per-incident objects, term
 * lists or Maps: the structured signals (shared services, signatures, category) and explanations
 * are read back from the postings by binary search, and a removal finds the incident's terms by
 * scanning the vocabulary (rare: only an incident whose content changed is re-indexed).
 */
export class RecurrenceEngine {
  readonly weights: EngineWeights;
  private readonly dict = new Map<string, number>();
  private text = new Postings();
  /** Root-cause word sets, for "this root cause also caused …" (weights unused). */
  private rc = new Postings();
  /** Per term: incidents holding it (live only). */
  private df = new Int32Array(1024);
  /** Per term, zero between calls: marks terms already handled while removing an incident. */
  private seen = new Uint8Array(1024);
  // Per slot columns. A slot whose id is -1 is dead (replaced or removed) until compaction.
  private ids = new Int32Array(1024);
  private ats = new Float64Array(1024);
  private norms = new Float32Array(1024);
  private hashes = new Uint32Array(1024);
  private svcCount = new Uint8Array(1024);
  /** The category's term id, or -1. */
  private cats = new Int32Array(1024);
  /** Distinct root-cause words (0: no root cause). */
  private rcWords = new Uint16Array(1024);
  /** Distinct text terms (what a removal must find). */
  private termCounts = new Uint16Array(1024);
  /**
   * Each slot's distinct title term ids, in one flat pool (titleAt[slot], titleLen[slot]): the
   * re-ranker compares titles, and a few ints per incident cost less than title postings would.
   */
  private titlePool = new Int32Array(8192);
  private titleUsed = 0;
  private titleAt = new Uint32Array(1024);
  private titleLen = new Uint8Array(1024);
  private nSlots = 0;
  private slotByIdFlat = new Int32Array(1024).fill(-1);
  private readonly slotByIdOther = new Map<number, number>();
  private live = 0;
  private normsAt = 0;
  private dead = 0;
  private bulk = false;
  /** Learned from feedback: a multiplier per term (src/recurrence/feedback.ts). */
  private readonly termFactor = new Map<number, number>();
  private scratch = new Float64Array(1024);
  private touchedBuf = new Int32Array(1024);
  private termBuf = new Int32Array(256);
  /** upsert's term frequencies by term id (zero between calls) and the ids it touched. */
  private tfAcc = new Float64Array(1024);
  private readonly tfTerms: number[] = [];
  private readonly addTf = (terms: readonly string[], weight: number): void => {
    if (weight <= 0) return;
    for (const t of terms) {
      const id = this.termId(t, true);
      if (this.tfAcc[id] === 0) this.tfTerms.push(id);
      this.tfAcc[id] = (this.tfAcc[id] as number) + weight;
    }
  };
  private codeBuf = new Uint8Array(256);

  constructor(weights: Partial<EngineWeights> = {}) {
    this.weights = { ...DEFAULT_WEIGHTS, ...weights };
  }

  get size(): number {
    return this.live;
  }

  has(id: number): boolean {
    return this.slotOf(id) >= 0;
  }

  private slotOf(id: number): number {
    if (id >= 0 && id < FLAT_IDS)
      return id < this.slotByIdFlat.length ? (this.slotByIdFlat[id] as number) : -1;
    return this.slotByIdOther.get(id) ?? -1;
  }

  private setSlotOf(id: number, slot: number): void {
    if (id >= 0 && id < FLAT_IDS) {
      if (id >= this.slotByIdFlat.length) {
        let cap = this.slotByIdFlat.length;
        while (cap <= id) cap *= 2;
        const next = new Int32Array(cap).fill(-1);
        next.set(this.slotByIdFlat);
        this.slotByIdFlat = next;
      }
      this.slotByIdFlat[id] = slot;
    } else if (slot < 0) this.slotByIdOther.delete(id);
    else this.slotByIdOther.set(id, slot);
  }

  private termId(t: string, create: boolean): number {
    let id = this.dict.get(t);
    if (id === undefined && create) {
      id = this.dict.size;
      this.dict.set(t, id);
      if (id >= this.df.length) {
        const df = new Int32Array(this.df.length * 2);
        df.set(this.df);
        this.df = df;
        const acc = new Float64Array(this.df.length);
        acc.set(this.tfAcc);
        this.tfAcc = acc;
        const seen = new Uint8Array(this.df.length);
        seen.set(this.seen);
        this.seen = seen;
      }
    }
    return id ?? -1;
  }

  private idf(termId: number): number {
    const df = termId >= 0 ? (this.df[termId] ?? 0) : 0;
    return Math.log((this.live + 1) / (df + 1)) + 1;
  }

  /**
   * Sizes the columns for `incidents` and the id map for ids up to `maxId` before a bulk load:
   * growing by doubling frees a trail of ever larger buffers, which the C allocator keeps as holes
   * (measured: tens of MB of RSS at 100k), so a load that knows its size allocates once.
   */
  reserve(incidents: number, maxId: number): void {
    if (incidents > this.ids.length) this.growSlots(incidents);
    if (maxId >= this.slotByIdFlat.length && maxId < FLAT_IDS) {
      const next = new Int32Array(maxId + 1 + (maxId >> 4)).fill(-1);
      next.set(this.slotByIdFlat);
      this.slotByIdFlat = next;
    }
    if (incidents > this.scratch.length) {
      this.scratch = new Float64Array(incidents);
      this.touchedBuf = new Int32Array(incidents);
    }
    this.text.reserve(incidents);
    // Incident titles hold about 6–12 distinct words; sized once so a load does not regrow it.
    const titleTerms = incidents * 12;
    if (titleTerms > this.titlePool.length) {
      const next = new Int32Array(titleTerms);
      next.set(this.titlePool.subarray(0, this.titleUsed));
      this.titlePool = next;
    }
  }

  private growSlots(atLeast = 0): void {
    const cap = Math.max(atLeast, this.ids.length * 2);
    const g = <T extends Int32Array | Float64Array | Float32Array | Uint32Array | Uint8Array | Uint16Array>(
      a: T,
    ): T => {
      const b = new (a.constructor as { new (n: number): T })(cap);
      b.set(a as never);
      return b;
    };
    this.ids = g(this.ids);
    this.ats = g(this.ats);
    this.norms = g(this.norms);
    this.hashes = g(this.hashes);
    this.svcCount = g(this.svcCount);
    this.cats = g(this.cats);
    this.rcWords = g(this.rcWords);
    this.termCounts = g(this.termCounts);
    this.titleAt = g(this.titleAt);
    this.titleLen = g(this.titleLen);
  }

  /** Stores a slot's distinct title terms (at most 255) at the end of the pool. */
  private setTitle(slot: number, titleWords: readonly string[]): void {
    const at = this.titleUsed;
    let n = 0;
    for (const t of titleWords) {
      const id = this.termId(t, true);
      let dup = false;
      for (let k = at; k < at + n; k++) if (this.titlePool[k] === id) dup = true;
      if (dup) continue;
      if (n === 255) break;
      if (at + n >= this.titlePool.length) {
        // Grows by half: a doubled pool would leave a hole the C allocator keeps (see reserve).
        const next = new Int32Array(Math.ceil(this.titlePool.length * 1.5) + 16);
        next.set(this.titlePool.subarray(0, at + n));
        this.titlePool = next;
      }
      this.titlePool[at + n++] = id;
    }
    this.titleAt[slot] = at;
    this.titleLen[slot] = n;
    this.titleUsed = at + n;
  }

  /** Adds or replaces an incident (a no-op when its content is unchanged). */
  upsert(doc: RecurrenceDoc): void {
    const hash = contentHash(doc);
    const old = this.slotOf(doc.id);
    if (old >= 0 && this.hashes[old] === hash) return;
    // Term frequencies summed by term id in a reused array: one dictionary lookup per word and no
    // Map per incident (the load's hot path).
    this.tfTerms.length = 0;
    // The title is tokenized once: for the text postings and for the slot's title terms.
    const titleWords = words(doc.title);
    eachField(doc, this.weights, this.addTf, titleWords);
    // The new version's terms are where the old one's are most likely found (a note only adds).
    if (old >= 0) this.removeSlot(doc.id, old, this.tfTerms);
    if (this.nSlots === this.ids.length) this.growSlots();
    const slot = this.nSlots++;
    const k = this.tfTerms.length;
    if (this.termBuf.length < k) {
      this.termBuf = new Int32Array(k * 2);
      this.codeBuf = new Uint8Array(k * 2);
    }
    const termIds = this.termBuf;
    const codes = this.codeBuf;
    for (let j = 0; j < k; j++) {
      const id = this.tfTerms[j] as number;
      const q = quantize(wtf(this.tfAcc[id] as number));
      this.tfAcc[id] = 0;
      this.text.append(id, slot, q);
      this.df[id] = (this.df[id] as number) + 1;
      termIds[j] = id;
      codes[j] = q;
    }
    // The norm after df counted this incident, from the stored (quantized) weights, as renormalise does.
    let norm = 0;
    if (!this.bulk) {
      for (let j = 0; j < k; j++) {
        const v = (WEIGHT[codes[j] as number] as number) * this.idf(termIds[j] as number);
        norm += v * v;
      }
    }
    const cat = doc.category ? normalise(doc.category) : '';
    let rcN = 0;
    if (doc.rootCause) {
      for (const w of new Set(words(doc.rootCause))) {
        this.rc.append(this.termId(w, true), slot, ONE);
        rcN++;
      }
    }
    this.ids[slot] = doc.id;
    this.ats[slot] = doc.at;
    this.norms[slot] = Math.sqrt(norm) || 1;
    this.hashes[slot] = hash;
    this.svcCount[slot] = Math.min(255, new Set(doc.services.map(normalise).filter(Boolean)).size);
    this.cats[slot] = cat ? this.termId(categoryTerm(cat), true) : -1;
    this.rcWords[slot] = Math.min(65535, rcN);
    this.termCounts[slot] = k;
    this.setTitle(slot, titleWords);
    this.setSlotOf(doc.id, slot);
    this.live++;
    // idf drifts as the corpus grows; renormalise geometrically so the cost stays amortised O(1).
    if (!this.bulk && this.live >= this.normsAt * 1.25) this.renormalise();
  }

  /**
   * Many upserts in a row (the start-up load): norms are brought up to date once at the end
   * instead of geometrically along the way. Nothing may read or write the index until
   * endBulkSteps() has run to its end.
   */
  beginBulk(): void {
    this.bulk = true;
  }

  /**
   * Ends a bulk load in steps of about `step` postings of work (the caller yields to the event loop
   * between steps): norms, then, with `pack`, the postings rewritten without growth slack.
   */
  *endBulkSteps(pack: boolean, step = STEP_POSTINGS): Generator<void, void, void> {
    yield* this.renormaliseSteps(step);
    this.bulk = false;
    if (pack) yield* this.compactSteps(step);
  }

  endBulk(): void {
    drain(this.endBulkSteps(false, Number.POSITIVE_INFINITY));
  }

  remove(id: number): void {
    const slot = this.slotOf(id);
    if (slot >= 0) this.removeSlot(id, slot, []);
  }

  /**
   * No per-incident term list is kept, so the incident's terms (whose df must drop) are found in the
   * postings: first among `likely` terms, and only if some are still missing (the text lost words)
   * by scanning the vocabulary. Root-cause postings carry no df; a dead slot's are skipped on read.
   */
  private removeSlot(id: number, slot: number, likely: readonly number[]): void {
    let left = this.termCounts[slot] as number;
    const found: number[] = [];
    for (const t of likely) {
      if (left === 0) break;
      if (this.text.weightAt(t, slot) >= 0) {
        this.df[t] = (this.df[t] as number) - 1;
        this.seen[t] = 1;
        found.push(t);
        left--;
      }
    }
    const terms = this.text.terms;
    for (let t = 0; t < terms && left > 0; t++) {
      if (this.seen[t] === 0 && this.text.len(t) > 0 && this.text.weightAt(t, slot) >= 0) {
        this.df[t] = (this.df[t] as number) - 1;
        left--;
      }
    }
    for (const t of found) this.seen[t] = 0;
    this.ids[slot] = -1;
    this.setSlotOf(id, -1);
    this.live--;
    this.dead++;
    if (this.dead > 1000 && this.dead > this.live / 4) this.compact();
  }

  private renormalise(): void {
    drain(this.renormaliseSteps(Number.POSITIVE_INFINITY));
  }

  private *renormaliseSteps(step: number): Generator<void, void, void> {
    const acc = new Float64Array(this.nSlots);
    const terms = this.text.terms;
    let work = 0;
    for (let t = 0; t < terms; t++) {
      const len = this.text.len(t);
      if (len === 0) continue;
      const idf = this.idf(t);
      this.text.forEach(t, (slot, q) => {
        const v = (WEIGHT[q] as number) * idf;
        acc[slot] = (acc[slot] as number) + v * v;
      });
      work += len;
      if (work >= step) {
        work = 0;
        yield;
      }
    }
    for (let s = 0; s < this.nSlots; s++) this.norms[s] = Math.sqrt(acc[s] as number) || 1;
    this.normsAt = this.live;
  }

  private compact(): void {
    drain(this.compactSteps(Number.POSITIVE_INFINITY));
  }

  /**
   * Drops dead slots: postings are rewritten without them (and without slack) into new pools, then
   * the columns shift down and the new pools replace the old in one synchronous step.
   */
  private *compactSteps(step: number): Generator<void, void, void> {
    const newSlot = new Int32Array(this.nSlots).fill(-1);
    let n = 0;
    for (let s = 0; s < this.nSlots; s++) if ((this.ids[s] as number) >= 0) newSlot[s] = n++;
    let work = 0;
    let slots = new Int32Array(1024);
    let wts = new Uint8Array(1024);
    const rewritten: Postings[] = [];
    for (const from of [this.text, this.rc]) {
      const to = new Postings();
      for (let t = 0; t < from.terms; t++) {
        const len = from.len(t);
        if (len === 0) continue;
        if (len > slots.length) {
          slots = new Int32Array(len * 2);
          wts = new Uint8Array(len * 2);
        }
        let k = 0;
        from.forEach(t, (slot, q) => {
          const ns = newSlot[slot] as number;
          if (ns < 0) return;
          slots[k] = ns;
          wts[k++] = q;
        });
        if (k > 0) to.appendRun(t, slots, wts, k);
        work += len;
        if (work >= step) {
          work = 0;
          yield;
        }
      }
      to.trim();
      rewritten.push(to);
    }
    // Title terms move down in the pool as the slots do (m <= s, so nothing is overwritten unread).
    let titleUsed = 0;
    for (let s = 0; s < this.nSlots; s++) {
      const m = newSlot[s] as number;
      if (m < 0) continue;
      const at = this.titleAt[s] as number;
      const len = this.titleLen[s] as number;
      this.titlePool.copyWithin(titleUsed, at, at + len);
      this.titleAt[m] = titleUsed;
      this.titleLen[m] = len;
      titleUsed += len;
      const id = this.ids[s] as number;
      this.ids[m] = id;
      this.ats[m] = this.ats[s] as number;
      this.norms[m] = this.norms[s] as number;
      this.hashes[m] = this.hashes[s] as number;
      this.svcCount[m] = this.svcCount[s] as number;
      this.cats[m] = this.cats[s] as number;
      this.rcWords[m] = this.rcWords[s] as number;
      this.termCounts[m] = this.termCounts[s] as number;
      this.setSlotOf(id, m);
    }
    this.nSlots = n;
    this.titleUsed = titleUsed;
    // The pool was reserved for long titles (12 terms each); keep what is used and a little room.
    const room = titleUsed + Math.max(1024, titleUsed >> 4);
    if (this.titlePool.length > room * 1.25) this.titlePool = this.titlePool.slice(0, room);
    this.text = rewritten[0] as Postings;
    this.rc = rewritten[1] as Postings;
    this.dead = 0;
  }

  /** Rewrites the postings without dead slots and growth slack, and brings every norm up to date. */
  pack(): void {
    this.compact();
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
  private queryVector(doc: RecurrenceDoc): { ids: number[]; wts: number[]; norm: number; mass: number } {
    const tf = termWeights(doc, this.weights);
    const all: { id: number; w: number }[] = [];
    let norm = 0;
    const maxDf = this.maxDf();
    for (const [t, f] of tf) {
      const id = this.termId(t, false);
      const w = wtf(f) * this.idf(id);
      norm += w * w;
      // Terms in a large share of all incidents carry little evidence and the longest postings:
      // leaving them out of the query is what keeps ranking fast at 100k (MoreLikeThis's maxDocFreq).
      if (id >= 0 && (this.df[id] as number) > 0 && (this.df[id] as number) <= maxDf) all.push({ id, w });
    }
    all.sort((a, b) => b.w - a.w);
    const kept = all.slice(0, this.weights.queryTerms);
    // Normalise by the kept terms, so a long query is not penalised for words it dropped; learned
    // factors apply after normalising, so a down-weighted term really lowers the score.
    let keptNorm = 0;
    let mass = 0;
    for (const k of kept) {
      keptNorm += k.w * k.w;
      mass += k.w;
    }
    return {
      ids: kept.map((k) => k.id),
      wts: kept.map((k) => k.w * (this.termFactor.get(k.id) ?? 1)),
      norm: Math.sqrt(keptNorm || norm) || 1,
      mass,
    };
  }

  private ensureScratch(): void {
    if (this.scratch.length < this.nSlots) {
      this.scratch = new Float64Array(this.ids.length);
      this.touchedBuf = new Int32Array(this.ids.length);
    }
  }

  rank(doc: RecurrenceDoc, opts: RankOptions = {}): Match[] {
    const limit = opts.limit ?? 10;
    const q = this.queryVector(doc);
    this.ensureScratch();
    const acc = this.scratch;
    // Reused buffers: no per-query garbage, so no GC pauses in the tail latency.
    const touched = this.touchedBuf;
    let nTouched = 0;
    for (let k = 0; k < q.ids.length; k++) {
      const t = q.ids[k] as number;
      nTouched = this.text.accumulate(t, (q.wts[k] as number) * this.idf(t), acc, touched, nTouched);
    }
    // Text cosine first; structured signals re-score a generous head of the list.
    const head = Math.max(limit * 5, 50);
    const best: { slot: number; cos: number }[] = [];
    let floor = 0;
    for (let k = 0; k < nTouched; k++) {
      const slot = touched[k] as number;
      const dot = acc[slot] as number;
      acc[slot] = 0;
      const id = this.ids[slot] as number;
      if (id < 0 || id === doc.id) continue;
      if (opts.before !== undefined && (this.ats[slot] as number) >= opts.before) continue;
      const cos = dot / (q.norm * (this.norms[slot] as number));
      if (best.length >= head && cos <= floor) continue;
      if (opts.exclude?.(id)) continue;
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
    const qServices = [...new Set(doc.services.map(normalise).filter(Boolean))].map((name) => ({
      name,
      term: this.termId(serviceTerm(name), false),
    }));
    const qCategory = doc.category ? normalise(doc.category) : '';
    const qCat = qCategory ? this.termId(categoryTerm(qCategory), false) : -2;
    const qSigs = docSignatures(doc)
      .map((s) => ({ s, term: this.termId(s, false) }))
      .filter((x) => x.term >= 0);
    const qTitle = this.titleVector(doc.title);
    const model = RANK_MODEL;
    const out: Match[] = best.map(({ slot, cos }) => {
      const sharedServices = qServices
        .filter((x) => this.text.weightAt(x.term, slot) >= 0)
        .map((x) => x.name);
      const union = (this.svcCount[slot] as number) + qServices.length - sharedServices.length;
      const sameCategory = qCat >= 0 && this.cats[slot] === qCat;
      const sharedSignatures = qSigs.filter((x) => this.text.weightAt(x.term, slot) >= 0).map((x) => x.s);
      const ageDays = Math.max(0, (doc.at - (this.ats[slot] as number)) / DAY);
      const { titleSim, titleCoverage } = this.titleFeatures(qTitle, slot);
      // The structured signals are priors in cosine units: the dev set has no services, categories
      // or signatures to learn them from (src/recurrence/model.ts).
      const bonus =
        (union > 0 ? (w.sameService * sharedServices.length) / union : 0) +
        (sameCategory ? w.sameCategory : 0) +
        w.sharedSignature * Math.min(3, sharedSignatures.length);
      const logAge = Math.log1p(ageDays);
      const score =
        model.cos * (cos + bonus) +
        model.titleSim * titleSim +
        model.logAgeDays * logAge +
        model.logAgeDays2 * logAge * logAge;
      return {
        id: this.ids[slot] as number,
        score,
        text: cos,
        titleSim,
        titleCoverage,
        // Filled in below for the matches returned: only they are read (up to 40 lookups each).
        coverage: 0,
        similarity: cos + bonus,
        ageDays,
        sharedServices,
        sameCategory,
        sharedSignatures,
      };
    });
    const order = out.map((_, i) => i).sort((a, b) => (out[b] as Match).score - (out[a] as Match).score);
    const kept = order.slice(0, limit).map((i) => {
      const m = out[i] as Match;
      const slot = (best[i] as { slot: number }).slot;
      let covered = 0;
      for (let k = 0; k < q.ids.length; k++)
        if (this.text.weightAt(q.ids[k] as number, slot) >= 0) covered += q.wts[k] as number;
      m.coverage = q.mass > 0 ? Math.min(1, covered / q.mass) : 0;
      return m;
    });
    return kept;
  }

  /** The query title's distinct terms with their weights (idf; an unseen word gets the highest). */
  private titleVector(title: string): { ids: number[]; idfs: number[]; norm: number; mass: number } {
    const ids: number[] = [];
    const idfs: number[] = [];
    let norm = 0;
    let mass = 0;
    for (const t of new Set(words(title))) {
      const id = this.termId(t, false);
      // Feedback's factors count here too: a word people marked as look-alike vocabulary weighs less
      // in the title cosine and, as shared evidence, in the coverage (whose whole stays unfactored).
      const v = this.idf(id) * (this.termFactor.get(id) ?? 1);
      ids.push(id);
      idfs.push(v);
      norm += v * v;
      mass += this.idf(id);
    }
    return { ids, idfs, norm: Math.sqrt(norm), mass };
  }

  /**
   * Title cosine (binary tf, idf weights: titles are short and rarely repeat a word) and the share
   * of the new title's idf mass found anywhere in the earlier incident's text.
   */
  private titleFeatures(
    q: { ids: number[]; idfs: number[]; norm: number; mass: number },
    slot: number,
  ): { titleSim: number; titleCoverage: number } {
    if (q.ids.length === 0) return { titleSim: 0, titleCoverage: 0 };
    const at = this.titleAt[slot] as number;
    const len = this.titleLen[slot] as number;
    let cNorm = 0;
    let dot = 0;
    for (let k = at; k < at + len; k++) {
      const t = this.titlePool[k] as number;
      const v = this.idf(t) * (this.termFactor.get(t) ?? 1);
      cNorm += v * v;
      if (q.ids.includes(t)) dot += v * v;
    }
    let covered = 0;
    for (let k = 0; k < q.ids.length; k++) {
      const t = q.ids[k] as number;
      if (t >= 0 && this.text.weightAt(t, slot) >= 0) covered += q.idfs[k] as number;
    }
    return {
      titleSim: cNorm > 0 && q.norm > 0 ? dot / (q.norm * Math.sqrt(cNorm)) : 0,
      titleCoverage: q.mass > 0 ? Math.min(1, covered / q.mass) : 0,
    };
  }

  /** The terms both incidents share, strongest first (for explanations a person can check). */
  sharedTerms(a: RecurrenceDoc, bId: number, max = 8): string[] {
    const slot = this.slotOf(bId);
    if (slot < 0) return [];
    const q = termWeights(a, this.weights);
    const shared: { t: string; w: number }[] = [];
    for (const [name, f] of q) {
      // Versions as written are words a person can check; services and signatures are explained apart.
      if (name.includes(':') && !name.startsWith('ver:')) continue;
      const id = this.termId(name, false);
      const qw = this.text.weightAt(id, slot);
      if (qw < 0) continue;
      shared.push({ t: name, w: wtf(f) * (WEIGHT[qw] as number) * this.idf(id) ** 2 });
    }
    shared.sort((x, y) => y.w - x.w);
    return shared.slice(0, max).map((x) => x.t);
  }

  /**
   * Earlier incidents whose root cause reads the same: word-set cosine ≥ `minSimilarity` over the
   * root-cause postings (only incidents sharing a word are ever looked at), category compatible
   * (equal, or either unknown), happened at or before `atOrBefore`.
   */
  rootCauseMatches(
    rootCause: string,
    category: string | null,
    opts: { minSimilarity: number; atOrBefore?: number; excludeId?: number },
  ): number[] {
    const x = [...new Set(words(rootCause))];
    if (x.length === 0) return [];
    this.ensureScratch();
    const acc = this.scratch;
    const touched = this.touchedBuf;
    let nTouched = 0;
    for (const word of x) {
      const t = this.termId(word, false);
      if (t >= 0) nTouched = this.rc.accumulate(t, 1 / (WEIGHT[ONE] as number), acc, touched, nTouched);
    }
    const qCat = category ? this.termId(categoryTerm(normalise(category)), false) : -1;
    const out: number[] = [];
    for (let k = 0; k < nTouched; k++) {
      const slot = touched[k] as number;
      const shared = Math.round(acc[slot] as number);
      acc[slot] = 0;
      const id = this.ids[slot] as number;
      if (id < 0 || id === opts.excludeId) continue;
      if (opts.atOrBefore !== undefined && (this.ats[slot] as number) > opts.atOrBefore) continue;
      const cat = this.cats[slot] as number;
      if (category && cat >= 0 && cat !== qCat) continue;
      const n = this.rcWords[slot] as number;
      if (n > 0 && shared / Math.sqrt(x.length * n) >= opts.minSimilarity) out.push(id);
    }
    return out;
  }

  /** Approximate bytes held by the index's typed arrays (the dictionary's strings not included). */
  get bytes(): number {
    return (
      this.text.bytes +
      this.rc.bytes +
      this.df.byteLength +
      this.ids.byteLength +
      this.ats.byteLength +
      this.norms.byteLength +
      this.hashes.byteLength +
      this.svcCount.byteLength +
      this.cats.byteLength +
      this.rcWords.byteLength +
      this.termCounts.byteLength +
      this.titlePool.byteLength +
      this.titleAt.byteLength +
      this.titleLen.byteLength +
      this.slotByIdFlat.byteLength +
      this.scratch.byteLength +
      this.touchedBuf.byteLength
    );
  }

  get terms(): number {
    return this.dict.size;
  }
}
