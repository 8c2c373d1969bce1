import type { WebClient } from '@slack/web-api';
import type { Deps } from './deps.js';

/**
 * After-commit notifications between features, so a verb need not know who cares:
 * the lifecycle, timeline and resolution verbs emit; the recurrence engine (and others) subscribe.
 * Emitters call `emitIncidentChange` after their transaction committed, from deferred work.
 */
export type IncidentChange =
  | { kind: 'declared'; incidentId: number }
  | { kind: 'updated'; incidentId: number; fields: string[] }
  | { kind: 'note_added'; incidentId: number }
  | { kind: 'resolved'; incidentId: number }
  | { kind: 'reopened'; incidentId: number }
  | { kind: 'root_cause_set'; incidentId: number };

export type IncidentChangeHandler = (change: IncidentChange, deps: Deps, client: WebClient) => Promise<void>;

export interface IncidentHooks {
  subscribe(handler: IncidentChangeHandler): void;
  emit(change: IncidentChange, deps: Deps, client: WebClient): void;
}

/** One per app (created in createApp), so tests never share subscribers. */
export function createIncidentHooks(): IncidentHooks {
  const handlers: IncidentChangeHandler[] = [];
  return {
    subscribe(h) {
      handlers.push(h);
    },
    emit(change, deps, client) {
      for (const h of handlers) deps.tasks.defer(`hook:${change.kind}`, () => h(change, deps, client));
    },
  };
}
