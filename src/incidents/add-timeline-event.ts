import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { preparedPerDb } from '../db/prepared.js';
import { timelineEvents } from '../db/schema.js';
import { redactSecrets } from '../timeline/redact.js';
import type { TimelineEvent } from './model.js';

/** A transaction or the database: verbs pass their transaction so the event commits with the change. */
export type Tx = Pick<Db, 'insert' | 'select' | 'update' | 'delete'>;

export interface NewTimelineEvent {
  incidentId: number;
  kind: string;
  text?: string;
  authorId?: string | null;
  data?: Record<string, unknown> | null;
  occurredAt: Date;
  recordedAt: Date;
  sourceChannel?: string | null;
  sourceTs?: string | null;
  permalink?: string | null;
  files?: string[];
  sourceKey?: string | null;
  capturedVia?: string | null;
  redacted?: boolean;
}

/**
 * Appends one timeline entry. With a sourceKey, the same source (a Slack message) is stored once
 * per incident: the second capture returns the existing row and `created: false`.
 * Likely secrets in `text` are redacted (src/timeline/redact.ts) and the entry flagged `redacted`.
 * Synchronous, so it can run inside a better-sqlite3 transaction.
 */
export function addTimelineEvent(tx: Tx, ev: NewTimelineEvent): { event: TimelineEvent; created: boolean } {
  // Every entry, whoever writes it, passes the secret filter before it is stored.
  const clean = redactSecrets(ev.text ?? '');
  const row = {
    incidentId: ev.incidentId,
    kind: ev.kind,
    text: clean.text,
    authorId: ev.authorId ?? null,
    data: ev.data ?? null,
    occurredAt: ev.occurredAt,
    recordedAt: ev.recordedAt,
    sourceChannel: ev.sourceChannel ?? null,
    sourceTs: ev.sourceTs ?? null,
    permalink: ev.permalink ?? null,
    files: ev.files ?? [],
    sourceKey: ev.sourceKey ?? null,
    capturedVia: ev.capturedVia ?? null,
    redacted: (ev.redacted ?? false) || clean.redacted,
  };
  // On the Db itself (a note: one statement, atomic alone) the insert is built once; a transaction
  // object is short-lived, so there it is built per call as before.
  const inserted = isDb(tx)
    ? insertPrepared(tx).get({ ...row, data: row.data === null ? null : JSON.stringify(row.data) })
    : tx.insert(timelineEvents).values(row).onConflictDoNothing().returning().get();
  if (inserted) return { event: inserted, created: true };
  const existing =
    ev.sourceKey == null
      ? undefined
      : tx
          .select()
          .from(timelineEvents)
          .where(
            and(eq(timelineEvents.incidentId, ev.incidentId), eq(timelineEvents.sourceKey, ev.sourceKey)),
          )
          .get();
  if (!existing) throw new Error('timeline insert conflicted but no existing row was found');
  return { event: existing, created: false };
}

const isDb = (tx: Tx): tx is Db => '$client' in tx;

const insertPrepared = preparedPerDb((db) =>
  db
    .insert(timelineEvents)
    .values({
      incidentId: sql.placeholder('incidentId'),
      kind: sql.placeholder('kind'),
      text: sql.placeholder('text'),
      authorId: sql.placeholder('authorId'),
      // Bare, not through the column's JSON encoder: drizzle encodes a placeholder's value even when
      // it is null, which would store the string 'null'; the caller passes JSON text or null.
      data: sql`${sql.placeholder('data')}`,
      occurredAt: sql.placeholder('occurredAt'),
      recordedAt: sql.placeholder('recordedAt'),
      sourceChannel: sql.placeholder('sourceChannel'),
      sourceTs: sql.placeholder('sourceTs'),
      permalink: sql.placeholder('permalink'),
      files: sql.placeholder('files'),
      sourceKey: sql.placeholder('sourceKey'),
      capturedVia: sql.placeholder('capturedVia'),
      redacted: sql.placeholder('redacted'),
    })
    .onConflictDoNothing()
    .returning()
    .prepare(),
);

export const messageSourceKey = (channel: string, ts: string): string => `msg:${channel}:${ts}`;
