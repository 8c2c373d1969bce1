import type { KnownBlock } from '@slack/types';
import { type FollowUp, type Incident, incidentRef } from '../../../incidents/model.js';
import { channelLink, safe, slackDate } from '../../../slack/format.js';
import { ACTION } from '../../../slack/ids.js';
import { daysBetween } from '../../reminders.js';
import { followUpActions, followUpDoneText, TRACKER_LABELS, ticketLink } from './follow-ups.js';
import { pt } from './resolve-modal.js';

/** The DMs the reminder job sends: the lead's root-cause nudge and a follow-up owner's nudge. */
export function rootCauseReminder(i: Incident): { text: string; blocks: KnownBlock[] } {
  const where = i.channelId && !i.archivedAt ? ` in ${channelLink(i.channelId)}` : '';
  const resolved = i.resolvedAt ? `, resolved ${slackDate(i.resolvedAt, '{date_short_pretty}')}` : '';
  return {
    text: `${incidentRef(i)} still has no root cause. Write it down so it does not happen again.`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:mag: *${incidentRef(i)}* · ${safe(i.title, 300)}${where}${resolved}, still has no root cause.\nWrite it down while people still remember, so it does not happen again.`,
        },
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: pt('Write the root cause', 75),
            action_id: ACTION.openRootCause,
            value: String(i.id),
            style: 'primary',
          },
        ],
      },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: 'You get this every working day until the root cause is filled in.' },
        ],
      },
    ],
  };
}

export function rootCauseThanks(i: Incident): { text: string; blocks: KnownBlock[] } {
  const text = `:white_check_mark: Root cause of ${incidentRef(i)} written down. No more reminders.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

export function followUpReminder(
  f: FollowUp,
  i: Incident,
  today: string,
): { text: string; blocks: KnownBlock[] } {
  const late = f.dueDate ? daysBetween(f.dueDate, today) : 0;
  const when =
    late > 0 ? `is *${late} day${late === 1 ? '' : 's'} overdue* (due ${f.dueDate})` : `is due *today*`;
  return {
    text: `Follow-up from ${incidentRef(i)} ${late > 0 ? 'overdue' : 'due today'}: ${f.text.replace(/[<>&]/g, '').slice(0, 200)}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:fast_forward: Your follow-up from *${incidentRef(i)}* · ${safe(i.title, 200)} ${when}${ticketLink(f)}:\n>${safe(f.text, 1000).replace(/\n/g, '\n>')}`,
        },
      },
      followUpActions(f, 'one'),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Reminded every working day while it is open. Done stops it; Snooze pauses it.',
          },
        ],
      },
    ],
  };
}

export function followUpReminderDone(f: FollowUp, i: Incident): { text: string; blocks: KnownBlock[] } {
  const text = followUpDoneText(f, i);
  return {
    text: text.replace(/[<>&~*]/g, ''),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

export function followUpReminderSnoozed(f: FollowUp, i: Incident): { text: string; blocks: KnownBlock[] } {
  const text = `:zzz: ${safe(f.text, 600)} (${incidentRef(i)}) — snoozed until ${f.snoozedUntil ?? '?'}.`;
  return {
    text: `Snoozed until ${f.snoozedUntil ?? '?'}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, followUpActions(f, 'one')],
  };
}

/** The owner's DM when the follow-up's ticket was reopened in the tracker (src/trackers/store.ts). */
export function followUpReopenedNotice(
  f: FollowUp,
  i: Incident,
  today: string,
): { text: string; blocks: KnownBlock[] } {
  const ticket = `${TRACKER_LABELS[f.ticketTracker ?? ''] ?? 'Its ticket'} ${f.ticketKey ?? ''}`.trim();
  const late = f.dueDate ? daysBetween(f.dueDate, today) : null;
  const when =
    f.dueDate === null || late === null
      ? 'It has no due date.'
      : late > 0
        ? `It was due ${f.dueDate} (*${late} day${late === 1 ? '' : 's'} overdue*): I remind you again on the next working day.`
        : late === 0
          ? 'It is due *today*.'
          : `It is due ${f.dueDate}; I remind you then.`;
  return {
    text: `Follow-up #${f.id} from ${incidentRef(i)} is open again: ${ticket} was reopened.`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:leftwards_arrow_with_hook: Your follow-up #${f.id} from *${incidentRef(i)}* · ${safe(i.title, 200)} is open again: ${safe(ticket, 100)} was reopened${ticketLink(f)}.\n>${safe(f.text, 1000).replace(/\n/g, '\n>')}\n${when}`,
        },
      },
      followUpActions(f, 'one'),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'The tracker is where the work is tracked: closing the ticket or pressing Done marks it done again.',
          },
        ],
      },
    ],
  };
}
