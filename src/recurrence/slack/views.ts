import type { ActionsBlock, ContextBlock, KnownBlock } from '@slack/types';
import { type FollowUp, type Incident, incidentRef } from '../../incidents/model.js';
import {
  channelLink,
  escapeText,
  incidentRefLink,
  mention,
  safe,
  slackDate,
  truncate,
} from '../../slack/format.js';
import { ACTION, BLOCK } from '../../slack/ids.js';
import { LIMITS } from '../../slack/limits.js';
import type { Explanation, Finding } from '../check.js';
import type { LinkRow } from '../feedback.js';

/**
 * Recurrence messages, as pure functions of what the engine found. A private incident is never
 * described to anyone outside its channel: every message here is posted in another incident's
 * channel, so a private match appears only as "a similar private incident exists; ask its lead".
 */

type Message = { text: string; blocks: KnownBlock[] };

const SOURCE_LABELS: Record<string, string> = {
  jira: 'Jira',
  pagerduty: 'PagerDuty',
  opsgenie: 'Opsgenie',
  'incident-io': 'incident.io',
  firebreak: 'a file',
};
const importSourceLabel = (s: string): string => SOURCE_LABELS[s] ?? escapeText(s);

const DAY = 86_400_000;
/** Matches with full detail per message: 4 blocks each stays far inside the 50-block limit. */
export const MAX_WARNINGS_SHOWN = 5;
const MAX_FOLLOW_UPS_SHOWN = 5;

export function ago(days: number): string {
  if (days < 1) return 'earlier today';
  if (days < 2) return 'yesterday';
  if (days < 60) return `${Math.round(days)} days ago`;
  if (days < 730) return `${Math.round(days / 30)} months ago`;
  return `${Math.round(days / 365)} years ago`;
}

/** "3 days overdue", "due 2026-12-01", "no due date". */
export function overdueText(f: Pick<FollowUp, 'dueDate'>, now: Date): string {
  if (!f.dueDate) return 'no due date';
  const today = now.toISOString().slice(0, 10);
  if (f.dueDate >= today) return `due ${f.dueDate}`;
  const days = Math.round((Date.parse(today) - Date.parse(f.dueDate)) / DAY);
  return `${days} day${days === 1 ? '' : 's'} overdue`;
}

