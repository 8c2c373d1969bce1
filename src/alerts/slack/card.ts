import type { ActionsBlock, KnownBlock, PlainTextOption } from '@slack/types';
import { type Incident, incidentRef, isOpen, severityLabel } from '../../incidents/model.js';
import { ago, explanationText, overdueText } from '../../recurrence/slack/views.js';
import { channelLink, escapeText, link, mention, safe, slackDate, truncate } from '../../slack/format.js';
import { ACTION, BLOCK } from '../../slack/ids.js';
import { LIMITS } from '../../slack/limits.js';
import type { AlertMatch, AlertMemory } from '../memory.js';
import type { Alert, AlertGroup } from '../model.js';
import { DISMISS_CHOICES_MIN } from '../triage.js';

/**
 * The triage card, as pure functions of what is stored: what fired, where, since when, its labels,
 * the memory's answer, and the buttons (Declare, Attach to INC-n, Dismiss for…). One card per
 * alert group, edited in place; a storm is one card with a count. Everything a sender wrote is
 * escaped and cut to Block Kit's limits (section text 3,000, option text 75, ≤ 100 options).
 */

type Message = { text: string; blocks: KnownBlock[] };

export interface CardInput {
  group: AlertGroup;
  total: number;
  firing: number;
  lead: Alert;
  recent: Alert[];
  memory: AlertMemory | null;
  /** The incident the group belongs to, if any. */
  incident: Incident | null;
  /** Open public incidents to offer under "Attach to…", the likely one first. */
  attachable: Incident[];
  now: Date;
  /**
   * Why the group has its severity ("SEV1 from the alert's severity `critical`"), already escaped;
   * without it the card shows the sender's word and the severity.
   */
  severityNote?: string;
}

/** Block Kit: a static_select holds at most 100 options; option text at most 75 characters. */
export const MAX_OPTIONS = 100;
const OPTION_TEXT_MAX = 75;
const MAX_LABELS_SHOWN = 12;
const MAX_RECENT_SHOWN = 8;
const MAX_FOLLOW_UPS = 3;

const dismissLabel = (min: number): string =>
  min < 60
    ? `${min} minutes`
    : min === 60
      ? '1 hour'
      : min < 1440
        ? `${min / 60} hours`
        : `${min / 1440} day`;

/** One remembered incident: what it was, what caused and fixed it, what is still open from it. */
function matchBlocks(w: AlertMatch, first: boolean, now: Date): KnownBlock[] {
  const r = w.related;
  const where = r.channelId ? ` · ${channelLink(r.channelId)}` : '';
  const lines = [
    `${first ? ':repeat: *This alert matches' : '*Also'} ${incidentRef(r)}*${first ? '' : ' (judged the same problem)'} (${safe(r.title, 200)}), ${ago(w.explanation.ageDays)}${where}`,
  ];
  if (isOpen(r)) {
    lines.push(
      `:busts_in_silhouette: ${incidentRef(r)} is open right now: attach the alert to it rather than declare another?`,
    );
  } else {
    lines.push(
      `*Root cause last time:* ${r.rootCauseSummary ? safe(r.rootCauseSummary, 600) : '_not written down_'}`,
    );
    lines.push(`*Fixed by:* ${r.resolutionSummary ? safe(r.resolutionSummary, 600) : '_not written down_'}`);
  }
  if (w.openFollowUps.length) {
    const shown = w.openFollowUps
      .slice(0, MAX_FOLLOW_UPS)
      .map(
        (f) =>
          `• ${safe(f.text, 150)} (${f.ownerId ? mention(f.ownerId) : 'no owner'}, ${overdueText(f, now)})`,
      );
    if (w.openFollowUps.length > shown.length)
      shown.push(`… and ${w.openFollowUps.length - shown.length} more`);
    lines.push(`*Still open from ${incidentRef(r)}:*\n${shown.join('\n')}`);
  }
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), LIMITS.sectionText) } },
  ];
  if (first)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: explanationText(w.explanation) }] });
  return blocks;
}

function memoryText(m: AlertMemory | null, now: Date): KnownBlock[] {
  if (!m) return [];
  const blocks: KnownBlock[] = m.warnings.flatMap((w, i) => matchBlocks(w, i === 0, now));
  if (m.possible.length) blocks.push(possibleBlock(m.possible));
  if (blocks.length === 0)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: ':mag: Firebreak remembers no incident like this one.' }],
    });
  return blocks;
}

