import type { KnownBlock } from '@slack/types';
import { humanDuration, incidentDurations, type Span } from '../../../incidents/durations.js';
import { type FollowUp, type Incident, incidentRef } from '../../../incidents/model.js';
import { mention, plain, safe, slackDate, truncate } from '../../../slack/format.js';
import { ACTION } from '../../../slack/ids.js';

/**
 * The message posted in the incident channel on resolution: what fixed it, the root cause (or
 * that it is pending), the durations each with the two timestamps they were measured between,
 * and the follow-ups. Pure; stays well under Block Kit's limits whatever people typed.
 */
export function spanLine(label: string, s: Span | null, missing: string): string {
  if (!s) return `*${label}:* — _${missing}_`;
  return `*${label}:* ${humanDuration(s.ms)}  (${s.fromLabel} ${slackDate(s.from)} → ${s.toLabel} ${slackDate(s.to)})`;
}

export function durationLines(i: Incident): string[] {
  const d = incidentDurations(i);
  return [
    spanLine('Time to acknowledge', d.toAcknowledge, 'never acknowledged'),
    spanLine('Time to mitigate', d.toMitigate, 'not mitigated'),
    spanLine('Time to resolve', d.toResolve, 'not resolved'),
  ];
}

export function followUpLine(f: FollowUp): string {
  const owner = f.ownerId ? mention(f.ownerId) : '_no owner_';
  const due = f.dueDate ? `due ${f.dueDate}` : 'no due date';
  const done = f.status === 'done' ? '~' : '';
  return `• ${done}${safe(f.text, 300)}${done} — ${owner}, ${due}`;
}

/** Whole lines until `max` chars, then "…and N more": never cuts a mention or link in half. */
export function fitLines(lines: string[], max: number): string {
  const out: string[] = [];
  let used = 0;
  for (const [n, line] of lines.entries()) {
    const tail = `…and ${lines.length - n} more`;
    if (used + line.length + 1 + tail.length + 1 > max) {
      out.push(tail);
      break;
    }
    out.push(line);
    used += line.length + 1;
  }
  return out.join('\n');
}

export function resolutionMessage(
  i: Incident,
  followUps: FollowUp[],
  resolvedBy: string,
): { text: string; blocks: KnownBlock[] } {
  const cause = i.rootCauseSummary
    ? `*Root cause${i.rootCauseCategory ? ` (${safe(i.rootCauseCategory, 75)})` : ''}:* ${safe(i.rootCauseSummary, 2000)}`
    : `*Root cause:* _not known yet._ ${i.leadId ? mention(i.leadId) : 'The lead'} will be reminded every working day until it is written down (\`/incident rootcause\`).`;
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(plain(`✅ ${incidentRef(i)} resolved`), 150), emoji: true },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*What fixed it:* ${safe(i.resolutionSummary ?? '', 2500)}\n_Resolved by ${mention(resolvedBy)} at ${slackDate(i.resolvedAt ?? new Date(0))}._`,
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: cause } },
  ];
  if (i.contributingFactors.length > 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: safe(
          `Contributing factors:\n${i.contributingFactors.map((f) => `• ${f}`).join('\n')}`,
          2900,
        ).replace(/^Contributing factors:/, '*Contributing factors:*'),
      },
    });
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: durationLines(i).join('\n') } });
  if (followUps.length > 0) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Follow-ups*\n${fitLines(followUps.map(followUpLine), 2900)}` },
    });
  }
  // The postmortem starts here: one click puts the draft into a canvas in this channel.
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: ACTION.postmortemCanvas,
        text: { type: 'plain_text', text: 'Postmortem', emoji: true },
        value: String(i.id),
      },
    ],
  });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: 'Add follow-ups with `/incident followup <text> @owner due <date>` or react with :fast_forward: to a message. `/incident reopen` if it comes back; `/incident close` when done.',
      },
    ],
  });
  const text = truncate(
    `${incidentRef(i)} resolved: ${plain(i.resolutionSummary ?? '')}`.replace(/[<>&]/g, ''),
    300,
  );
  return { text, blocks };
}
