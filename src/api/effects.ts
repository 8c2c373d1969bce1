import type { Incident } from '../incidents/model.js';
import type { AssignableRole } from '../lifecycle/assign-role.js';
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
  /** The resolution message in the channel, surfaces re-rendered, then the hooks (`changes`). */
  resolved(incidentId: number, changes: readonly IncidentChange[]): void;
  /** The reopen notice in the channel, surfaces re-rendered, then the hooks. */
  reopened(incidentId: number, reason: string, changes: readonly IncidentChange[]): void;
  /** The notice `/incident lead` / `role` posts, and the person invited to the channel. */
  roleChanged(incidentId: number, role: AssignableRole, userId: string): void;
  /**
   * Before the change: may `userId` hold a role or a follow-up of `incident`? As in Slack, a person
   * and not an app, and in a private incident a member of its channel. Refuses with a DomainError
   * (`invalid_input`, on `field`).
   */
  checkPerson(incident: Incident, userId: string, field: string): Promise<void>;
}

/** For tools and tests that run the API without Slack. */
export const noEffects: ApiEffects = {
  declared() {},
  statusChanged() {},
  severityChanged() {},
  publish() {},
  resolved() {},
  reopened() {},
  roleChanged() {},
  async checkPerson() {},
};
