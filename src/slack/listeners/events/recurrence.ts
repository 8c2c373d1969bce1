import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Deps } from '../../../deps.js';
import { reindex, speakAboutIncident, speakAboutRootCause } from '../../recurrence-notices.js';

/**
 * One look at an incident at a time, and at most one more queued behind it: a burst of twenty
 * notes costs two re-checks, not twenty, and the last one always sees the latest state. The queued
 * look starts no sooner than `gapMs` after the previous one began, so a stream of notes does not
 * keep the CPU busy with re-checks while Slack waits for acknowledgements. A lone change is looked
 * at immediately.
 */
export function coalescing<C>(
  run: (incidentId: number, ctx: C) => Promise<void>,
  gapMs = RECHECK_GAP_MS,
): (incidentId: number, ctx: C) => Promise<void> {
  const running = new Map<number, { again: boolean; ctx: C; done: Promise<void> }>();
  return (incidentId, ctx) => {
    const current = running.get(incidentId);
    if (current) {
      current.again = true;
      current.ctx = ctx;
      return current.done;
    }
    const entry = { again: false, ctx, done: Promise.resolve() };
    running.set(incidentId, entry);
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          const started = Date.now();
          await run(incidentId, entry.ctx);
          const wait = gapMs - (Date.now() - started);
          if (entry.again && wait > 0) await new Promise((r) => setTimeout(r, wait));
        } while (entry.again);
      } finally {
        running.delete(incidentId);
      }
    })();
    return entry.done;
  };
}

/** Least time between the starts of two re-checks of one incident during a burst of changes. */
export const RECHECK_GAP_MS = 1000;

/**
 * The recurrence feature listens to incident changes (after-commit hooks), not to Slack events:
 * a declaration, an edit of what the incident is about, or a new note may reveal a match; a
 * resolution with a root cause may echo earlier ones.
 */
export function register(_app: App, deps: Deps): void {
  const look = coalescing<WebClient>((incidentId, client) => speakAboutIncident(deps, client, incidentId));
  deps.hooks.subscribe(async (change, d, c) => {
    switch (change.kind) {
      case 'declared':
      case 'updated':
      case 'note_added':
        await look(change.incidentId, c);
        return;
      case 'resolved':
      case 'root_cause_set':
        reindex(d, change.incidentId);
        await speakAboutRootCause(d, c, change.incidentId);
        return;
      case 'reopened':
        reindex(d, change.incidentId);
        return;
    }
  });
}
