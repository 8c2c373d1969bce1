import type { WebClient } from '@slack/web-api';
import type { Db } from '../../db/client.js';
import { DomainError } from '../../incidents/errors.js';
import { type FollowUp, type Incident, incidentRef } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { isIncidentMember, type MemberCache } from '../../slack/access.js';
import { describeError } from '../../slack/effects.js';
import { mention } from '../../slack/format.js';
import { tellPrivately } from '../../slack/kit.js';
import { getUserTz } from '../../slack/users.js';
import type { FollowUpEdited } from '../edit-follow-up.js';
import { localTime } from '../reminders.js';

import { followUpAssignedMessage } from './views/follow-ups.js';

/**
 * Follow-up edits from the Edit button's form and from `/incident followup edit`: who may make
 * them, who may be made owner, and telling a new owner.
 */

/**
 * Who may finish, snooze or edit a follow-up: its owner, or anyone in the incident's channel
 * (the same rule for buttons, the edit form and `/incident followup edit`).
 */
export async function assertMayTouchFollowUp(
  db: Db,
  members: MemberCache,
  client: WebClient,
  f: FollowUp,
  userId: string,
): Promise<Incident> {
  const incident = getIncidentById(db, f.incidentId);
  if (!incident) throw new DomainError('not_found', 'That follow-up’s incident no longer exists.');
  if (f.ownerId === userId) return incident;
  if (await isIncidentMember(members, client, incident, userId)) return incident;
  throw new DomainError(
    'not_member',
    `Only the owner of that follow-up or members of ${incidentRef(incident)}’s channel can change it.`,
  );
}

/**
 * A private incident's follow-up goes only to someone in its channel: its reminders carry the
 * incident's title and the work, which outsiders must not see.
 */
export async function assertMayOwn(
  members: MemberCache,
  client: WebClient,
  incident: Incident,
  ownerId: string,
  field?: string,
): Promise<void> {
  if (!incident.isPrivate) return;
  if (await isIncidentMember(members, client, incident, ownerId)) return;
  throw new DomainError(
    'not_member',
    `The new owner is not in ${incidentRef(incident)}’s private channel; invite them first, then make them the owner.`,
    field,
  );
}

/**
 * After the commit: a new owner hears it from the bot (unless they made the change themselves).
 * A refused DM is told to the editor rather than dropped.
 */
export async function announceFollowUpEdit(
  deps: Deps,
  client: WebClient,
  result: FollowUpEdited,
  by: string,
): Promise<void> {
  const owner = result.changes.ownerId?.to;
  if (!owner || owner === by) return;
  const incident = getIncidentById(deps.db, result.followUp.incidentId);
  if (!incident) return;
  const today = localTime(deps.clock.now(), await getUserTz(client, deps.db, deps.clock, owner)).date;
  try {
    await client.chat.postMessage({
      channel: owner,
      ...followUpAssignedMessage(result.followUp, incident, by, today),
    });
  } catch (e) {
    await tellPrivately(
      client,
      by,
      null,
      `:warning: Follow-up #${result.followUp.id} is theirs now, but I could not tell ${mention(owner)} (${describeError(e)}).`,
    );
  }
}
