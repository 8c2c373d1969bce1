/**
 * Posting lists for the recurrence index, packed for 100k incidents in a few tens of MB.
 *
 * Every term's list is a chain of blocks inside a few large shared pools (Int32 slots, Uint8
 * weights) instead of one pair of typed arrays per term: a JS typed array costs ~200 bytes before
 * its first element, so the obvious layout spends more on headers than on data once the vocabulary
 * holds hundreds of thousands of host names, identifiers and one-off words. Blocks double from 2 up
 * to MAX_BLOCK entries, so a short list wastes at most its own length and a long one at most one
 * block. Pools are CHUNK entries each; the first grows by doubling, so a small index stays small.
 *
 * Slots are appended in increasing order, so every list is sorted: membership (is incident X in
 * term T's list, and with what weight) is a binary search, which is what lets the engine keep no
 * per-incident term lists at all.
 */

const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;
const FIRST_CHUNK = 4096;
const FIRST_BLOCK = 2;
const MAX_BLOCK = 1024;
/** Each block starts with [address of the next block or -1, capacity] in the slot pool. */
const HEADER = 2;

/**
 * Weights are stored in one byte on a log scale: code 0 is 0, codes 1..255 span 0.1..16 in steps of
 * 2% (at most 1% off), which moved no eval figure; a log tf is never near either end.
 */
const W_MIN = 0.1;
const W_MAX = 16;
const W_STEP = Math.log(W_MAX / W_MIN) / 254;
/** code → weight. */
export const WEIGHT = Float64Array.from({ length: 256 }, (_, c) =>
  c === 0 ? 0 : W_MIN * Math.exp((c - 1) * W_STEP),
);
export const quantize = (w: number): number =>
  w <= 0 ? 0 : Math.min(255, Math.max(1, Math.round(Math.log(w / W_MIN) / W_STEP) + 1));