function possibleBlock(list: AlertMatch[]): KnownBlock {
  const lines = list.map(
    (p) => `• *${incidentRef(p.related)}* ${safe(p.related.title, 150)} (${ago(p.explanation.ageDays)})`,
  );
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncate(`Possibly related:\n${lines.join('\n')}`, 2000) }],
  };
}

const option = (text: string, value: string): PlainTextOption => ({
  text: { type: 'plain_text', text: truncate(text, OPTION_TEXT_MAX) },
  value,
});

function actionsBlock(c: CardInput): ActionsBlock {
  const id = c.group.id;
  const elements: ActionsBlock['elements'] = [
    {
      type: 'button',
      action_id: ACTION.alertDeclare,
      text: { type: 'plain_text', text: `Declare (${severityLabel(c.group.severity)})` },
      value: String(id),
      style: 'primary',
    },
  ];
  if (c.attachable.length) {
    elements.push({
      type: 'static_select',
      action_id: ACTION.alertAttach,
      placeholder: { type: 'plain_text', text: 'Attach to…' },
      options: c.attachable
        .slice(0, MAX_OPTIONS)
        .map((i) => option(`${incidentRef(i)} ${i.title}`, `${id}:${i.id}`)),
    });
  }
  elements.push({
    type: 'static_select',
    action_id: ACTION.alertDismiss,
    placeholder: { type: 'plain_text', text: 'Dismiss for…' },
    options: DISMISS_CHOICES_MIN.map((m) => option(dismissLabel(m), `${id}:${m}`)),
  });
  return { type: 'actions', block_id: `${BLOCK.alertActions}:${id}`, elements };
}

function stateLine(c: CardInput): string | null {
  const g = c.group;
  if (c.incident) {
    const ref = c.incident.isPrivate
      ? 'a private incident'
      : `*${incidentRef(c.incident)}*${c.incident.channelId ? ` (${channelLink(c.incident.channelId)})` : ''}`;
    const who = g.handledBy && /^[UW]/.test(g.handledBy) ? ` by ${mention(g.handledBy)}` : '';
    if (g.handledVia === 'auto')
      return `:rotating_light: Declared automatically as ${ref} (route ${escapeText(g.routeName ?? 'default')}).`;
    if (g.handledVia === 'declared') return `:rotating_light: Declared as ${ref}${who}.`;
    return `:link: Attached to ${ref}${who}.`;
  }
  if (g.dismissedUntil && g.dismissedUntil > c.now)
    return `:zzz: Dismissed${g.dismissedBy ? ` by ${mention(g.dismissedBy)}` : ''} until ${slackDate(g.dismissedUntil, '{time}')}; new alerts are still counted here.`;
  return null;
}

export function alertCard(c: CardInput): Message {
  const { group: g, lead } = c;
  const allResolved = c.firing === 0;
  const icon = allResolved ? ':white_check_mark:' : ':rotating_light:';
  const count =
    c.total > 1 ? ` — *${c.total} alerts* (${c.firing} firing)` : allResolved ? ' — resolved' : '';
  const title = lead.url ? link(lead.url, truncate(lead.title, 250)) : safe(lead.title, 250);
  const fields = [
    `*Source:* ${escapeText(g.source)}${g.routeName ? ` · route ${safe(g.routeName, 80)}` : ''}`,
    `*Where:* ${lead.service ? safe(lead.service, 100) : '_no service given_'}`,
    `*Since:* ${slackDate(lead.startsAt)}`,
    c.severityNote
      ? `*${c.incident ? 'Alerts’ severity' : 'Severity if declared'}:* ${c.severityNote}`
      : `*Severity:* ${lead.severity ? safe(lead.severity, 50) : '_none given_'} → ${severityLabel(g.severity)} if declared`,
  ];
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${icon} ${title}${count}` } },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
  ];
  if (lead.description)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: safe(lead.description, 1000) } });
  const labels = Object.entries(lead.labels).slice(0, MAX_LABELS_SHOWN);
  if (labels.length) {
    const more = Object.keys(lead.labels).length - labels.length;
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `${labels.map(([k, v]) => `\`${safe(k, 60)}=${safe(v, 120)}\``).join(' ')}${more > 0 ? ` … and ${more} more` : ''}`,
            2000,
          ),
        },
      ],
    });
  }
  if (c.recent.length) {
    const shown = c.recent
      .slice(0, MAX_RECENT_SHOWN)
      .map((a) => `• ${a.status === 'firing' ? ':red_circle:' : ':white_check_mark:'} ${safe(a.title, 150)}`);
    const rest = c.total - 1 - shown.length;
    if (rest > 0) shown.push(`… and ${rest} more`);
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(shown.join('\n'), 2000) }] });
  }
  blocks.push({ type: 'divider' });
  blocks.push(...memoryText(c.memory, c.now));
  const state = stateLine(c);
  if (state) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: state }] });
  const dismissed = g.dismissedUntil !== null && g.dismissedUntil > c.now;
  if (!c.incident && !dismissed) blocks.push(actionsBlock(c));
  const top = c.memory?.warnings[0];
  const matches = top ? `; matches ${incidentRef(top.related)}` : '';
  const text = truncate(
    `${allResolved ? 'Resolved' : 'Alert'}: ${lead.title}${c.total > 1 ? ` (${c.total} alerts, ${c.firing} firing)` : ''}${matches}`,
    3000,
  );
  return { text, blocks };
}

/** In the incident channel when its last alert resolved: the Resolve button opens the usual form. */
export function allAlertsResolvedMessage(i: Incident): Message {
  const text = `All alerts of ${incidentRef(i)} have resolved. Resolve the incident?`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:white_check_mark: *All alerts of ${incidentRef(i)} have resolved.* If the impact is over, resolve the incident.`,
        },
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: ACTION.openResolve,
            text: { type: 'plain_text', text: 'Resolve' },
            value: String(i.id),
            style: 'primary',
          },
        ],
      },
    ],
  };
}

