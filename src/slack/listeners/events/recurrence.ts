import type { App } from '@slack/bolt';
import type { Deps } from '../../../deps.js';
import { reindex, speakAboutIncident, speakAboutRootCause } from '../../recurrence-notices.js';

/**
 * The recurrence feature listens to incident changes (after-commit hooks), not to Slack events:
 * a declaration, an edit of what the incident is about, or a new note may reveal a match; a
 * resolution with a root cause may echo earlier ones.
 */
export function register(_app: App, deps: Deps): void {
  deps.hooks.subscribe(async (change, d, client) => {
    switch (change.kind) {
      case 'declared':
      case 'updated':
      case 'note_added':
        await speakAboutIncident(d, client, change.incidentId);
        return;
      case 'resolved':
      case 'root_cause_set':
        reindex(d, change.incidentId);
        await speakAboutRootCause(d, client, change.incidentId);
        return;
      case 'reopened':
        reindex(d, change.incidentId);
        return;
    }
  });
}
