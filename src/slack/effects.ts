import { eq, sql } from 'drizzle-orm';
import { effects } from '../db/schema.js';
import type { Deps } from '../runtime/deps.js';

/**
 * Slack side effects that must happen once (create a channel, post the summary, announce).
 * Each has a key; a finished effect returns its recorded result without calling Slack again,
 * and a failed one keeps the progress it saved, so a retry resumes rather than repeats.
 * Within one process, concurrent runs of the same key share one attempt.
 */
export type EffectResult = Record<string, unknown>;

export interface EffectSpec {
  key: string;
  kind: string;
  incidentId?: number | null;
}

export interface EffectContext {
  /** What an earlier, unfinished attempt saved with `save` (null on the first attempt). */
  progress: EffectResult | null;
  /** Persists partial progress now, before the next Slack call, so a crash or retry sees it. */
  save(progress: EffectResult): void;
  /** 1 on the first attempt. */
  attempt: number;
  /** When the first attempt started: whatever an earlier attempt did in Slack happened after it. */
  startedAt: Date;
}

export type EffectRow = typeof effects.$inferSelect;

export function getEffect(deps: Pick<Deps, 'db'>, key: string): EffectRow | undefined {
  return deps.db.select().from(effects).where(eq(effects.key, key)).get();
}

export async function runEffect<T extends EffectResult>(
  deps: Pick<Deps, 'db' | 'clock' | 'inProcess'>,
  spec: EffectSpec,
  fn: (ctx: EffectContext) => Promise<T>,
): Promise<T> {
  // A second call for the same key while the first runs (a retry click, the resume job) joins it.
  return (await deps.inProcess.join('effect', spec.key, () => attemptEffect(deps, spec, fn))) as T;
}

async function attemptEffect<T extends EffectResult>(
  deps: Pick<Deps, 'db' | 'clock'>,
  spec: EffectSpec,
  fn: (ctx: EffectContext) => Promise<T>,
): Promise<T> {
  const { db, clock } = deps;
  const now = clock.now();
  db.insert(effects)
    .values({
      key: spec.key,
      kind: spec.kind,
      incidentId: spec.incidentId ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .run();
  const row = db
    .update(effects)
    .set({ attempts: sql`${effects.attempts} + 1`, updatedAt: now })
    .where(eq(effects.key, spec.key))
    .returning()
    .get();
  if (!row) throw new Error(`effect ${spec.key} vanished`);
  if (row.status === 'done') {
    // Counting a no-op as an attempt would misreport; undo the bump.
    db.update(effects)
      .set({ attempts: sql`${effects.attempts} - 1` })
      .where(eq(effects.key, spec.key))
      .run();
    return (row.result ?? {}) as T;
  }
  const ctx: EffectContext = {
    progress: row.result ?? null,
    attempt: row.attempts,
    startedAt: row.createdAt,
    save(progress) {
      db.update(effects)
        .set({ result: progress, updatedAt: clock.now() })
        .where(eq(effects.key, spec.key))
        .run();
      ctx.progress = progress;
    },
  };
  try {
    const result = await fn(ctx);
    db.update(effects)
      .set({ status: 'done', result, lastError: null, updatedAt: clock.now() })
      .where(eq(effects.key, spec.key))
      .run();
    return result;
  } catch (e) {
    db.update(effects)
      .set({ status: 'failed', lastError: describeError(e), updatedAt: clock.now() })
      .where(eq(effects.key, spec.key))
      .run();
    throw e;
  }
}

/** A Slack error as one line: the platform error code when there is one. */
export function describeError(e: unknown): string {
  const err = e as { data?: { error?: string }; code?: string; message?: string };
  if (err?.data?.error) return err.data.error;
  if (err?.message) return err.message;
  return String(e);
}

/** The `error` of an `ok: false` Web API answer, if that is what failed. */
export function slackErrorCode(e: unknown): string | undefined {
  const err = e as { code?: string; data?: { error?: string } };
  return err?.code === 'slack_webapi_platform_error' ? err.data?.error : undefined;
}
