import type { Button, KnownBlock, ModalView } from '@slack/types';
import { type FollowUp, type Incident, incidentRef } from '../../../incidents/model.js';
import { link, mention, safe } from '../../../slack/format.js';
import { ACTION, BLOCK, VIEW } from '../../../slack/ids.js';
import type { FollowUpWithIncident } from '../../follow-ups.js';
import { daysBetween } from '../../reminders.js';
import { pt, type StateValues } from './resolve-modal.js';

/**
 * Follow-up lists (`/incident followups`) with Done, Snooze and Edit buttons, the snooze and edit modals and the
 * follow-up modal. A button carries the follow-up id and the list it sits in, so a click can
 * redraw that same list.
 */
export type ListScope = 'mine' | 'all' | `inc:${number}` | 'one';

export interface ButtonValue {
  f: number;
  s: ListScope;
}

export function parseButtonValue(raw: string | undefined): ButtonValue {
  const v = JSON.parse(raw ?? '{}') as Partial<ButtonValue>;
  if (typeof v.f !== 'number') throw new Error('follow-up button without an id');
  const s = typeof v.s === 'string' && /^(mine|all|one|inc:\d+)$/.test(v.s) ? (v.s as ListScope) : 'one';
  return { f: v.f, s };
}

const button = (text: string, actionId: string, value: ButtonValue, style?: 'primary'): Button => ({
  type: 'button',
  text: pt(text, 75),
  action_id: actionId,
  value: JSON.stringify(value),
  ...(style ? { style } : {}),
});

/** "due 2026-12-01 (3 days overdue)" in the viewer's calendar. */
export function dueLabel(f: Pick<FollowUp, 'dueDate' | 'snoozedUntil'>, today: string): string {
  const parts: string[] = [];
  if (f.dueDate) {
    const d = daysBetween(f.dueDate, today);
    parts.push(
      d > 0
        ? `due ${f.dueDate} (*${d} day${d === 1 ? '' : 's'} overdue*)`
        : d === 0
          ? `due *today* (${f.dueDate})`
          : `due ${f.dueDate}`,
    );
  } else parts.push('no due date');
  if (f.snoozedUntil && f.snoozedUntil > today) parts.push(`snoozed until ${f.snoozedUntil}`);
  return parts.join(' · ');
}

export const TRACKER_LABELS: Record<string, string> = { github: 'GitHub', jira: 'Jira', linear: 'Linear' };

/** " · <url|GitHub #12>" when the follow-up has a ticket (src/trackers), else "". */
export function ticketLink(f: Pick<FollowUp, 'ticketTracker' | 'ticketKey' | 'ticketUrl'>): string {
  if (!f.ticketKey || !f.ticketUrl) return '';
  const label = `${TRACKER_LABELS[f.ticketTracker ?? ''] ?? 'ticket'} ${f.ticketKey}`;
  return ` · :ticket: ${link(f.ticketUrl, label)}`;
}

export function followUpItemText(f: FollowUp, i: Incident, today: string): string {
  const owner = f.ownerId ? mention(f.ownerId) : '_no owner_';
  return `*${safe(f.text, 600)}*\n#${f.id} · ${incidentRef(i)} · ${safe(i.title, 150)} · ${owner} · ${dueLabel(f, today)}${ticketLink(f)}`;
}

/** `tracker`: the configured tracker's name; a follow-up without a ticket then gets "Create ticket". */
export function followUpActions(f: FollowUp, scope: ListScope, tracker?: string): KnownBlock {
  return {
    type: 'actions',
    elements: [
      button('Done', ACTION.followUpDone, { f: f.id, s: scope }, 'primary'),
      button('Snooze', ACTION.followUpSnooze, { f: f.id, s: scope }),
      button('Edit', ACTION.followUpEdit, { f: f.id, s: scope }),
      ...(tracker && f.ticketRef === null
        ? [button('Create ticket', ACTION.followUpTicket, { f: f.id, s: scope })]
        : []),
    ],
  };
}

