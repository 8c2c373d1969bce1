import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDb } from '../db/client.js';
import { openMigratedDb } from '../db/migrate.js';
import { recurrenceLinks } from '../db/schema.js';
import type { Match, RecurrenceDoc } from './engine.js';
import { type EvalRecord, type EvalResult, runEval } from './evaluate.js';
import { recordFeedback } from './feedback.js';
import { importIncident } from './import.js';
import { docFromIncident, engineFor, indexIncident, refreshLearned } from './store.js';
import { DEFAULT_POLICY, type WarnPolicy, warnFeatures } from './warn.js';

/**
 * The eval through the real pipeline: every record is imported into a temporary database (the
 * import verb) and indexed from there (the store), after it was ranked against the ones before it.
 *
 * With `feedback`, an oracle answers every warning as a person would, from the file's groups:
 * **Same problem** when the cited record is in the same group, **Not related** otherwise. The
 * answer goes through the real verb (a link row, recordFeedback) and the index learns from it
 * (refreshLearned) before the next record arrives.
 */
export function evaluateOnTempDb(
  records: EvalRecord[],
  opts: {
    policy?: WarnPolicy;
    onProgress?: (done: number, total: number) => void;
    feedback?: boolean;
  } = {},
): EvalResult {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-eval-'));
  const db = openMigratedDb(join(dir, 'eval.db'));
  try {
    const recordOf = new Map<number, number>();
    const incidentOf = new Map<number, number>();
    let lastMatches: Match[] = [];
    const onWarned = (index: number, cited: number, correct: boolean) => {
      const a = incidentOf.get(index);
      const b = incidentOf.get(cited);
      if (a === undefined || b === undefined) return;
      const incident = indexIncident(db, a);
      if (!incident) return;
      const now = new Date(incident.declaredAt.getTime() + 60_000);
      const sharedTerms = engineFor(db).sharedTerms(docFromIncident(incident), b);
      const link = db
        .insert(recurrenceLinks)
        .values({
          incidentId: a,
          relatedId: b,
          score: 1,
          level: 'warning',
          explanation: { sharedTerms, features: featuresOf(lastMatches) },
          createdAt: now,
          shownAt: now,
        })
        .onConflictDoNothing()
        .returning()
        .get();
      if (!link) return;
      recordFeedback(db, link.id, correct ? 'same' : 'unrelated', 'U_ORACLE', now);
      refreshLearned(db, sharedTerms);
    };
    return runEval(
      records,
      {
        rank(input) {
          const doc: RecurrenceDoc = { id: -1, ...input };
          const matches = engineFor(db).rank(doc, { limit: 20, before: input.at + 1 });
          lastMatches = matches;
          return { ranked: matches.map((m) => recordOf.get(m.id) ?? -1), matches };
        },
        add(input, index) {
          const inc = importIncident(db, {
            // The record's position is its handle here: ids are never shown to the engine.
            externalId: `eval-${index}`,
            title: input.title,
            description: input.description,
            services: input.services,
            tags: input.tags,
            date: new Date(input.at),
            rootCause: null,
            category: null,
            resolution: null,
          });
          if (!inc) return;
          recordOf.set(inc.id, index);
          incidentOf.set(index, inc.id);
          indexIncident(db, inc.id);
        },
      },
      opts.policy ?? DEFAULT_POLICY,
      opts.onProgress,
      opts.feedback ? onWarned : undefined,
    );
  } finally {
    closeDb(db);
    rmSync(dir, { recursive: true, force: true });
  }
}

function featuresOf(matches: Match[]): number[] | undefined {
  const f = warnFeatures(matches);
  return f ? [f.score, f.margin, f.coverage] : undefined;
}
