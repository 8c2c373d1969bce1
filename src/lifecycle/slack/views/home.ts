import type { HomeView, KnownBlock } from '@slack/types';
import { humanDuration } from '../../../incidents/durations.js';
import { type Incident, incidentRef } from '../../../incidents/model.js';
import { safe, slackDate } from '../../../slack/format.js';
import { ACTION } from '../../../slack/ids.js';
import { incidentLine } from './incident-list.js';

const OPEN_MAX = 35;
const RESOLVED_MAX = 15;

/** A link that opens a channel in the Slack client. */
export const channelUrl = (teamId: string | undefined, channelId: string): string =>
  `https://slack.com/app_redirect?channel=${encodeURIComponent(channelId)}${teamId ? `&team=${encodeURIComponent(teamId)}` : ''}`;

/** The App Home tab: a Declare button, open incidents most severe first, recently resolved below. */
export function homeView(open: Incident[], resolved: Incident[], now: Date, teamId?: string): HomeView {
  const blocks: KnownBlock[] = [
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION.homeDeclare,
          text: { type: 'plain_text', text: 'Declare incident' },
          style: 'danger',
          value: 'declare',
        },
      ],
    },
    { type: 'header', text: { type: 'plain_text', text: `Open incidents (${open.length})` } },
  ];
  if (open.length === 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'Nothing is on fire. :tada:' } });
  }
  for (const i of open.slice(0, OPEN_MAX)) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: incidentLine(i, now) },
      ...(i.channelId
        ? {
            accessory: {
              type: 'button',
              action_id: ACTION.openChannel,
              text: { type: 'plain_text', text: 'Open channel' },
              url: channelUrl(teamId, i.channelId),
              value: String(i.id),
            },
          }
        : {}),
    });
  }
  if (open.length > OPEN_MAX) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `…and ${open.length - OPEN_MAX} more; \`/incident list\` shows all.` },
      ],
    });
  }
  blocks.push(
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: 'Recently resolved' } },
  );
  if (resolved.length === 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'None in the last 7 days.' }] });
  }
  for (const i of resolved.slice(0, RESOLVED_MAX)) {
    const took = i.resolvedAt ? humanDuration(i.resolvedAt.getTime() - i.declaredAt.getTime()) : '?';
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:white_check_mark: *${incidentRef(i)}* ${safe(i.title, 300)} · resolved ${i.resolvedAt ? slackDate(i.resolvedAt) : ''} after ${took}`,
        },
      ],
    });
  }
  return { type: 'home', blocks };
}
