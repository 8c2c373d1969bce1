import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Match, RecurrenceEngine } from './engine.js';
import { type EvalRecord, evalInput, readEvalFile } from './evaluate.js';
import { words } from './tokenize.js';
import { fitConditionalLogit, fitLogistic, foldOf } from './train.js';
import { GOAL_RECALL, precisionAtRecall, replayCandidates } from './train-cli.js';
import { warnFeatures } from './warn.js';

/**
 * `npm run study:warn -- <file.jsonl>`: measures candidate warning features, each added alone to the
 * three shipped ones, with the same out-of-fold procedure as `train:recurrence` (rank models and
 * warning models fitted without the record's group, or without its project). Prints the precision
 * where the warnings first reach the recall goal, so a figure in the README's "tried" list
 * can be reproduced. Every feature here is something a warning's "why" could state in words.
 * Nothing here ships: a feature moves to warn.ts only when it helps over groups without hurting
 * across projects (README, "Importing history, and how well recurrence works").
 */

const L2 = 0.01;

type Candidates = ReturnType<typeof replayCandidates>;
/** Extra features of record i's top match (the list as ranked out-of-fold). */
export type Extra = (i: number, matches: readonly Match[]) => number[];

const rankX = (m: Match): number[] => {
  const a = Math.log1p(m.ageDays);
  return [m.similarity, m.titleSim, a, a * a];
};

/** Out-of-fold precision at GOAL_RECALL with the shipped three warning features plus `extra`. */
export function studyPrecision(
  records: EvalRecord[],
  cands: Candidates,
  fold: (i: number) => number,
  folds: number,
  extra: Extra,
): { precision: number; warnings: number } | null {
  const lists: { matches: Match[]; ys: number[] }[] = new Array(records.length);
  for (let f = 0; f < folds; f++) {
    const train = cands
      .filter((_, i) => fold(i) !== f && records[i]?.is_query)
      .map((c) => ({ x: c.map((k) => k.x), y: c.map((k) => k.y) }));
    const w = fitConditionalLogit(train, L2);
    cands.forEach((c, i) => {
      if (fold(i) !== f) return;
      const s = c.map((k) => ({
        m: { ...k.match, score: rankX(k.match).reduce((a, v, q) => a + v * (w[q] as number), 0) },
        y: k.y,
      }));
      s.sort((a, b) => b.m.score - a.m.score);
      lists[i] = { matches: s.map((x) => x.m), ys: s.map((x) => x.y) };
    });
  }
  const rows: { i: number; x: number[]; y: number }[] = [];
  lists.forEach((l, i) => {
    const f = warnFeatures(l.matches);
    if (f) rows.push({ i, x: [f.score, f.margin, f.coverage, ...extra(i, l.matches)], y: l.ys[0] as number });
  });
  const scored: { confidence: number; correct: boolean }[] = [];
  for (let f = 0; f < folds; f++) {
    const tr = rows.filter((r) => fold(r.i) !== f);
    const w = fitLogistic(
      tr.map((r) => r.x),
      tr.map((r) => r.y),
      L2,
    );
    for (const r of rows)
      if (fold(r.i) === f)
        scored.push({
          confidence: [1, ...r.x].reduce((a, v, q) => a + v * (w[q] as number), 0),
          correct: r.y === 1,
        });
  }
  return precisionAtRecall(scored, records.filter((r) => r.is_query).length, GOAL_RECALL);
}

