import type { WebClient } from '@slack/web-api';
import { DomainError } from '../incidents/errors.js';
import { type Incident, incidentRef } from '../incidents/model.js';
import type { Deps } from '../runtime/deps.js';
import { slackErrorCode } from './effects.js';
import { channelLink } from './format.js';

/**
 * Who may change an incident: the members of its channel (Slack is the source of truth, asked
 * through conversations.members). Before a channel exists, the declarer and the lead may.
 *
 * Confirmed memberships are remembered for a minute per channel, so a burst of notes does not
 * cost one Web API call each. Only "is a member" is remembered: someone who just joined is never
 * refused from a stale list, and a leave (member_left_channel) is forgotten at once.
 */
const MEMBERS_TTL_MS = 60_000;

/** Confirmed channel members, per app (createApp builds one): two apps in one process share nothing. */
export interface MemberCache {
  readonly known: Map<string, { members: Set<string>; at: number }>;
}
export const createMemberCache = (): MemberCache => ({ known: new Map() });

/** Call on member_left_channel: that person's membership is no longer taken on trust. */
export function forgetMember(cache: MemberCache, channel: string, userId: string): void {
  cache.known.get(channel)?.members.delete(userId);
}

/** Slack errors that mean "the bot cannot see this channel's members" rather than a passing fault. */
const GONE = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'missing_scope']);

export async function isIncidentMember(
  cache: MemberCache,
  client: WebClient,
  incident: Incident,
  userId: string,
): Promise<boolean> {
  if (!incident.channelId) return userId === incident.declaredBy || userId === incident.leadId;
  const key = incident.channelId;
  const cached = cache.known.get(key);
  if (cached && Date.now() - cached.at < MEMBERS_TTL_MS && cached.members.has(userId)) return true;
  const members = new Set<string>();
  try {
    let cursor: string | undefined;
    do {
      // Slack refuses a limit of 1000 or more (invalid_limit) and recommends at most 200 a page.
      const res = await client.conversations.members({ channel: incident.channelId, cursor, limit: 200 });
      for (const m of res.members ?? []) members.add(m);
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
  } catch (e) {
    const code = slackErrorCode(e);
    // A channel the bot can no longer see has no members we can vouch for.
    if (code !== undefined && GONE.has(code)) return false;
    throw new DomainError(
      'slack_failed',
      `Slack did not say who is in ${channelLink(incident.channelId)} (${code ?? 'no answer'}), so I could not check that you may do this. Please try again in a moment.`,
    );
  }
  cache.known.set(key, { members, at: Date.now() });
  return members.has(userId);
}

export async function assertCanChange(
  deps: Deps,
  client: WebClient,
  incident: Incident,
  userId: string,
): Promise<void> {
  if (await isIncidentMember(deps.members, client, incident, userId)) return;
  const where = incident.channelId ? channelLink(incident.channelId) : 'the incident channel';
  throw new DomainError(
    'not_member',
    incident.isPrivate
      ? 'You can’t change that incident: only members of its channel can.'
      : `Only members of ${where} can change ${incidentRef(incident)}. Join the channel first.`,
  );
}

/**
 * Private incidents are visible only to their channel's members; public ones to everyone.
 * When Slack cannot tell, a private incident stays hidden: privacy fails closed.
 */
export async function canView(
  cache: MemberCache,
  client: WebClient,
  incident: Incident,
  userId: string,
): Promise<boolean> {
  if (!incident.isPrivate) return true;
  try {
    return await isIncidentMember(cache, client, incident, userId);
  } catch {
    return false;
  }
}
