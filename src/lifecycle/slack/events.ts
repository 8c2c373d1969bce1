import type { App } from '@slack/bolt';
import { listOpenIncidents, listRecentlyResolved } from '../../incidents/list.js';
import type { Incident } from '../../incidents/model.js';
import type { Deps } from '../../runtime/deps.js';
import { canView, forgetMember, type MemberCache } from '../../slack/access.js';
import { recordChannelArchived, recordMembership } from '../membership.js';
import { homeView } from './views/home.js';

/** Private incidents are shown only to their channel's members (hidden when Slack cannot tell). */
async function visibleTo(
  members: MemberCache,
  client: App['client'],
  list: Incident[],
  userId: string,
): Promise<Incident[]> {
  const out: Incident[] = [];
  for (const i of list) if (await canView(members, client, i, userId)) out.push(i);
  return out;
}

/** events listeners of the lifecycle feature. */
export function register(app: App, deps: Deps): void {
  app.event('app_home_opened', async ({ event, client, body }) => {
    if (event.tab !== 'home') return;
    const now = deps.clock.now();
    const open = await visibleTo(deps.members, client, listOpenIncidents(deps.db), event.user);
    const resolved = await visibleTo(deps.members, client, listRecentlyResolved(deps.db, now), event.user);
    const teamId = (body as { team_id?: string }).team_id;
    await client.views.publish({ user_id: event.user, view: homeView(open, resolved, now, teamId) });
  });

  // Joins and leaves in incident channels go on the timeline (the postmortem's who-was-there).
  app.event('member_joined_channel', async ({ event, context, body }) => {
    if (event.user === context.botUserId) return;
    recordMembership(deps.db, deps.clock, {
      channelId: event.channel,
      userId: event.user,
      joined: true,
      at: eventTime(body, deps),
      eventKey: eventId(body, `${event.channel}:${event.user}:${event.event_ts}`),
    });
  });
  app.event('member_left_channel', async ({ event, context, body }) => {
    if (event.user === context.botUserId) return;
    forgetMember(deps.members, event.channel, event.user);
    recordMembership(deps.db, deps.clock, {
      channelId: event.channel,
      userId: event.user,
      joined: false,
      at: eventTime(body, deps),
      eventKey: eventId(body, `${event.channel}:${event.user}:${event.event_ts}`),
    });
  });
  // A private incident channel sends group_archive instead of channel_archive
  // (https://api.slack.com/events/group_archive); both are the incident's end of the channel.
  const archived = async ({ event, body }: { event: { channel: string; user?: string }; body: unknown }) => {
    recordChannelArchived(deps.db, deps.clock, {
      channelId: event.channel,
      userId: event.user ?? null,
      at: eventTime(body, deps),
    });
  };
  app.event('channel_archive', archived);
  app.event('group_archive', archived);
}

function eventTime(body: unknown, deps: Deps): Date {
  const t = (body as { event_time?: unknown }).event_time;
  return typeof t === 'number' && t > 0 ? new Date(t * 1000) : deps.clock.now();
}

function eventId(body: unknown, fallback: string): string {
  const id = (body as { event_id?: unknown }).event_id;
  return typeof id === 'string' ? id : fallback;
}