/** The value of a card control: `<group id>:<n>` (n = incident id or minutes). */
export function parseCardValue(value: string | undefined): { groupId: number; n: number } | null {
  const m = /^(\d+):(\d+)$/.exec(value ?? '');
  if (!m) return null;
  return { groupId: Number(m[1]), n: Number(m[2]) };
}

export interface RaiseSuggestion {
  incident: Incident;
  alert: Pick<Alert, 'title' | 'source' | 'url'>;
  /** What the alert rates. */
  severity: number;
  /** Why ("SEV1 from the alert's priority `P1`"), already escaped; null when it cannot be told. */
  reason: string | null;
}

/**
 * In the incident channel when an alert of the incident came in more severe than the incident.
 * The incident is not changed by an alert: the button runs the same severity change as
 * `/incident severity`, for whoever judges the impact that bad.
 */
export function raiseSuggestionMessage(s: RaiseSuggestion): Message {
  const { incident: i, alert: a } = s;
  const sev = severityLabel(s.severity);
  const title = a.url ? link(a.url, truncate(a.title, 250)) : safe(a.title, 250);
  const lines = [
    `:arrow_double_up: *An alert came in at ${sev}*, above ${incidentRef(i)}’s ${severityLabel(i.severity)}: ${title} (${escapeText(a.source)})`,
    ...(s.reason ? [`_${s.reason}_`] : []),
    `The incident’s severity was not changed. Raise it if the impact is that bad.`,
  ];
  return {
    text: truncate(
      `An alert came in at ${sev}, above ${incidentRef(i)}’s ${severityLabel(i.severity)}: ${a.title}`,
      3000,
    ),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), LIMITS.sectionText) } },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: ACTION.alertRaiseSeverity,
            text: { type: 'plain_text', text: `Raise to ${sev}` },
            value: raiseValue(i.id, s.severity),
            style: 'primary',
          },
        ],
      },
    ],
  };
}

export const raiseValue = (incidentId: number, severity: number): string => `${incidentId}:${severity}`;

/** The value of a "Raise to SEVn" button: `<incident id>:<severity>`. */
export function parseRaiseValue(value: string | undefined): { incidentId: number; severity: number } | null {
  const m = /^(\d+):([1-4])$/.exec(value ?? '');
  if (!m) return null;
  return { incidentId: Number(m[1]), severity: Number(m[2]) };
}

/**
 * The suggestion once answered: its button gone (nobody presses it twice), a line saying what
 * happened. `blocks` are the message's own, as Slack sent them back with the click.
 */
export function raiseAnswered(blocks: readonly KnownBlock[], text: string, outcome: string): Message {
  const kept = blocks.filter((b) => b.type !== 'actions').slice(0, 48);
  return { text, blocks: [...kept, { type: 'context', elements: [{ type: 'mrkdwn', text: outcome }] }] };
}