/** 2 blocks per item; Slack allows 50 in a message, so 20 items and a "more" line. */
const MAX_ITEMS = 20;
const TEXT_BUDGET = 10_000;

export function followUpListMessage(
  items: FollowUpWithIncident[],
  scope: ListScope,
  today: string,
  title: string,
  note?: string,
  tracker?: string,
): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${safe(title, 200)}*` } }];
  if (note) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: note }] });
  if (items.length === 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'No open follow-ups. :tada:' } });
  }
  // Slack refuses a message whose blocks hold ~12k chars of text in all (msg_blocks_too_long).
  let budget = TEXT_BUDGET;
  let shown = 0;
  for (const { followUp, incident } of items.slice(0, MAX_ITEMS)) {
    const text = followUpItemText(followUp, incident, today);
    if (text.length + 20 > budget) break;
    budget -= text.length + 20;
    shown++;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
    blocks.push(followUpActions(followUp, scope, tracker));
  }
  if (items.length > shown) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `…and ${items.length - shown} more. Narrow it down with \`/incident followups INC-<n>\`.`,
        },
      ],
    });
  }
  return { text: `${title}: ${items.length} open`, blocks };
}

/** What a finished item turns into in the message it was clicked in. */
export function followUpDoneText(f: FollowUp, i: Incident): string {
  return `:white_check_mark: ~${safe(f.text, 600)}~ (${incidentRef(i)}) — done${f.doneBy ? ` by ${mention(f.doneBy)}` : ''}`;
}

export interface SnoozeMetadata {
  f: number;
  s: ListScope;
  /** Where to redraw the list or reminder after the snooze (response_url of the click). */
  responseUrl?: string;
}

export function snoozeModal(f: FollowUp, meta: SnoozeMetadata, initialDate: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.snooze,
    title: pt('Snooze follow-up', 24),
    submit: pt('Snooze', 24),
    close: pt('Cancel', 24),
    private_metadata: JSON.stringify(meta),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${safe(f.text, 1000)}*` } },
      {
        type: 'input',
        block_id: BLOCK.snoozeUntil,
        label: pt('No reminders until'),
        element: { type: 'datepicker', action_id: BLOCK.snoozeUntil, initial_date: initialDate },
      },
    ],
  };
}

export function parseSnoozeSubmission(
  values: StateValues,
  rawMeta: string,
): { meta: SnoozeMetadata; until: string } {
  const meta = JSON.parse(rawMeta) as SnoozeMetadata;
  if (typeof meta.f !== 'number') throw new Error('snooze modal without a follow-up id');
  return { meta, until: values[BLOCK.snoozeUntil]?.[BLOCK.snoozeUntil]?.selected_date ?? '' };
}

/** `/incident followup` without text: the same fields as one row of the resolution modal. */
export function followUpModal(i: Incident): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.followUp,
    title: pt('Add a follow-up', 24),
    submit: pt('Add', 24),
    close: pt('Cancel', 24),
    private_metadata: JSON.stringify({ incidentId: i.id }),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${incidentRef(i)}* · ${safe(i.title, 300)}` } },
      ...followUpInputs(),
    ],
  };
}

export function parseFollowUpSubmission(values: StateValues): {
  text: string;
  ownerId: string | null;
  dueDate: string | null;
} {
  return {
    text: values[BLOCK.followUpText]?.[BLOCK.followUpText]?.value?.trim() ?? '',
    ownerId: values[BLOCK.followUpOwner]?.[BLOCK.followUpOwner]?.selected_user ?? null,
    dueDate: values[BLOCK.followUpDue]?.[BLOCK.followUpDue]?.selected_date ?? null,
  };
}

