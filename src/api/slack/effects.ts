import type { WebClient } from '@slack/web-api';
import { DomainError, invalid } from '../../incidents/errors.js';
import { incidentRef } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import { afterChange } from '../../lifecycle/slack/changes.js';
import { inviteIfMissing } from '../../lifecycle/slack/commands.js';
import { setupIncident } from '../../lifecycle/slack/setup.js';
import { severityChangeNotice } from '../../lifecycle/slack/views/severity-modal.js';
import { statusChangeNotice } from '../../lifecycle/slack/views/status-modal.js';
import { announceResolution, refreshQuietly } from '../../resolution/slack/effects.js';
import type { Deps } from '../../runtime/deps.js';
import { isIncidentMember } from '../../slack/access.js';
import { describeError } from '../../slack/effects.js';
import { mention, safe } from '../../slack/format.js';
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
    resolved(incidentId, changes) {
      afterCommit(deps, 'resolve:announce (API)', () =>
        announceResolution(deps, client(), incidentId, API_ACTOR, changes),
      );
    },
    reopened(incidentId, reason, changes) {
      // The text /incident reopen posts (src/resolution/slack/commands.ts), by "API".
      afterCommit(deps, 'reopen:announce (API)', async () => {
        const incident = getIncidentById(deps.db, incidentId);
        if (!incident) return;
        if (incident.channelId) {
          try {
            await client().chat.postMessage({
              channel: incident.channelId,
              text: `:rewind: ${mention(API_ACTOR)} reopened ${incidentRef(incident)}${reason ? `: ${safe(reason, 2000)}` : '.'} Status is back to Investigating.`,
            });
          } catch (e) {
            deps.logger.error(
              `${incidentRef(incident)} is reopened, but I could not say so in its channel (${describeError(e)}).`,
            );
          }
        }
        await refreshQuietly(deps, client(), incidentId);
        publish(deps, changes);
      });
    },
    roleChanged(incidentId, role, userId) {
      const incident = getIncidentById(deps.db, incidentId);
      if (!incident) return;
      afterChange(deps, client(), incidentId, `${mention(API_ACTOR)} made ${mention(userId)} the ${role}.`);
      inviteIfMissing(deps, client(), incident, userId, API_ACTOR);
    },
    async checkPerson(incident, userId, field) {
      try {
        // The directory's own check (`/incident lead @app` is refused): an incident needs a person.
        deps.people.resolve(userId);
      } catch (e) {
        throw e instanceof DomainError ? invalid(e.message, field) : e;
      }
      if (!incident.isPrivate) return;
      let member: boolean;
      try {
        member = await isIncidentMember(deps.members, client(), incident, userId);
      } catch (e) {
        throw new DomainError(
          'slack_failed',
          `Slack could not say who is in the channel: ${describeError(e)}`,
        );
      }
      if (!member)
        throw invalid(
          `${userId} is not in ${incidentRef(incident)}’s private channel; invite them first.`,
          field,
        );
    },
  };
}
