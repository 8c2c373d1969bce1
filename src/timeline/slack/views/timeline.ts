import { TZDate } from '@date-fns/tz';
import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { format } from 'date-fns/format';
import { type Incident, incidentRef, type TimelineEvent } from '../../../incidents/model.js';
import { escapeText, link, mention, plain, safe, truncate } from '../../../slack/format.js';
import { ACTION } from '../../../slack/ids.js';
import { LIMITS } from '../../../slack/limits.js';
import { relativeTime } from '../../export.js';

/**
 * `/incident timeline`: one page of entries as an ephemeral message. A page holds at most
 * TIMELINE_PAGE_SIZE entries and each entry's text is cut to ENTRY_TEXT_MAX, so a page stays far
 * below Slack's 50 blocks and its ~12k characters of block text however long the messages were;
 * the buttons page through any number of entries.
 */
export const ENTRY_TEXT_MAX = 700;

/** The page buttons share ACTION.timelinePage as a prefix: action_ids must differ within a block. */
export const TIMELINE_PAGE_BUTTONS = {
  first: `${ACTION.timelinePage}:first`,
  prev: `${ACTION.timelinePage}:prev`,
  next: `${ACTION.timelinePage}:next`,
  last: `${ACTION.timelinePage}:last`,
} as const;
export const TIMELINE_PAGE_ACTION = new RegExp(`^${ACTION.timelinePage}(?::|$)`);

export interface TimelinePageValue {
  incidentId: number;
  page: number;
}

export function timelinePageValue(v: TimelinePageValue): string {
  return JSON.stringify({ i: v.incidentId, p: v.page });
}

export function parseTimelinePageValue(value: string | undefined): TimelinePageValue | null {
  if (!value) return null;
  try {
    const o = JSON.parse(value) as { i?: unknown; p?: unknown };
    if (!Number.isInteger(o.i) || !Number.isInteger(o.p) || (o.p as number) < 0) return null;
    return { incidentId: o.i as number, page: o.p as number };
  } catch {
    return null;
  }
}

export interface TimelineViewInput {
  incident: Incident;
  entries: TimelineEvent[];
  /** 0-based. */
  page: number;
  pageCount: number;
  total: number;
  /** The viewer's IANA time zone. */
  tz: string;
}

/**
 * A captured entry's text for mrkdwn: stored as the person typed it (decoded where it entered,
 * src/slack/text.ts), so it is escaped here once and nothing in it becomes markup again: a typed
 * `<@U…>` stays text, never a ping.
 */
export function entryText(text: string, max = ENTRY_TEXT_MAX): string {
  return safe(text, max);
}

const KIND_EMOJI: Record<string, string> = {
  message: ':speech_balloon:',
  note: ':memo:',
  declared: ':rotating_light:',
  resolved: ':white_check_mark:',
  update: ':loudspeaker:',
  status: ':arrows_counterclockwise:',
  severity: ':bar_chart:',
};

export function absoluteTime(at: Date, tz: string): string {
  return format(new TZDate(at.getTime(), tz), 'EEE d MMM HH:mm');
}

function entryBlock(e: TimelineEvent, incident: Incident, tz: string): KnownBlock {
  const head = [
    `*${relativeTime(e.occurredAt, incident.startedAt)}*`,
    absoluteTime(e.occurredAt, tz),
    e.authorId ? mention(e.authorId) : null,
    `${KIND_EMOJI[e.kind] ?? ':small_blue_diamond:'} ${escapeText(plain(e.kind))}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const flags: string[] = [];
  if (e.files.length) flags.push(`:paperclip: ${safe(e.files.join(', '), 200)}`);
  if (e.editedAt) flags.push('_(edited)_');
  if (e.redacted) flags.push(':lock: _secrets redacted_');
  if (e.permalink) flags.push(link(e.permalink, 'open message'));
  let body: string;
  if (e.removedAt) {
    const why = e.removedReason === 'deleted' ? 'message deleted' : (e.removedReason ?? 'removed');
    const shown = e.text ? `~${entryText(e.text, 300).replace(/~/g, '')}~ ` : '';
    body = `${shown}_(removed: ${escapeText(why)})_`;
  } else {
    body = e.text ? entryText(e.text) : '_(no text)_';
  }
  const text = [head, body, flags.join('  ')].filter((s) => s.length > 0).join('\n');
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

const button = (text: string, actionId: string, value: string): Button => ({
  type: 'button',
  text: { type: 'plain_text', text, emoji: true },
  action_id: actionId,
  value,
});

export function timelineMessage(v: TimelineViewInput): { text: string; blocks: KnownBlock[] } {
  const { incident, page, pageCount, total } = v;
  const ref = incidentRef(incident);
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(plain(`${ref} timeline · ${incident.title}`), 150) },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Impact started ${escapeText(absoluteTime(incident.startedAt, v.tz))} (T+0) · times in ${escapeText(v.tz)} · ${total} ${total === 1 ? 'entry' : 'entries'} · page ${page + 1} of ${pageCount}`,
        },
      ],
    },
    { type: 'divider' },
  ];
  if (v.entries.length === 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '_Nothing on the timeline yet._ Add a note with `/incident note <text>`.',
      },
    });
  }
  for (const e of v.entries) blocks.push(entryBlock(e, incident, v.tz));
  if (pageCount > 1) {
    const val = (p: number) => timelinePageValue({ incidentId: incident.id, page: p });
    const buttons: Button[] = [];
    if (page > 0) {
      if (page > 1) buttons.push(button('« First', TIMELINE_PAGE_BUTTONS.first, val(0)));
      buttons.push(button('‹ Previous', TIMELINE_PAGE_BUTTONS.prev, val(page - 1)));
    }
    if (page < pageCount - 1) {
      buttons.push(button('Next ›', TIMELINE_PAGE_BUTTONS.next, val(page + 1)));
      if (page < pageCount - 2)
        buttons.push(button('Last »', TIMELINE_PAGE_BUTTONS.last, val(pageCount - 1)));
    }
    const actions: ActionsBlock = { type: 'actions', elements: buttons };
    blocks.push({ type: 'divider' }, actions);
  }
  return { text: `${ref} timeline, page ${page + 1} of ${pageCount} (${total} entries)`, blocks };
}