/** Text, owner and due date: the add form starts empty, the edit form with the follow-up's values. */
function followUpInputs(f?: Pick<FollowUp, 'text' | 'ownerId' | 'dueDate'>): KnownBlock[] {
  return [
    {
      type: 'input',
      block_id: BLOCK.followUpText,
      label: pt('What needs doing?'),
      element: {
        type: 'plain_text_input',
        action_id: BLOCK.followUpText,
        multiline: true,
        max_length: 500,
        // A text stored before the form's limit (or from a long message) is cut so the form opens.
        ...(f ? { initial_value: Array.from(f.text).slice(0, 500).join('') } : {}),
      },
    },
    {
      type: 'input',
      block_id: BLOCK.followUpOwner,
      optional: true,
      label: pt('Owner'),
      element: {
        type: 'users_select',
        action_id: BLOCK.followUpOwner,
        placeholder: pt('Who does it?'),
        ...(f?.ownerId ? { initial_user: f.ownerId } : {}),
      },
    },
    {
      type: 'input',
      block_id: BLOCK.followUpDue,
      optional: true,
      label: pt('Due date'),
      element: {
        type: 'datepicker',
        action_id: BLOCK.followUpDue,
        ...(f?.dueDate ? { initial_date: f.dueDate } : {}),
      },
    },
  ];
}

/** Where the edit modal came from: the list or reminder to redraw after the save. */
export type EditMetadata = SnoozeMetadata;

/** The Edit button's modal: the follow-up's fields, prefilled; clearing owner or date removes them. */
export function followUpEditModal(f: FollowUp, i: Incident, meta: EditMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.followUpEdit,
    title: pt('Edit follow-up', 24),
    submit: pt('Save', 24),
    close: pt('Cancel', 24),
    private_metadata: JSON.stringify(meta),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*#${f.id}* · ${incidentRef(i)} · ${safe(i.title, 300)}` },
      },
      ...followUpInputs(f),
    ],
  };
}

export function parseEditMetadata(raw: string): EditMetadata {
  const meta = JSON.parse(raw) as EditMetadata;
  if (typeof meta.f !== 'number') throw new Error('edit modal without a follow-up id');
  return meta;
}

/** Block of a follow-up add or edit error (the verbs name 'text', 'ownerId' or 'dueDate'). */
export function followUpBlockFor(field?: string): string {
  return field === 'ownerId'
    ? BLOCK.followUpOwner
    : field === 'dueDate'
      ? BLOCK.followUpDue
      : BLOCK.followUpText;
}

/** "owner @bob → @carol, due 2026-11-25 → 2026-11-27, new text" for confirmations. */
export function editSummary(changes: {
  text?: unknown;
  ownerId?: { from: string | null; to: string | null };
  dueDate?: { from: string | null; to: string | null };
}): string {
  const who = (u: string | null) => (u ? mention(u) : '_no owner_');
  const parts: string[] = [];
  if (changes.ownerId) parts.push(`owner ${who(changes.ownerId.from)} → ${who(changes.ownerId.to)}`);
  if (changes.dueDate)
    parts.push(`due ${changes.dueDate.from ?? '_none_'} → ${changes.dueDate.to ?? '_none_'}`);
  if (changes.text) parts.push('new text');
  return parts.length ? parts.join(', ') : 'nothing changed';
}

/** The DM a new owner gets when someone else hands them a follow-up. */
export function followUpAssignedMessage(
  f: FollowUp,
  i: Incident,
  by: string,
  today: string,
): { text: string; blocks: KnownBlock[] } {
  return {
    text: `${incidentRef(i)}: you now own follow-up #${f.id}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:fast_forward: ${mention(by)} made you the owner of a follow-up from *${incidentRef(i)}*:\n${followUpItemText(f, i, today)}`,
        },
      },
      followUpActions(f, 'one'),
    ],
  };
}

/** What a reminder turns into after its follow-up was edited from it. */
export function followUpReminderEdited(
  f: FollowUp,
  i: Incident,
  today: string,
  note: string,
): { text: string; blocks: KnownBlock[] } {
  return {
    text: `Follow-up #${f.id} edited`,
    blocks: [
      { type: 'context', elements: [{ type: 'mrkdwn', text: note }] },
      { type: 'section', text: { type: 'mrkdwn', text: followUpItemText(f, i, today) } },
      followUpActions(f, 'one'),
    ],
  };
}
