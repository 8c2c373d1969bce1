import type { WebClient } from '@slack/web-api';
import type { Deps } from '../deps.js';
import { DomainError } from '../incidents/errors.js';
import { type Incident, incidentRef } from '../incidents/model.js';
import { channelLink } from './format.js';

/**
 * Who may change an incident: the members of its channel (Slack is the source of truth, asked
 * through conversations.members). Before a channel exists, the declarer and the lead may.
 */
export async function isIncidentMember(
  client: WebClient,
  incident: Incident,
  userId: string,
): Promise<boolean> {
  if (!incident.channelId) return userId === incident.declaredBy || userId === incident.leadId;
  let cursor: string | undefined;
  do {
    const res = await client.conversations.members({ channel: incident.channelId, cursor, limit: 1000 });
    if (res.members?.includes(userId)) return true;
    cursor = res.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return false;
}

export async function assertCanChange(
  _deps: Deps,
  client: WebClient,
  incident: Incident,
  userId: string,
): Promise<void> {
  if (await isIncidentMember(client, incident, userId)) return;
  const where = incident.channelId ? channelLink(incident.channelId) : 'the incident channel';
  throw new DomainError(
    'not_member',
    incident.isPrivate
      ? 'You can’t change that incident: only members of its channel can.'
      : `Only members of ${where} can change ${incidentRef(incident)}. Join the channel first.`,
  );
}

/** Private incidents are visible only to their channel's members; public ones to everyone. */
export async function canView(client: WebClient, incident: Incident, userId: string): Promise<boolean> {
  if (!incident.isPrivate) return true;
  return isIncidentMember(client, incident, userId);
}