/** Code identifiers (camelCase, snake_case, dotted names): lower-cased, whole. */
const IDENT = /\b(?:[a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*|[A-Za-z]+_\w+|[A-Za-z]\w*(?:\.[A-Za-z]\w*){2,})\b/g;
const identifiers = (text: string): Set<string> =>
  new Set((text.match(IDENT) ?? []).map((s) => s.toLowerCase()));

/** The candidate features, by name, as the README's "tried" list names them. */
export function candidateFeatures(records: EvalRecord[], cands: Candidates): Record<string, Extra> {
  const n = records.length;
  // Document frequencies as they were when each record arrived (what the bot would have known).
  const titleTerms = records.map((r) => new Set(words(r.title)));
  const descTerms = records.map((r) => new Set(words(r.description)));
  const allTerms = records.map((_, i) => new Set([...(titleTerms[i] ?? []), ...(descTerms[i] ?? [])]));
  const ids = records.map((r) => identifiers(`${r.title} ${r.description}`));
  const dfAt: Map<string, number>[] = [];
  const df = new Map<string, number>();
  // Snapshots only of the terms a record looks up (its own and its candidates'), to stay small.
  for (let i = 0; i < n; i++) {
    const need = new Set<string>(allTerms[i]);
    for (const c of cands[i] ?? []) for (const t of titleTerms[c.match.id - 1] ?? []) need.add(t);
    dfAt.push(new Map([...need].map((t) => [t, df.get(t) ?? 0])));
    for (const t of allTerms[i] ?? []) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const idf = (i: number, t: string) => Math.log((i + 1) / ((dfAt[i]?.get(t) ?? 0) + 1));
  const rarestMissing = (i: number, have: Set<string>, lack: Set<string>) =>
    Math.max(0, ...[...have].filter((t) => !lack.has(t)).map((t) => idf(i, t)));
  // Reciprocity: the text cosines later records reached to each earlier one (as the query).
  const toEarlier = new Map<number, { k: number; text: number }[]>();
  cands.forEach((c, k) => {
    for (const x of c) {
      const j = x.match.id - 1;
      const l = toEarlier.get(j) ?? [];
      toEarlier.set(j, l);
      l.push({ k, text: x.match.text });
    }
  });
  const closerLater = (i: number, top: Match) =>
    (toEarlier.get(top.id - 1) ?? []).filter((x) => x.k < i && x.text > top.text).length;
  // The other direction: the earlier incident as the query, against everything filed after it.
  let full: RecurrenceEngine | null = null;
  const fromEarlier = new Map<number, number[]>();
  const laterRanked = (j: number): number[] => {
    let l = fromEarlier.get(j);
    if (!l) {
      if (!full) {
        const engine = new RecurrenceEngine();
        records.forEach((r, k) => {
          engine.upsert(docOf(r, k));
        });
        full = engine;
      }
      const engine = full;
      const r = records[j] as EvalRecord;
      l = engine
        .rank(docOf(r, j), { limit: 400 })
        .map((m) => m.id - 1)
        .filter((k) => k > j);
      fromEarlier.set(j, l);
    }
    return l;
  };
  const top = (ms: readonly Match[]) => ms[0] as Match;
  return {
    'lead over the runner-ups in standard deviations': (_i, ms) => {
      const rest = ms.slice(1).map((m) => m.score);
      const mu = rest.reduce((a, b) => a + b, 0) / Math.max(1, rest.length);
      const sd = Math.sqrt(rest.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, rest.length)) || 1;
      return [Math.min(10, (top(ms).score - mu) / sd)];
    },
    'history size (ln n)': (i) => [Math.log1p(i)],
    'history size and score × ln n': (i, ms) => [Math.log1p(i), (top(ms).score * Math.log1p(i)) / 8],
    'later incidents closer to the match (count)': (i, ms) => [Math.log1p(closerLater(i, top(ms)))],
    'no later incident closer to the match (flag)': (i, ms) => [closerLater(i, top(ms)) === 0 ? 1 : 0],
    'rank among the match’s later neighbours (match as query)': (i, ms) => {
      const l = laterRanked(top(ms).id - 1);
      // Only incidents filed before this one count: the bot cannot know later ones.
      const earlier = l.filter((k) => k <= i);
      const pos = earlier.indexOf(i);
      return [Math.log1p(pos >= 0 ? pos : earlier.length)];
    },
    'sibling: each title holds a rare word the other lacks': (i, ms) => {
      const j = top(ms).id - 1;
      const a = titleTerms[i] as Set<string>;
      const b = titleTerms[j] as Set<string>;
      return [Math.min(rarestMissing(i, a, b), rarestMissing(i, b, a))];
    },
    'rarest new-title word absent from the whole match': (i, ms) => [
      rarestMissing(i, titleTerms[i] as Set<string>, allTerms[top(ms).id - 1] as Set<string>),
    ],
    'rare terms (df ≤ 3) in both descriptions': (i, ms) => {
      const b = descTerms[top(ms).id - 1] as Set<string>;
      return [
        Math.log1p(
          [...(descTerms[i] as Set<string>)].filter((t) => b.has(t) && (dfAt[i]?.get(t) ?? 0) <= 3).length,
        ),
      ];
    },
    'code identifiers in both': (i, ms) => {
      const b = ids[top(ms).id - 1] as Set<string>;
      return [Math.log1p([...(ids[i] as Set<string>)].filter((t) => b.has(t)).length)];
    },
  };
}

const docOf = (r: EvalRecord, i: number) => ({ id: i + 1, ...evalInput(r) });

function main(): number {
  const path = process.argv.slice(2).find((a) => !a.startsWith('--'));
  if (!path || !existsSync(path)) {
    process.stderr.write('usage: npm run study:warn -- <file.jsonl>\n');
    return 2;
  }
  const records = readEvalFile(path);
  const cands = replayCandidates(records);
  const groups = records.map((r) => foldOf(r.group, 5));
  const sources = [...new Set(records.map((r) => r.id.split('-')[0] ?? ''))];
  const src = records.map((r) => sources.indexOf(r.id.split('-')[0] ?? ''));
  const fmt = (p: { precision: number; warnings: number } | null) =>
    p ? `${p.precision.toFixed(3)} (${p.warnings})` : 'never';
  process.stdout.write(
    `precision at recall ≥ ${GOAL_RECALL} (warnings), out-of-fold: over groups | one project out\n`,
  );
  const all: [string, Extra][] = [
    ['shipped three features', () => []],
    ...Object.entries(candidateFeatures(records, cands)),
  ];
  for (const [name, extra] of all) {
    const g = studyPrecision(records, cands, (i) => groups[i] as number, 5, extra);
    const p =
      sources.length > 1
        ? studyPrecision(records, cands, (i) => src[i] as number, sources.length, extra)
        : null;
    process.stdout.write(`  ${name.padEnd(58)} ${fmt(g).padEnd(12)} | ${fmt(p)}\n`);
  }
  // Why a higher precision collides with "near-copies warn": how often a top match with a near-copy
  // title is the same problem by the file's labels (shipped weights).
  process.stdout.write('top match by title cosine (shipped weights): records, correct, precision\n');
  for (const [lo, hi] of [
    [0.95, 2],
    [0.8, 0.95],
    [0.6, 0.8],
    [0, 0.6],
  ] as const) {
    let rows = 0;
    let correct = 0;
    for (const c of cands) {
      const t = [...c].sort((a, b) => b.match.score - a.match.score)[0];
      if (!t || t.match.titleSim < lo || t.match.titleSim >= hi) continue;
      rows++;
      correct += t.y;
    }
    process.stdout.write(
      `  ${lo.toFixed(2)}–${hi > 1 ? '1.00' : hi.toFixed(2)}  ${String(rows).padStart(5)}  ${String(correct).padStart(3)}  ${(correct / Math.max(1, rows)).toFixed(3)}\n`,
    );
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