function grown<T extends Int32Array | Uint8Array | Uint16Array>(a: T, need: number, fill = 0): T {
  if (need <= a.length) return a;
  let cap = Math.max(16, a.length);
  while (cap < need) cap *= 2;
  const b = new (a.constructor as { new (n: number): T })(cap);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export class Postings {
  private slotPool: Int32Array[] = [];
  private wtPool: Uint8Array[] = [];
  /** Entries used in the last chunk. */
  private used = 0;
  private head = new Int32Array(0);
  private tail = new Int32Array(0);
  private fill = new Uint16Array(0);
  /** Capacity of each term's last block (so appending never reads the pool's header). */
  private tailCap = new Uint16Array(0);
  private lens = new Int32Array(0);

  /** Postings held, dead slots included (until the engine compacts). */
  entries = 0;

  len(term: number): number {
    return term < this.lens.length ? (this.lens[term] as number) : 0;
  }

  /** Terms with an id below this may have postings. */
  get terms(): number {
    return this.lens.length;
  }

  private ensureTerm(term: number): void {
    if (term < this.lens.length) return;
    const n = term + 1;
    this.head = grown(this.head, n, -1);
    this.tail = grown(this.tail, n, -1);
    this.fill = grown(this.fill, n);
    this.tailCap = grown(this.tailCap, n);
    this.lens = grown(this.lens, n);
  }

  private alloc(cap: number): number {
    let c = this.slotPool.length - 1;
    let pool = this.slotPool[c];
    if (!pool || this.used + HEADER + cap > CHUNK) {
      c++;
      this.slotPool.push(new Int32Array(c === 0 ? FIRST_CHUNK : CHUNK));
      this.wtPool.push(new Uint8Array(c === 0 ? FIRST_CHUNK : CHUNK));
      this.used = 0;
      pool = this.slotPool[c] as Int32Array;
    }
    if (this.used + HEADER + cap > pool.length) {
      // Only the first chunk starts small; addresses stay valid because offsets do not move.
      this.slotPool[c] = pool = grown(pool, this.used + HEADER + cap);
      this.wtPool[c] = grown(this.wtPool[c] as Uint8Array, pool.length);
    }
    const addr = (c << CHUNK_BITS) | this.used;
    pool[this.used] = -1;
    pool[this.used + 1] = cap;
    this.used += HEADER + cap;
    return addr;
  }

  private link(term: number, cap: number): number {
    const b = this.alloc(cap);
    const t = this.tail[term] as number;
    if (t < 0) this.head[term] = b;
    else (this.slotPool[t >>> CHUNK_BITS] as Int32Array)[t & MASK] = b;
    this.tail[term] = b;
    this.fill[term] = 0;
    return b;
  }

  /** Appends (slot, quantized weight); slots must arrive in increasing order per term. */
  append(term: number, slot: number, qw: number): void {
    if (term >= this.lens.length) this.ensureTerm(term);
    let b = this.tail[term] as number;
    let fill = this.fill[term] as number;
    if (b < 0 || fill === this.tailCap[term]) {
      const cap = b < 0 ? FIRST_BLOCK : Math.min(MAX_BLOCK, (this.tailCap[term] as number) * 2);
      b = this.link(term, cap);
      this.tailCap[term] = cap;
      fill = 0;
    }
    const c = b >>> CHUNK_BITS;
    const off = (b & MASK) + HEADER + fill;
    (this.slotPool[c] as Int32Array)[off] = slot;
    (this.wtPool[c] as Uint8Array)[off] = qw;
    this.fill[term] = fill + 1;
    this.lens[term] = (this.lens[term] as number) + 1;
    this.entries++;
  }

  /** Appends a whole sorted run in exactly sized blocks (compaction: no slack left behind). */
  appendRun(term: number, slots: Int32Array, wts: Uint8Array, n: number): void {
    this.ensureTerm(term);
    let i = 0;
    while (i < n) {
      const cap = Math.min(MAX_BLOCK, n - i);
      const b = this.link(term, cap);
      const off = (b & MASK) + HEADER;
      const sp = this.slotPool[b >>> CHUNK_BITS] as Int32Array;
      const wp = this.wtPool[b >>> CHUNK_BITS] as Uint8Array;
      sp.set(slots.subarray(i, i + cap), off);
      wp.set(wts.subarray(i, i + cap), off);
      this.fill[term] = cap;
      this.tailCap[term] = cap;
      i += cap;
    }
    this.lens[term] = (this.lens[term] as number) + n;
    this.entries += n;
  }

  /**
   * The ranking hot loop: acc[slot] += qw * weight over the term's list, recording first touches.
   * Returns the new count of touched slots.
   */
  accumulate(term: number, qw: number, acc: Float64Array, touched: Int32Array, nTouched: number): number {
    if (term >= this.lens.length) return nTouched;
    let remaining = this.lens[term] as number;
    let b = this.head[term] as number;
    while (b >= 0 && remaining > 0) {
      const sp = this.slotPool[b >>> CHUNK_BITS] as Int32Array;
      const wp = this.wtPool[b >>> CHUNK_BITS] as Uint8Array;
      const at = b & MASK;
      const n = Math.min(sp[at + 1] as number, remaining);
      const end = at + HEADER + n;
      for (let j = at + HEADER; j < end; j++) {
        const slot = sp[j] as number;
        if (acc[slot] === 0) touched[nTouched++] = slot;
        acc[slot] = (acc[slot] as number) + qw * (WEIGHT[wp[j] as number] as number);
      }
      remaining -= n;
      b = sp[at] as number;
    }
    return nTouched;
  }

  forEach(term: number, fn: (slot: number, qw: number) => void): void {
    if (term >= this.lens.length) return;
    let remaining = this.lens[term] as number;
    let b = this.head[term] as number;
    while (b >= 0 && remaining > 0) {
      const sp = this.slotPool[b >>> CHUNK_BITS] as Int32Array;
      const wp = this.wtPool[b >>> CHUNK_BITS] as Uint8Array;
      const at = b & MASK;
      const n = Math.min(sp[at + 1] as number, remaining);
      for (let j = at + HEADER; j < at + HEADER + n; j++) fn(sp[j] as number, wp[j] as number);
      remaining -= n;
      b = sp[at] as number;
    }
  }

  /** The quantized weight of `slot` in the term's list, or -1 when it is not there. */
  weightAt(term: number, slot: number): number {
    if (term < 0 || term >= this.lens.length) return -1;
    let remaining = this.lens[term] as number;
    let b = this.head[term] as number;
    while (b >= 0 && remaining > 0) {
      const sp = this.slotPool[b >>> CHUNK_BITS] as Int32Array;
      const at = b & MASK;
      const n = Math.min(sp[at + 1] as number, remaining);
      let lo = at + HEADER;
      let hi = lo + n - 1;
      if ((sp[hi] as number) >= slot) {
        if ((sp[lo] as number) > slot) return -1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if ((sp[mid] as number) < slot) lo = mid + 1;
          else hi = mid;
        }
        return sp[lo] === slot ? ((this.wtPool[b >>> CHUNK_BITS] as Uint8Array)[lo] as number) : -1;
      }
      remaining -= n;
      b = sp[at] as number;
    }
    return -1;
  }

  /** Bytes held by the pools and per-term arrays (for the bench). */
  get bytes(): number {
    let n =
      this.head.byteLength +
      this.tail.byteLength +
      this.fill.byteLength +
      this.tailCap.byteLength +
      this.lens.byteLength;
    for (const p of this.slotPool) n += p.byteLength;
    for (const p of this.wtPool) n += p.byteLength;
    return n;
  }
}
