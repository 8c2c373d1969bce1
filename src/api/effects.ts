import type { IncidentChange } from '../runtime/hooks.js';

/**
 * The Slack side of a change made through the API, as a port: src/api stays free of Slack, and the
 * app wires in the implementation (src/api/slack/effects.ts) that runs the very same after-commit
 * work a change made in Slack runs, so the channel cannot tell the two apart (but for the author).
 * Each method is called after the change committed and returns at once (the work is deferred).
 */
export interface ApiEffects {
  /** A new incident: its channel, invites, pinned summary, announcement, then the `declared` hook. */
  declared(incidentId: number): void;
  /** A notice in the incident channel; summary, topic and announcement re-rendered. */
  statusChanged(incidentId: number, from: string, to: string): void;
  severityChanged(incidentId: number, from: number, to: number): void;
  /** The hooks for what a verb changed (`note_added`: the recurrence engine reads the note). */
  publish(changes: readonly IncidentChange[]): void;
}

/** For tools and tests that run the API without Slack. */
export const noEffects: ApiEffects = {
  declared() {},
  statusChanged() {},
  severityChanged() {},
  publish() {},
};