/** The checkable "why": shared words, services, category, error signatures, how long ago. */
export function explanationText(e: Explanation): string {
  const parts: string[] = [];
  if (e.sharedTerms.length)
    parts.push(
      `shared words ${e.sharedTerms
        .slice(0, 8)
        .map((t) => `\`${escapeText(t.startsWith('ver:') ? `version ${t.slice(4)}` : t)}\``)
        .join(', ')}`,
    );
  if (e.sharedServices.length)
    parts.push(`same service ${e.sharedServices.map((s) => `\`${escapeText(s)}\``).join(', ')}`);
  if (e.sameCategory && e.category) parts.push(`same root-cause category (${escapeText(e.category)})`);
  if (e.sharedSignatures.length)
    parts.push(
      `same error ${e.sharedSignatures
        .slice(0, 4)
        .map((s) => `\`${escapeText(s)}\``)
        .join(', ')}`,
    );
  parts.push(ago(e.ageDays));
  // Every part is already escaped; cut only.
  return truncate(`Why: ${parts.join(' · ')}`, 2000);
}

const privateLine = (related: Incident, open = false): string =>
  `A similar private incident ${open ? 'is open right now' : 'exists'}; ask its lead${related.leadId ? ` ${mention(related.leadId)}` : ''}.`;

function feedbackBlock(link: LinkRow, extra: ActionsBlock['elements'] = []): ActionsBlock | ContextBlock {
  if (link.feedback) {
    const what =
      link.feedback === 'same' ? ':white_check_mark: Marked as the same problem' : ':x: Marked not related';
    return {
      type: 'context',
      block_id: `${BLOCK.recurrenceMatch}:${link.id}`,
      elements: [
        { type: 'mrkdwn', text: `${what}${link.feedbackBy ? ` by ${mention(link.feedbackBy)}` : ''}` },
      ],
    };
  }
  return {
    type: 'actions',
    block_id: `${BLOCK.recurrenceMatch}:${link.id}`,
    elements: [
      ...extra,
      {
        type: 'button',
        action_id: ACTION.recurrenceSame,
        text: { type: 'plain_text', text: 'Same problem' },
        value: String(link.id),
        style: 'primary',
      },
      {
        type: 'button',
        action_id: ACTION.recurrenceUnrelated,
        text: { type: 'plain_text', text: 'Not related' },
        value: String(link.id),
      },
    ],
  };
}

function followUpLines(list: FollowUp[], now: Date): string {
  const shown = list
    .slice(0, MAX_FOLLOW_UPS_SHOWN)
    .map(
      (f) =>
        `• ${safe(f.text, 200)} (${f.ownerId ? mention(f.ownerId) : 'no owner'}, ${overdueText(f, now)})`,
    );
  if (list.length > shown.length) shown.push(`… and ${list.length - shown.length} more`);
  return shown.join('\n');
}

/** One earlier incident in full: number, title, when, channel, root cause, fix, open follow-ups. */
function matchBlocks(f: Finding, now: Date): KnownBlock[] {
  const r = f.related;
  if (r.isPrivate)
    return [{ type: 'section', text: { type: 'mrkdwn', text: privateLine(r) } }, feedbackBlock(f.link)];
  const where = r.channelId
    ? ` · ${channelLink(r.channelId)}`
    : r.imported
      ? ` · imported${r.importSource ? ` from ${importSourceLabel(r.importSource)}` : ''}`
      : '';
  const lines = [
    `*${incidentRefLink(r)}* ${safe(r.title, 300)}`,
    `${slackDate(r.declaredAt, '{date_short_pretty}')} (${ago(f.explanation.ageDays)})${where}`,
    `*Root cause:* ${r.rootCauseSummary ? safe(r.rootCauseSummary, 900) : '_not written down_'}`,
    `*What fixed it:* ${r.resolutionSummary ? safe(r.resolutionSummary, 900) : '_not written down_'}`,
  ];
  if (f.openFollowUps.length)
    lines.push(`*Still open from last time:*\n${followUpLines(f.openFollowUps, now)}`);
  return [
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: explanationText(f.explanation) }] },
    feedbackBlock(f.link),
  ];
}

function possibleLine(f: Finding): string {
  const r = f.related;
  if (r.isPrivate) return '• a similar private incident (ask around)';
  return `• *${incidentRefLink(r)}* ${safe(r.title, 150)} (${ago(f.explanation.ageDays)}${r.channelId ? `, ${channelLink(r.channelId)}` : ''})`;
}

/** At declaration or after a change: strong matches in full, weaker ones as a short list. */
export function recurrenceWarning(warnings: Finding[], possible: Finding[], now: Date): Message | null {
  if (warnings.length === 0 && possible.length === 0) return null;
  const blocks: KnownBlock[] = [];
  const shown = warnings.slice(0, MAX_WARNINGS_SHOWN);
  if (shown.length) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:repeat: *This looks like ${shown.length === 1 ? 'an incident' : 'incidents'} we have seen before.* Check what caused and fixed ${shown.length === 1 ? 'it' : 'them'}:`,
      },
    });
    for (const f of shown) {
      blocks.push({ type: 'divider' });
      blocks.push(...matchBlocks(f, now));
    }
  }
  if (possible.length) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Possibly related, weaker matches:\n${possible.map(possibleLine).join('\n')}`,
        },
      ],
    });
  }
  const names = shown.map((f) => (f.related.isPrivate ? 'a private incident' : incidentRef(f.related)));
  const text = shown.length
    ? `This looks like ${names.join(', ')} seen before.`
    : `Possibly related: ${possible.map((f) => (f.related.isPrivate ? 'a private incident' : incidentRef(f.related))).join(', ')}`;
  return { text, blocks };
}

/** "INC-12 is open right now and looks the same — join it?", posted in `here`'s channel about `other`. */
export function openDuplicateNotice(other: Incident, link: LinkRow): Message {
  if (other.isPrivate || !other.channelId) {
    const text = other.isPrivate
      ? privateLine(other, true)
      : `${incidentRef(other)} is open right now and looks the same.`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, feedbackBlock(link)] };
  }
  const text = `${incidentRef(other)} is open right now and looks the same — join it?`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:busts_in_silhouette: *${incidentRef(other)}* (${safe(other.title, 300)}) is open right now in ${channelLink(other.channelId)} and looks the same — join it?`,
        },
      },
      feedbackBlock(link, [
        {
          type: 'button',
          action_id: ACTION.recurrenceJoin,
          text: { type: 'plain_text', text: `Join ${incidentRef(other)}` },
          value: String(other.id),
        },
      ]),
    ],
  };
}

/** At resolution: "This root cause also caused INC-4 and INC-9." */
export function rootCauseEcho(related: Incident[]): Message | null {
  if (related.length === 0) return null;
  const named = related
    .filter((r) => !r.isPrivate)
    .map((r) =>
      r.channelId ? `*${incidentRef(r)}* (${channelLink(r.channelId)})` : `*${incidentRefLink(r)}*`,
    );
  const hidden = related.length - named.length;
  if (hidden > 0) named.push(hidden === 1 ? 'a private incident' : `${hidden} private incidents`);
  const list = named.length === 1 ? named[0] : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
  const text = `:link: This root cause also caused ${list}. Worth a look at what was done last time.`;
  // Only numbers and channel links: nothing a person typed.
  return {
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } }],
  };
}

/** Parses a feedback button value (the recurrence_links id). */
export function parseLinkId(value: string | undefined): number | null {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : null;
}
