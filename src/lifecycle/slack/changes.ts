import type { WebClient } from '@slack/web-api';
import type { Incident } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import type { IncidentChange } from '../../runtime/hooks.js';
import { afterCommit, publish } from '../../slack/kit.js';
import { refreshIncidentSurfaces } from './surfaces.js';
import { changeNotice, statusUpdateMessage } from './views/announcement.js';

/**
 * After a committed change: a one-line notice in the incident channel, the summary, topic and
 * announcement re-rendered, and the verb's changes published to other features. Runs after the answer to Slack;
 * failures reach the logger through `tasks`.
 */
export function afterChange(
  deps: Deps,
  client: WebClient,
  incidentId: number,
  notice: string | null,
  /** What the verb returned for the hooks. */
  changes: readonly IncidentChange[] = [],
): void {
  afterCommit(deps, `incident ${incidentId} changed`, async () => {
    const i = getIncidentById(deps.db, incidentId);
    if (notice && i?.channelId)
      await client.chat.postMessage({ channel: i.channelId, ...changeNotice(notice) });
    await refreshIncidentSurfaces(deps, client, incidentId);
  });
  publish(deps, changes);
}

/** A status update: in the incident channel, and in the announcement's thread for public incidents. */
export async function publishStatusUpdate(
  client: WebClient,
  incident: Incident,
  authorId: string,
  text: string,
): Promise<void> {
  const msg = statusUpdateMessage(incident, authorId, text);
  if (incident.channelId) await client.chat.postMessage({ channel: incident.channelId, ...msg });
  if (!incident.isPrivate && incident.announcementChannel && incident.announcementTs) {
    await client.chat.postMessage({
      channel: incident.announcementChannel,
      thread_ts: incident.announcementTs,
      ...msg,
    });
  }
}
