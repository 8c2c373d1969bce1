/**
 * The two small models behind recurrence (src/recurrence/model.ts), fitted by damped Newton steps.
 * Few features, an L2 penalty, convex losses: the fit is deterministic and needs no library.
 */

const dot = (w: readonly number[], x: readonly number[]): number => {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += (w[k] as number) * (x[k] as number);
  return s;
};

/** Solves A x = b (Gaussian elimination with partial pivoting; A is small and positive definite). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]?.[c] as number) > Math.abs(M[p]?.[c] as number)) p = r;
    const tmp = M[c] as number[];
    M[c] = M[p] as number[];
    M[p] = tmp;
    const pivot = (M[c] as number[])[c] as number;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const row = M[r] as number[];
      const f = (row[c] as number) / pivot;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) row[k] = (row[k] as number) - f * ((M[c] as number[])[k] as number);
    }
  }
  return M.map((row, i) => (row[n] as number) / (row[i] as number));
}

interface Objective {
  loss: number;
  grad: number[];
  hess: number[][];
}

/** Newton's method with step halving until the loss drops (the plain step can overshoot). */
function minimise(d: number, f: (w: number[]) => Objective): number[] {
  let w = new Array<number>(d).fill(0);
  for (let it = 0; it < 100; it++) {
    const { loss, grad, hess } = f(w);
    const step = solve(hess, grad);
    let t = 1;
    let next = w.map((v, a) => v - (step[a] as number));
    while (f(next).loss > loss && t > 1e-10) {
      t /= 2;
      next = w.map((v, a) => v - t * (step[a] as number));
    }
    const moved = Math.max(...next.map((v, a) => Math.abs(v - (w[a] as number))));
    w = next;
    if (moved < 1e-9) break;
  }
  return w;
}

const zeros = (d: number): number[][] => Array.from({ length: d }, () => new Array<number>(d).fill(0));

/**
 * Conditional logit (softmax over each list), the target spread evenly over the list's positives:
 * which of the earlier incidents is the same problem. Lists without a positive carry no signal.
 */
export function fitConditionalLogit(lists: { x: number[][]; y: number[] }[], l2: number): number[] {
  const d = lists.find((l) => l.x.length > 0)?.x[0]?.length ?? 0;
  return minimise(d, (w) => {
    let loss = 0;
    const grad = new Array<number>(d).fill(0);
    const hess = zeros(d);
    for (const { x, y } of lists) {
      const npos = y.reduce((a, b) => a + b, 0);
      if (npos === 0) continue;
      const z = x.map((row) => dot(w, row));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const Z = e.reduce((a, b) => a + b, 0);
      const mean = new Array<number>(d).fill(0);
      x.forEach((row, k) => {
        const p = (e[k] as number) / Z;
        if (y[k]) loss -= ((z[k] as number) - m - Math.log(Z)) / npos;
        for (let a = 0; a < d; a++) {
          mean[a] = (mean[a] as number) + p * (row[a] as number);
          grad[a] = (grad[a] as number) + (p - (y[k] as number) / npos) * (row[a] as number);
          const h = hess[a] as number[];
          for (let b = 0; b < d; b++) h[b] = (h[b] as number) + p * (row[a] as number) * (row[b] as number);
        }
      });
      for (let a = 0; a < d; a++) {
        const h = hess[a] as number[];
        for (let b = 0; b < d; b++) h[b] = (h[b] as number) - (mean[a] as number) * (mean[b] as number);
      }
    }
    for (let a = 0; a < d; a++) {
      loss += 0.5 * l2 * (w[a] as number) ** 2;
      grad[a] = (grad[a] as number) + l2 * (w[a] as number);
      (hess[a] as number[])[a] = ((hess[a] as number[])[a] as number) + l2;
    }
    return { loss, grad, hess };
  });
}

/** Logistic regression; the first weight is the intercept (not penalised), x excludes it. */
export function fitLogistic(x: number[][], y: number[], l2: number): number[] {
  const d = (x[0]?.length ?? 0) + 1;
  const rows = x.map((r) => [1, ...r]);
  return minimise(d, (w) => {
    let loss = 0;
    const grad = new Array<number>(d).fill(0);
    const hess = zeros(d);
    rows.forEach((row, k) => {
      const z = dot(w, row);
      const p = 1 / (1 + Math.exp(-z));
      loss += y[k] ? Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      const r = p * (1 - p);
      for (let a = 0; a < d; a++) {
        grad[a] = (grad[a] as number) + (p - (y[k] as number)) * (row[a] as number);
        const h = hess[a] as number[];
        for (let b = 0; b < d; b++) h[b] = (h[b] as number) + r * (row[a] as number) * (row[b] as number);
      }
    });
    for (let a = 1; a < d; a++) {
      loss += 0.5 * l2 * (w[a] as number) ** 2;
      grad[a] = (grad[a] as number) + l2 * (w[a] as number);
      (hess[a] as number[])[a] = ((hess[a] as number[])[a] as number) + l2;
    }
    (hess[0] as number[])[0] = ((hess[0] as number[])[0] as number) + 1e-9;
    return { loss, grad, hess };
  });
}

/** A stable fold for a group label (FNV-1a), so a group's records never straddle folds. */
export function foldOf(group: string, folds: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < group.length; i++) h = Math.imul(h ^ group.charCodeAt(i), 0x01000193);
  return (h >>> 0) % folds;
}
