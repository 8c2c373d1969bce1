import type { WebClient } from '@slack/web-api';
import { incidentRef } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import { afterChange } from '../../lifecycle/slack/changes.js';
import { setupIncident } from '../../lifecycle/slack/setup.js';
import { severityChangeNotice } from '../../lifecycle/slack/views/severity-modal.js';
import { statusChangeNotice } from '../../lifecycle/slack/views/status-modal.js';
import type { Deps } from '../../runtime/deps.js';
import { afterCommit, publish } from '../../slack/kit.js';
import type { ApiEffects } from '../effects.js';
import { API_ACTOR } from '../service.js';

/**
 * The API's changes shown in Slack exactly as the same change made in Slack: the calls the slash
 * commands make after their verb (setupIncident, afterChange with the same notice, the same hooks),
 * with "API" where a person's mention would be. `client` is Bolt's, read when the work runs (the
 * routes are built before the App that owns it).
 */
export function slackApiEffects(deps: Deps, client: () => WebClient): ApiEffects {
  return {
    declared(incidentId) {
      const ref = incidentRef(getIncidentById(deps.db, incidentId) ?? { number: incidentId });
      // On failure setupIncident stores setup_error (shown by GET) and the resume job does not retry
      // it; a crash before it finishes is resumed by the resume-setup job, as for a Slack declare.
      afterCommit(deps, `set up ${ref} (declared through the API)`, async () => {
        await setupIncident(deps, client(), incidentId);
      });
    },
    statusChanged(incidentId, from, to) {
      afterChange(deps, client(), incidentId, statusChangeNotice(API_ACTOR, from, to));
    },
    severityChanged(incidentId, from, to) {
      afterChange(deps, client(), incidentId, severityChangeNotice(API_ACTOR, from, to));
    },
    publish(changes) {
      publish(deps, changes);
    },
  };
}
