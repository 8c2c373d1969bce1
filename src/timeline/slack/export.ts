import type { WebClient } from '@slack/web-api';
import { type Incident, incidentRef } from '../../incidents/model.js';
import type { Deps } from '../../runtime/deps.js';
import { describeError } from '../../slack/effects.js';
import { channelLink } from '../../slack/format.js';
import { getPerson } from '../../slack/users.js';
import { buildPostmortem, postmortemPeople } from '../export.js';

/**
 * Uploads the postmortem draft as a Markdown file to the incident channel (`/incident export`, and
 * the fallback offered when a postmortem canvas is refused). A refusal is told through `reply`.
 */
export async function uploadPostmortemFile(
  deps: Deps,
  client: WebClient,
  incident: Incident,
  userId: string,
  reply: (text: string) => Promise<void>,
): Promise<void> {
  const channelId = incident.channelId;
  if (!channelId) {
    await reply(`:warning: ${incidentRef(incident)} has no channel to upload the draft to.`);
    return;
  }
  // Names, not ids, in the document: look up anyone Firebreak has not met yet (cached a day).
  await Promise.all(
    postmortemPeople(deps.db, incident.id).map((id) => getPerson(client, deps.db, deps.clock, id)),
  );
  const doc = buildPostmortem(deps.db, incident.id, { now: deps.clock.now() });
  try {
    await client.filesUploadV2({
      channel_id: channelId,
      filename: doc.filename,
      title: doc.title,
      content: doc.markdown,
      initial_comment: `:page_facing_up: Postmortem draft for ${incidentRef(incident)}, requested by <@${userId}>.`,
    });
  } catch (e) {
    deps.logger.error(`export of ${incidentRef(incident)} failed`, e);
    await reply(
      `:x: The postmortem draft could not be uploaded to ${channelLink(channelId)} (${describeError(e)}). Please try again.`,
    );
  }
}
