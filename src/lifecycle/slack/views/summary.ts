import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import {
  type Incident,
  incidentRef,
  isOpen,
  isSeverity,
  SEVERITY_MEANING,
  severityLabel,
  statusLabel,
} from '../../../incidents/model.js';
import { escapeText, link, mention, plain, safe, slackDate, truncate } from '../../../slack/format.js';
import { ACTION, BLOCK } from '../../../slack/ids.js';
import { LIMITS } from '../../../slack/limits.js';

/** The people in an incident's roles besides the lead. */
export interface RoleHolders {
  comms?: string | null;
  scribe?: string | null;
}

const STATUS_EMOJI: Record<string, string> = {
  investigating: ':mag:',
  identified: ':bulb:',
  monitoring: ':eyes:',
  resolved: ':white_check_mark:',
  closed: ':lock:',
};

export const statusEmoji = (status: string): string => STATUS_EMOJI[status] ?? ':grey_question:';

const SEV_EMOJI: Record<number, string> = {
  1: ':red_circle:',
  2: ':large_orange_circle:',
  3: ':large_yellow_circle:',
  4: ':white_circle:',
};
export const severityEmoji = (s: number): string => SEV_EMOJI[s] ?? ':white_circle:';

/** `INC-4 · Checkout is down`, cut for a header (150 chars). */
export function incidentHeader(i: Pick<Incident, 'number' | 'title'>, max = 150): string {
  return truncate(plain(`${incidentRef(i)} · ${i.title}`), max);
}

/** The message text fallback (notifications, screen readers): never over 4,000 chars (chat.update). */
export function summaryText(i: Incident): string {
  return truncate(
    `${incidentRef(i)} ${severityLabel(i.severity)} ${statusLabel(i.status)}: ${escapeText(plain(i.title))}`,
    300,
  );
}

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button => ({
  type: 'button',
  text: { type: 'plain_text', text, emoji: true },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

/** The summary's buttons; Resolve belongs to the resolution feature (ACTION.openResolve). */
export function summaryActions(i: Incident): ActionsBlock | null {
  if (!isOpen(i)) return null;
  const id = String(i.id);
  const elements: Button[] = [];
  if (!i.acknowledgedAt) elements.push(button('Acknowledge', ACTION.acknowledge, id, 'primary'));
  elements.push(button('Update status', ACTION.openUpdate, id));
  elements.push(button('Change severity', ACTION.openSeverity, id));
  elements.push(button('Edit details', ACTION.openEditDetails, id));
  elements.push(button('Resolve', ACTION.openResolve, id, 'danger'));
  return { type: 'actions', block_id: BLOCK.summaryActions, elements };
}

/** The pinned summary in the incident channel, edited in place on every change. */
/** Alerts attached to the incident that are still firing (src/alerts/store.ts `firingAlertsOf`). */
export interface FiringAlerts {
  alerts: { title: string; source: string }[];
  total: number;
}

export function summaryBlocks(i: Incident, roles: RoleHolders = {}, firing?: FiringAlerts): KnownBlock[] {
  const sev = isSeverity(i.severity) ? SEVERITY_MEANING[i.severity] : '';
  const fields = [
    `*Severity*\n${severityEmoji(i.severity)} ${severityLabel(i.severity)}${sev ? ` · ${escapeText(sev.split(':')[0] ?? '')}` : ''}`,
    `*Status*\n${statusEmoji(i.status)} ${statusLabel(i.status)}`,
    `*Lead*\n${i.leadId ? mention(i.leadId) : '_nobody yet_'}`,
    `*Comms · Scribe*\n${roles.comms ? mention(roles.comms) : '—'} · ${roles.scribe ? mention(roles.scribe) : '—'}`,
    `*Services*\n${i.services.length ? safe(i.services.join(', '), 500) : '—'}`,
    `*Impact started*\n${slackDate(i.startedAt)}`,
    `*Declared*\n${slackDate(i.declaredAt)} by ${mention(i.declaredBy)}`,
    `*Acknowledged*\n${i.acknowledgedAt ? slackDate(i.acknowledgedAt) : '_not yet_'}`,
  ];
  if (i.mitigatedAt) fields.push(`*Mitigated*\n${slackDate(i.mitigatedAt)}`);
  if (i.resolvedAt) fields.push(`*Resolved*\n${slackDate(i.resolvedAt)}`);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: incidentHeader(i), emoji: false } },
    {
      type: 'section',
      fields: fields.slice(0, LIMITS.sectionFields).map((text) => ({ type: 'mrkdwn', text })),
    },
  ];
  if (i.description.trim()) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: safe(i.description, 2900) } });
  }
  if (i.rootCauseSummary) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Root cause*\n${safe(i.rootCauseSummary, 2800)}` },
    });
  }
  if (firing && firing.total > 0) {
    const lines = firing.alerts.map((a) => `• ${safe(a.title, 150)} (${escapeText(a.source)})`);
    if (firing.total > lines.length) lines.push(`… and ${firing.total - lines.length} more`);
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*:rotating_light: Alerts still firing (${firing.total})*\n${lines.join('\n')}`, 2900),
      },
    });
  }
  if (i.sourcePermalink) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Declared from ${link(i.sourcePermalink, 'this message')}` }],
    });
  }
  const actions = summaryActions(i);
  if (actions) blocks.push(actions);
  return blocks;
}
