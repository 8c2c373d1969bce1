import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { type Incident, incidentRef, severityLabel } from '../../../incidents/model.js';
import { plain, truncate } from '../../../slack/format.js';
import { BLOCK, VIEW } from '../../../slack/ids.js';
import { LIMITS } from '../../../slack/limits.js';

/**
 * "Which open incident?" for the "Add to incident timeline" shortcut used outside an incident
 * channel. The message travels in private_metadata (≤ 3,000 chars): its text is cut to fit, and the
 * full text is fetched again on submit where the bot can read the channel.
 */
export interface PickIncidentMeta {
  channel: string;
  ts: string;
  threadTs?: string;
  authorId: string | null;
  text: string;
  files: string[];
  /** The shortcut's response_url, to confirm to the person where they clicked. */
  responseUrl?: string;
  /** True when `text` was cut to fit. */
  cut?: boolean;
}

export const PICK_META_MAX = 2900;
const PICK_ELEMENT = 'incident_select';
const MAX_OPTIONS = 100;

export function encodePickMeta(meta: PickIncidentMeta): string {
  let m = { ...meta, files: meta.files.slice(0, 20).map((f) => truncate(f, 100)) };
  let json = JSON.stringify(m);
  // JSON escapes can make text longer than it looks: cut until the whole thing fits.
  while (json.length > PICK_META_MAX) {
    const over = json.length - PICK_META_MAX;
    const chars = Array.from(m.text);
    m = { ...m, text: chars.slice(0, Math.max(0, chars.length - over - 10)).join(''), cut: true };
    json = JSON.stringify(m);
    if (m.text.length === 0 && json.length > PICK_META_MAX) {
      m = { ...m, files: [] };
      json = JSON.stringify(m);
      break;
    }
  }
  return json;
}

export function decodePickMeta(raw: string): PickIncidentMeta | null {
  try {
    const o = JSON.parse(raw) as Partial<PickIncidentMeta>;
    if (typeof o.channel !== 'string' || typeof o.ts !== 'string') return null;
    return {
      channel: o.channel,
      ts: o.ts,
      ...(typeof o.threadTs === 'string' ? { threadTs: o.threadTs } : {}),
      authorId: typeof o.authorId === 'string' ? o.authorId : null,
      text: typeof o.text === 'string' ? o.text : '',
      files: Array.isArray(o.files) ? o.files.filter((f): f is string => typeof f === 'string') : [],
      ...(typeof o.responseUrl === 'string' ? { responseUrl: o.responseUrl } : {}),
      ...(o.cut === true ? { cut: true } : {}),
    };
  } catch {
    return null;
  }
}

export const incidentOption = (i: Incident): PlainTextOption => ({
  text: {
    type: 'plain_text',
    text: truncate(plain(`${incidentRef(i)} ${severityLabel(i.severity)} · ${i.title}`), 75),
  },
  value: String(i.id),
});

export function pickIncidentModal(incidents: Incident[], meta: PickIncidentMeta): ModalView {
  const preview = truncate(plain(meta.text.replace(/\s+/g, ' ').trim()), 280) || '(a message without text)';
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [{ type: 'plain_text', text: truncate(`“${preview}”`, 2000), emoji: false }],
    },
  ];
  if (incidents.length === 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: 'There is no open incident you can add this to. Declare one with `/incident declare`.',
      },
    });
    return {
      type: 'modal',
      callback_id: VIEW.pickIncident,
      title: { type: 'plain_text', text: 'Add to timeline' },
      close: { type: 'plain_text', text: 'Close' },
      private_metadata: encodePickMeta(meta),
      blocks,
    };
  }
  const options = incidents.slice(0, MAX_OPTIONS).map(incidentOption);
  blocks.push({
    type: 'input',
    block_id: BLOCK.incident,
    label: { type: 'plain_text', text: 'Incident' },
    element: {
      type: 'static_select',
      action_id: PICK_ELEMENT,
      placeholder: { type: 'plain_text', text: 'Choose an open incident' },
      options,
      ...(options.length === 1 && options[0] ? { initial_option: options[0] } : {}),
    },
  });
  return {
    type: 'modal',
    callback_id: VIEW.pickIncident,
    title: { type: 'plain_text', text: 'Add to timeline' },
    submit: { type: 'plain_text', text: 'Add' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: encodePickMeta(meta),
    blocks,
  };
}

/** The chosen incident id from a view_submission's state. */
export function parsePickIncident(state: {
  values: Record<string, Record<string, { selected_option?: { value?: string } | null }>>;
}): number | null {
  const v = state.values[BLOCK.incident]?.[PICK_ELEMENT]?.selected_option?.value;
  const n = v === undefined ? Number.NaN : Number(v);
  return Number.isInteger(n) ? n : null;
}

/** Shown in place of the modal after a successful capture. */
export function pickIncidentDone(text: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Add to timeline' },
    close: { type: 'plain_text', text: 'Done' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } }],
  };
}
