import type { KnownBlock } from '@slack/types';
import { type Incident, incidentRef, severityLabel, statusLabel } from '../../../incidents/model.js';
import { channelLink, mention, safe } from '../../../slack/format.js';
import { severityEmoji, statusEmoji } from './summary.js';

export interface AnnouncementMessage {
  text: string;
  blocks: KnownBlock[];
}

export const PRIVATE_ANNOUNCEMENT = 'A private incident was declared.';

/**
 * The announcement in ANNOUNCE_CHANNEL, edited in place as the incident changes. A private incident
 * gets one fixed sentence: no number, title, services, people, status or link, ever.
 */
export function announcementMessage(i: Incident): AnnouncementMessage {
  if (i.isPrivate) {
    return {
      text: PRIVATE_ANNOUNCEMENT,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:lock: ${PRIVATE_ANNOUNCEMENT}` } }],
    };
  }
  const open = i.status !== 'resolved' && i.status !== 'closed';
  const head = `${open ? ':rotating_light:' : ':white_check_mark:'} *${incidentRef(i)}* ${safe(i.title, 600)}`;
  const facts = [
    `${severityEmoji(i.severity)} ${severityLabel(i.severity)}`,
    `${statusEmoji(i.status)} ${statusLabel(i.status)}`,
    `Lead: ${i.leadId ? mention(i.leadId) : 'nobody yet'}`,
  ];
  if (i.services.length) facts.push(`Services: ${safe(i.services.join(', '), 300)}`);
  const where = i.channelId ? `Join ${channelLink(i.channelId)}` : 'The channel is being set up';
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${facts.join(' · ')} · ${where}` }] },
  ];
  const text = `${incidentRef(i)} ${severityLabel(i.severity)} ${statusLabel(i.status)}: ${safe(i.title, 300)}`;
  return { text, blocks };
}

/** A status update, posted in the incident channel and threaded under the announcement. */
export function statusUpdateMessage(i: Incident, authorId: string, text: string): AnnouncementMessage {
  const head = `:mega: *Update on ${incidentRef(i)}* from ${mention(authorId)} · ${statusEmoji(i.status)} ${statusLabel(i.status)} · ${severityLabel(i.severity)}`;
  return {
    text: `Update on ${incidentRef(i)}: ${safe(text, 300)}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: head } },
      { type: 'section', text: { type: 'mrkdwn', text: safe(text, 2900) } },
    ],
  };
}

/** One line in the incident channel for each change, so the channel reads as a log. */
export function changeNotice(text: string): AnnouncementMessage {
  return { text, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }] };
}
