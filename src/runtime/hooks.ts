import type { Tasks } from './tasks.js';

/**
 * After-commit notifications between features, so a verb need not know who cares: the lifecycle,
 * timeline and resolution verbs return the changes they made (`incidentChanges`), the glue hands
 * them to `publish` (src/slack/kit.ts) after the transaction committed; the recurrence engine (and
 * others) subscribe.
 */
export type IncidentChange =
  | { kind: 'declared'; incidentId: number }
  | { kind: 'updated'; incidentId: number; fields: string[] }
  | { kind: 'note_added'; incidentId: number }
  | { kind: 'resolved'; incidentId: number }
  | { kind: 'reopened'; incidentId: number }
  | { kind: 'root_cause_set'; incidentId: number };

/** A subscriber gets the change only: what it needs (deps, a Web API client) it took when it subscribed. */
export type IncidentChangeHandler = (change: IncidentChange) => Promise<void>;

export interface IncidentHooks {
  subscribe(handler: IncidentChangeHandler): void;
  emit(change: IncidentChange): void;
}

/** One per app (created in createApp), so tests never share subscribers. */
export function createIncidentHooks(tasks: Pick<Tasks, 'defer'>): IncidentHooks {
  const handlers: IncidentChangeHandler[] = [];
  return {
    subscribe(h) {
      handlers.push(h);
    },
    emit(change) {
      for (const h of handlers) tasks.defer(`hook:${change.kind}`, () => h(change));
    },
  };
}
