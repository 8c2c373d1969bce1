import type { WebClient } from '@slack/web-api';
import type { Deps } from '../../runtime/deps.js';
import type { Listeners } from '../../slack/dispatch.js';
import { reindex, speakAboutIncident, speakAboutRootCause } from './notices.js';

/**
 * One look at an incident at a time, and at most one more queued behind it: a burst of twenty
 * notes costs two re-checks, not twenty, and the last one always sees the latest state. The queued
 * look starts no sooner than `gapMs` after the previous one began, so a stream of notes does not
 * keep the CPU busy with re-checks while Slack waits for acknowledgements.
 *
 * A change may ask for a quiet period (`quietMs`): the look then waits until no further change to
 * that incident came for that long (at most MAX_QUIET_WAIT_MS after the first), so a burst of notes
 * is re-checked once, after the burst, instead of competing with the burst's acknowledgements.
 * A lone change without one is looked at immediately.
 */
export function coalescing<C>(
  run: (incidentId: number, ctx: C) => Promise<void>,
  gapMs = RECHECK_GAP_MS,
): (incidentId: number, ctx: C, quietMs?: number) => Promise<void> {
  const running = new Map<
    number,
    { again: boolean; ctx: C; done: Promise<void>; quietUntil: number; started: boolean }
  >();
  return (incidentId, ctx, quietMs = 0) => {
    const current = running.get(incidentId);
    if (current) {
      current.again = true;
      current.ctx = ctx;
      if (!current.started) current.quietUntil = Math.max(current.quietUntil, Date.now() + quietMs);
      return current.done;
    }
    const entry = {
      again: false,
      ctx,
      done: Promise.resolve(),
      quietUntil: Date.now() + quietMs,
      started: false,
    };
    running.set(incidentId, entry);
    entry.done = (async () => {
      try {
        const deadline = Date.now() + MAX_QUIET_WAIT_MS;
        // Every change during the wait pushes quietUntil on; the look sees them all at once.
        for (let now = Date.now(); now < Math.min(entry.quietUntil, deadline); now = Date.now())
          await new Promise((r) => setTimeout(r, Math.min(entry.quietUntil, deadline) - now));
        entry.started = true;
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

/** Re-checks run since start (the http bench shows that notes are still re-checked). */
export const recheckStats = { runs: 0 };

/** Least time between the starts of two re-checks of one incident during a burst of changes. */
export const RECHECK_GAP_MS = 1000;
/**
 * A note is re-checked once its incident had no new note for this long: notes come in bursts
 * (a scribe pasting, a bot relaying), and what they add rarely changes the match within a second.
 */
export const NOTE_QUIET_MS = 250;
/** A steady stream of notes still gets its re-check this soon after the first. */
export const MAX_QUIET_WAIT_MS = 3000;

/**
 * The recurrence feature listens to incident changes (after-commit hooks), not to Slack events:
 * a declaration, an edit of what the incident is about, or a new note may reveal a match; a
 * resolution with a root cause may echo earlier ones.
 */
export function register(app: Listeners, deps: Deps): void {
  const look = coalescing<WebClient>((incidentId, client) => {
    recheckStats.runs++;
    return speakAboutIncident(deps, client, incidentId);
  });
  const d = deps;
  const c = app.client;
  deps.hooks.subscribe(async (change) => {
    switch (change.kind) {
      case 'declared':
      case 'updated':
        await look(change.incidentId, c);
        return;
      case 'note_added':
        await look(change.incidentId, c, NOTE_QUIET_MS);
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
