import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDb } from '../db/client.js';
import { openMigratedDb } from '../db/migrate.js';
import type { RecurrenceDoc } from './engine.js';
import { type EvalRecord, type EvalResult, runEval } from './evaluate.js';
import { importIncident } from './import.js';
import { engineFor, indexIncident } from './store.js';
import { DEFAULT_POLICY, type WarnPolicy } from './warn.js';

/**
 * The eval through the real pipeline: every record is imported into a temporary database (the
 * import verb) and indexed from there (the store), after it was ranked against the ones before it.
 */
export function evaluateOnTempDb(
  records: EvalRecord[],
  opts: { policy?: WarnPolicy; onProgress?: (done: number, total: number) => void } = {},
): EvalResult {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-eval-'));
  const db = openMigratedDb(join(dir, 'eval.db'));
  try {
    const recordOf = new Map<number, number>();
    return runEval(
      records,
      {
        rank(input) {
          const doc: RecurrenceDoc = { id: -1, ...input };
          const matches = engineFor(db).rank(doc, { limit: 20, before: input.at + 1 });
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
          indexIncident(db, inc.id);
        },
      },
      opts.policy ?? DEFAULT_POLICY,
      opts.onProgress,
    );
  } finally {
    closeDb(db);
    rmSync(dir, { recursive: true, force: true });
  }
}
