import { Agent } from 'node:http';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

export function summary(latencies: readonly number[]): {
  p50: number;
  p99: number;
  max: number;
  mean: number;
} {
  const s = [...latencies].sort((a, b) => a - b);
  return {
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    max: s.at(-1) ?? Number.NaN,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
  };
}

/** Runs `total` jobs with at most `concurrency` in flight; returns each job's result in order. */
export async function pool<T>(
  total: number,
  concurrency: number,
  job: (i: number) => Promise<T>,
): Promise<T[]> {
  const out = new Array<T>(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      out[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return out;
}

export const keepAlive = (max: number) => new Agent({ keepAlive: true, maxSockets: max });

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** Deterministic PRNG (mulberry32) so runs are repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LoadResult {
  results: { status: number; ms: number }[];
  wall: number;
}

/** Sends pre-built bodies, signed, from a worker thread (see load-worker.mjs). */
export async function loadFromWorker(opts: {
  url: string;
  /** Slack signing secret; empty for requests that are not Slack's (the alert webhooks). */
  secret: string;
  bodies: string[];
  contentType: string;
  concurrency: number;
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), {
    workerData: opts,
    execArgv: [],
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: LoadResult) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
