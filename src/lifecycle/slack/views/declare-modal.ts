import type { InputBlock, KnownBlock, ModalView, Option, PlainTextOption } from '@slack/types';
import { DEFAULT_SEVERITY, SEVERITIES, SEVERITY_MEANING, severityLabel } from '../../../incidents/model.js';
import { plain, truncate } from '../../../slack/format.js';
import { BLOCK, VIEW } from '../../../slack/ids.js';
import { LIMITS } from '../../../slack/limits.js';
import {
  readMetadata,
  selectedUser,
  selectedValue,
  selectedValues,
  textValue,
  type ViewStateValues,
} from '../../../slack/view-state.js';
import { DESCRIPTION_MAX, TITLE_MAX } from '../../declare.js';

/** What the declare modal carries between opening and submission (private_metadata ≤ 3,000). */
export interface DeclareMetadata {
  /** The channel the modal was opened from, for the declarer's confirmation. */
  origin?: string;
  /** The message it was declared from: channel, ts, permalink, author, text (cut to fit). */
  source?: { channel: string; ts: string; permalink?: string; author?: string; text: string };
}

export interface DeclareModalOptions {
  declarerId: string;
  /** Services seen on earlier incidents, offered in a select (up to 100). */
  knownServices?: readonly string[];
  /** Prefill from a message (message shortcut). */
  prefill?: { title?: string; description?: string };
  metadata?: DeclareMetadata;
}

const METADATA_MAX = 3000;

const opt = (text: string, value: string): PlainTextOption => ({
  text: { type: 'plain_text', text: truncate(plain(text), LIMITS.optionText) },
  value: value.slice(0, LIMITS.optionValue),
});

export function severityOptions(): Option[] {
  return SEVERITIES.map((s) => ({
    text: { type: 'plain_text', text: severityLabel(s) },
    value: String(s),
    description: { type: 'plain_text', text: truncate(SEVERITY_MEANING[s], LIMITS.optionText) },
  }));
}

/** The severity radio buttons (declare and change-severity modals), `severity` chosen when it is one. */
export function severityInput(severity: number): InputBlock {
  const options = severityOptions();
  const current = options.find((o) => o.value === String(severity));
  return {
    type: 'input',
    block_id: BLOCK.severity,
    label: { type: 'plain_text', text: 'Severity' },
    element: {
      type: 'radio_buttons',
      action_id: BLOCK.severity,
      options,
      ...(current ? { initial_option: current } : {}),
    },
  };
}

/** The optional description field (declare and edit-details modals), prefilled when there is one. */
export function descriptionInput(initial: string | null | undefined): InputBlock {
  return {
    type: 'input',
    block_id: BLOCK.description,
    optional: true,
    label: { type: 'plain_text', text: 'Description' },
    element: {
      type: 'plain_text_input',
      action_id: BLOCK.description,
      multiline: true,
      max_length: DESCRIPTION_MAX,
      ...(initial ? { initial_value: truncate(plain(initial), DESCRIPTION_MAX) } : {}),
    },
  };
}

/** Fits the metadata into Slack's 3,000 characters by cutting the quoted message text. */
export function encodeDeclareMetadata(meta: DeclareMetadata): string {
  let json = JSON.stringify(meta);
  if (json.length <= METADATA_MAX || !meta.source) return json.slice(0, METADATA_MAX);
  const over = json.length - METADATA_MAX;
  const text = meta.source.text;
  // JSON escaping can make a character cost up to 6; cut generously, then check again.
  let keep = Math.max(0, text.length - over * 2 - 10);
  for (;;) {
    json = JSON.stringify({ ...meta, source: { ...meta.source, text: truncate(text, keep) } });
    if (json.length <= METADATA_MAX || keep === 0) return json;
    keep = Math.floor(keep / 2);
  }
}

/** The title field of the declare and edit-details modals, cut to what a title may hold. */
export function titleInput(initial: string | undefined, placeholder?: string): InputBlock {
  return {
    type: 'input',
    block_id: BLOCK.title,
    label: { type: 'plain_text', text: 'Title' },
    element: {
      type: 'plain_text_input',
      action_id: BLOCK.title,
      max_length: TITLE_MAX,
      ...(placeholder ? { placeholder: { type: 'plain_text', text: placeholder } } : {}),
      ...(initial ? { initial_value: truncate(plain(initial), TITLE_MAX) } : {}),
    },
  };
}

