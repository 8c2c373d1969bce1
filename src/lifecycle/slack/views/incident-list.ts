import type { KnownBlock } from '@slack/types';
import { humanDuration } from '../../../incidents/durations.js';
import { type Incident, incidentRef, severityLabel, statusLabel } from '../../../incidents/model.js';
import { channelLink, mention, safe } from '../../../slack/format.js';
import { severityEmoji, statusEmoji } from './summary.js';

/** One line about an incident: severity, number, title, status, lead, age. */
export function incidentLine(i: Incident, now: Date): string {
  const where = i.channelId ? ` · ${channelLink(i.channelId)}` : '';
  const lead = i.leadId ? mention(i.leadId) : 'no lead';
  const age = humanDuration(now.getTime() - i.declaredAt.getTime());
  return `${severityEmoji(i.severity)} *${incidentRef(i)}* ${safe(i.title, 300)}\n${severityLabel(i.severity)} · ${statusEmoji(i.status)} ${statusLabel(i.status)} · ${lead} · open ${age}${i.isPrivate ? ' · :lock: private' : ''}${where}`;
}

const MAX_ROWS = 40;

/** `/incident list`: the open incidents the caller may see, in a message within Block Kit limits. */
export function incidentListMessage(open: Incident[], now: Date): { text: string; blocks: KnownBlock[] } {
  if (open.length === 0) {
    return {
      text: 'No open incidents. :tada:',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'No open incidents. :tada:' } }],
    };
  }
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `Open incidents (${open.length})` } },
  ];
  for (const i of open.slice(0, MAX_ROWS)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: incidentLine(i, now) } });
  }
  if (open.length > MAX_ROWS) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${open.length - MAX_ROWS} more (the least severe).` }],
    });
  }
  return { text: `${open.length} open incident${open.length === 1 ? '' : 's'}`, blocks };
}
