/**
 * Posting lists for the recurrence index, packed for 100k incidents in a few tens of MB.
 *
 * Every term's list is a chain of blocks inside a few large shared pools instead of one pair of
 * typed arrays per term: a JS typed array costs ~200 bytes before its first element, so the obvious
 * layout spends more on headers than on data once the vocabulary holds hundreds of thousands of
 * host names, identifiers and one-off words. A posting is 3 bytes: the slot as a 16-bit offset from
 * its block's base slot (a block never spans more than 65,536 slots) and a one-byte weight. Blocks
 * double from 2 up to MAX_BLOCK entries, so a short list wastes at most its own length and a long
 * one at most one block; block headers (next, capacity, length, base, address) live in columns of
 * their own. Pools are CHUNK entries each; the first grows by doubling, so a small index stays small.
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
/** Largest slot offset a block can hold. */
const SPAN = 65535;

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

type Column = Int32Array | Uint8Array | Uint16Array;

function grown<T extends Column>(a: T, need: number, fill = 0, max = Number.POSITIVE_INFINITY): T {
  if (need <= a.length) return a;
  let cap = Math.max(16, a.length);
  while (cap < need) cap *= 2;
  cap = Math.max(need, Math.min(cap, max));
  const b = new (a.constructor as { new (n: number): T })(cap);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export class Postings {
  private offPool: Uint16Array[] = [];
  private wtPool: Uint8Array[] = [];
  /** Entries used in the last chunk. */
  private used = 0;
  // Per block.
  private bNext = new Int32Array(0);
  private bCap = new Uint16Array(0);
  private bLen = new Uint16Array(0);
  private bBase = new Int32Array(0);
  private bAddr = new Int32Array(0);
  private nBlocks = 0;
  // Per term: first and last block (-1: none), postings.
  private head = new Int32Array(0);
  private tail = new Int32Array(0);
  private lens = new Int32Array(0);

  /** Postings held, dead slots included (until the engine compacts). */
  entries = 0;
  /** Size of the first chunk: small for a small index, full for a large load (no doubling copies). */
  private firstChunk = FIRST_CHUNK;

  /** A load of this many incidents is coming: start with full-size chunks. */
  reserve(incidents: number): void {
    if (incidents >= 10_000) this.firstChunk = CHUNK;
  }

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
    this.lens = grown(this.lens, n);
  }

  /** A new block of `cap` entries for slots from `base`, linked after the term's last block. */
  private link(term: number, cap: number, base: number): number {
    let c = this.offPool.length - 1;
    let pool = this.offPool[c];
    if (!pool || this.used + cap > CHUNK) {
      c++;
      this.offPool.push(new Uint16Array(c === 0 ? this.firstChunk : CHUNK));
      this.wtPool.push(new Uint8Array(c === 0 ? this.firstChunk : CHUNK));
      this.used = 0;
      pool = this.offPool[c] as Uint16Array;
    }
    if (this.used + cap > pool.length) {
      // Only the first chunk starts small (or the last, after trim); addresses stay valid because offsets do not move.
      this.offPool[c] = grown(pool, this.used + cap, 0, CHUNK);
      this.wtPool[c] = grown(this.wtPool[c] as Uint8Array, (this.offPool[c] as Uint16Array).length);
    }
    const b = this.nBlocks++;
    if (b >= this.bNext.length) {
      this.bNext = grown(this.bNext, b + 1);
      this.bCap = grown(this.bCap, b + 1);
      this.bLen = grown(this.bLen, b + 1);
      this.bBase = grown(this.bBase, b + 1);
      this.bAddr = grown(this.bAddr, b + 1);
    }
    this.bNext[b] = -1;
    this.bCap[b] = cap;
    this.bLen[b] = 0;
    this.bBase[b] = base;
    this.bAddr[b] = (c << CHUNK_BITS) | this.used;
    this.used += cap;
    const t = this.tail[term] as number;
    if (t < 0) this.head[term] = b;
    else this.bNext[t] = b;
    this.tail[term] = b;
    return b;
  }

  /** Appends (slot, quantized weight); slots must arrive in increasing order per term. */
  append(term: number, slot: number, qw: number): void {
    if (term >= this.lens.length) this.ensureTerm(term);
    let b = this.tail[term] as number;
    if (b < 0) b = this.link(term, FIRST_BLOCK, slot);
    else if (this.bLen[b] === this.bCap[b])
      b = this.link(term, Math.min(MAX_BLOCK, (this.bCap[b] as number) * 2), slot);
    else if (slot - (this.bBase[b] as number) > SPAN) b = this.link(term, this.bCap[b] as number, slot);
    const addr = this.bAddr[b] as number;
    const n = this.bLen[b] as number;
    const off = (addr & MASK) + n;
    (this.offPool[addr >>> CHUNK_BITS] as Uint16Array)[off] = slot - (this.bBase[b] as number);
    (this.wtPool[addr >>> CHUNK_BITS] as Uint8Array)[off] = qw;
    this.bLen[b] = n + 1;
    this.lens[term] = (this.lens[term] as number) + 1;
    this.entries++;
  }

  /** Appends a whole sorted run in exactly sized blocks (compaction: no slack left behind). */
  appendRun(term: number, slots: Int32Array, wts: Uint8Array, n: number): void {
    this.ensureTerm(term);
    let i = 0;
    while (i < n) {
      const base = slots[i] as number;
      let j = i + 1;
      while (j < n && j - i < MAX_BLOCK && (slots[j] as number) - base <= SPAN) j++;
      const b = this.link(term, j - i, base);
      const addr = this.bAddr[b] as number;
      const op = this.offPool[addr >>> CHUNK_BITS] as Uint16Array;
      const wp = this.wtPool[addr >>> CHUNK_BITS] as Uint8Array;
      const at = addr & MASK;
      for (let k = i; k < j; k++) {
        op[at + k - i] = (slots[k] as number) - base;
        wp[at + k - i] = wts[k] as number;
      }
      this.bLen[b] = j - i;
      i = j;
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
    for (let b = this.head[term] as number; b >= 0; b = this.bNext[b] as number) {
      const addr = this.bAddr[b] as number;
      const op = this.offPool[addr >>> CHUNK_BITS] as Uint16Array;
      const wp = this.wtPool[addr >>> CHUNK_BITS] as Uint8Array;
      const base = this.bBase[b] as number;
      const at = addr & MASK;
      const end = at + (this.bLen[b] as number);
      for (let j = at; j < end; j++) {
        const slot = base + (op[j] as number);
        if (acc[slot] === 0) touched[nTouched++] = slot;
        acc[slot] = (acc[slot] as number) + qw * (WEIGHT[wp[j] as number] as number);
      }
    }
    return nTouched;
  }

  forEach(term: number, fn: (slot: number, qw: number) => void): void {
    if (term >= this.lens.length) return;
    for (let b = this.head[term] as number; b >= 0; b = this.bNext[b] as number) {
      const addr = this.bAddr[b] as number;
      const op = this.offPool[addr >>> CHUNK_BITS] as Uint16Array;
      const wp = this.wtPool[addr >>> CHUNK_BITS] as Uint8Array;
      const base = this.bBase[b] as number;
      const at = addr & MASK;
      const end = at + (this.bLen[b] as number);
      for (let j = at; j < end; j++) fn(base + (op[j] as number), wp[j] as number);
    }
  }

  /** The quantized weight of `slot` in the term's list, or -1 when it is not there. */
  weightAt(term: number, slot: number): number {
    if (term < 0 || term >= this.lens.length) return -1;
    for (let b = this.head[term] as number; b >= 0; b = this.bNext[b] as number) {
      const rel = slot - (this.bBase[b] as number);
      if (rel < 0) return -1;
      const addr = this.bAddr[b] as number;
      const op = this.offPool[addr >>> CHUNK_BITS] as Uint16Array;
      let lo = addr & MASK;
      let hi = lo + (this.bLen[b] as number) - 1;
      if (hi < lo || (op[hi] as number) < rel) continue;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((op[mid] as number) < rel) lo = mid + 1;
        else hi = mid;
      }
      return op[lo] === rel ? ((this.wtPool[addr >>> CHUNK_BITS] as Uint8Array)[lo] as number) : -1;
    }
    return -1;
  }

  /**
   * Cuts the last pool and the per-block and per-term columns to what is used (after a compaction,
   * when no list grows for a while): up to a pool's worth (3 MB) and half of each column.
   */
  trim(): void {
    const c = this.offPool.length - 1;
    const pool = this.offPool[c];
    if (pool && this.used < pool.length) {
      this.offPool[c] = pool.slice(0, this.used);
      this.wtPool[c] = (this.wtPool[c] as Uint8Array).slice(0, this.used);
    }
    const b = this.nBlocks;
    this.bNext = this.bNext.slice(0, b);
    this.bCap = this.bCap.slice(0, b);
    this.bLen = this.bLen.slice(0, b);
    this.bBase = this.bBase.slice(0, b);
    this.bAddr = this.bAddr.slice(0, b);
  }

  /** Bytes held by the pools, block headers and per-term arrays (for the bench). */
  get bytes(): number {
    let n = 0;
    for (const a of [
      this.bNext,
      this.bCap,
      this.bLen,
      this.bBase,
      this.bAddr,
      this.head,
      this.tail,
      this.lens,
    ])
      n += a.byteLength;
    for (const p of this.offPool) n += p.byteLength;
    for (const p of this.wtPool) n += p.byteLength;
    return n;
  }
}