export function declareModal(o: DeclareModalOptions): ModalView {
  const known = [...new Set(o.knownServices ?? [])].slice(0, LIMITS.selectOptions);
  const blocks: KnownBlock[] = [
    titleInput(o.prefill?.title, 'What is broken, for whom? e.g. Checkout returns 502'),
    severityInput(DEFAULT_SEVERITY),
  ];
  if (known.length) {
    blocks.push({
      type: 'input',
      block_id: BLOCK.services,
      optional: true,
      label: { type: 'plain_text', text: 'Affected services' },
      element: {
        type: 'multi_static_select',
        action_id: BLOCK.services,
        placeholder: { type: 'plain_text', text: 'Services seen before' },
        options: known.map((s) => opt(s, s)),
      },
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: BLOCK.servicesNew,
      optional: true,
      label: { type: 'plain_text', text: known.length ? 'Other services' : 'Affected services' },
      hint: { type: 'plain_text', text: 'Comma-separated, e.g. checkout, payments-api' },
      element: { type: 'plain_text_input', action_id: BLOCK.servicesNew, max_length: 1000 },
    },
    descriptionInput(o.prefill?.description),
    {
      type: 'input',
      block_id: BLOCK.lead,
      optional: true,
      label: { type: 'plain_text', text: 'Lead' },
      hint: { type: 'plain_text', text: 'Empty: whoever acknowledges first becomes lead.' },
      element: { type: 'users_select', action_id: BLOCK.lead, initial_user: o.declarerId },
    },
    {
      type: 'input',
      block_id: BLOCK.private,
      optional: true,
      label: { type: 'plain_text', text: 'Private' },
      element: {
        type: 'checkboxes',
        action_id: BLOCK.private,
        options: [
          {
            text: { type: 'plain_text', text: 'Private incident' },
            value: 'private',
            description: {
              type: 'plain_text',
              text: 'Private channel; announced only as “a private incident was declared”.',
            },
          },
        ],
      },
    },
    {
      type: 'input',
      block_id: BLOCK.startedAt,
      optional: true,
      label: { type: 'plain_text', text: 'Impact started at' },
      hint: {
        type: 'plain_text',
        text: 'In your Slack time zone: YYYY-MM-DD HH:MM, or HH:MM for today. Empty means now.',
      },
      element: {
        type: 'plain_text_input',
        action_id: BLOCK.startedAt,
        max_length: 40,
        placeholder: { type: 'plain_text', text: 'e.g. 14:05 or 2026-11-23 14:05' },
      },
    },
  );
  return {
    type: 'modal',
    callback_id: VIEW.declare,
    title: { type: 'plain_text', text: 'Declare an incident' },
    submit: { type: 'plain_text', text: 'Declare' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: encodeDeclareMetadata(o.metadata ?? {}),
    blocks,
  };
}

/** What a person entered; time parsing and validation happen in the listener/verb. */
export interface DeclareForm {
  title: string;
  severity: number;
  services: string[];
  description: string;
  leadId: string | null;
  isPrivate: boolean;
  startedAtText: string;
  metadata: Partial<DeclareMetadata>;
}

export function parseDeclareModal(values: ViewStateValues, privateMetadata?: string): DeclareForm {
  const typed = textValue(values, BLOCK.servicesNew)
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    title: textValue(values, BLOCK.title),
    severity: Number(selectedValue(values, BLOCK.severity) ?? DEFAULT_SEVERITY),
    services: [...selectedValues(values, BLOCK.services), ...typed],
    description: textValue(values, BLOCK.description),
    leadId: selectedUser(values, BLOCK.lead),
    isPrivate: selectedValues(values, BLOCK.private).includes('private'),
    startedAtText: textValue(values, BLOCK.startedAt).trim(),
    metadata: readMetadata<DeclareMetadata>(privateMetadata),
  };
}
