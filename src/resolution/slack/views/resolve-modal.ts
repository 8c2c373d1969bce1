import type { ViewStateValue } from '@slack/bolt';
import type { InputBlock, KnownBlock, ModalView, Option, PlainTextOption } from '@slack/types';
import { type Incident, incidentRef } from '../../../incidents/model.js';
import { plain, truncate } from '../../../slack/format.js';
import { BLOCK, VIEW } from '../../../slack/ids.js';
import { LIMITS } from '../../../slack/limits.js';
import { MAX_FOLLOW_UPS_IN_RESOLVE } from '../../follow-ups.js';
import { followUpFieldOf, RESOLVE_FIELD, type ResolveInput } from '../../resolve.js';

/**
 * The resolution modal: what fixed it, the root cause (or "not known yet"), category, factors,
 * services, when it was resolved, and up to five follow-ups. Pure builder plus its parser.
 */
export type StateValues = Record<string, Record<string, ViewStateValue>>;

export interface ResolveMetadata {
  incidentId: number;
}

/** Per-row block_ids of the follow-up inputs: follow_up_text_1 … follow_up_due_5. */
export const followUpBlocks = (n: number) => ({
  text: `${BLOCK.followUpText}_${n}`,
  owner: `${BLOCK.followUpOwner}_${n}`,
  due: `${BLOCK.followUpDue}_${n}`,
});

const UNKNOWN_VALUE = 'unknown';

export const pt = (text: string, max = 150) => ({
  type: 'plain_text' as const,
  text: truncate(plain(text), max),
  emoji: true,
});

export function categoryOptions(categories: readonly string[]): PlainTextOption[] {
  return categories
    .slice(0, LIMITS.selectOptions)
    .map((c) => ({ text: pt(c, LIMITS.optionText), value: c.slice(0, LIMITS.optionValue) }));
}

const textInput = (
  blockId: string,
  label: string,
  opts: {
    multiline?: boolean;
    optional?: boolean;
    initial?: string | null;
    placeholder?: string;
    max?: number;
  },
): InputBlock => ({
  type: 'input',
  block_id: blockId,
  optional: opts.optional ?? false,
  label: pt(label),
  element: {
    type: 'plain_text_input',
    action_id: blockId,
    multiline: opts.multiline ?? false,
    max_length: opts.max ?? 3000,
    ...(opts.initial ? { initial_value: truncate(opts.initial, opts.max ?? 3000) } : {}),
    ...(opts.placeholder ? { placeholder: pt(opts.placeholder) } : {}),
  },
});

export function categoryBlock(categories: readonly string[], initial: string | null): InputBlock {
  const options = categoryOptions(categories);
  const selected = options.find((o) => o.value === initial);
  return {
    type: 'input',
    block_id: BLOCK.category,
    optional: true,
    label: pt('Root-cause category'),
    element: {
      type: 'static_select',
      action_id: BLOCK.category,
      placeholder: pt('Pick one'),
      options,
      ...(selected ? { initial_option: selected } : {}),
    },
  };
}

export function resolveModal(i: Incident, categories: readonly string[], now: Date): ModalView {
  const unknownOption: Option = {
    text: pt('Not known yet', 75),
    description: pt('The lead is reminded every working day until it is written down.', 75),
    value: UNKNOWN_VALUE,
  };
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `Resolving *${truncate(incidentRef(i), 20)}*. Everyone in the channel sees the resolution, with the durations.`,
      },
    },
    textInput(BLOCK.resolution, 'What fixed it?', {
      multiline: true,
      placeholder: 'Rolled back the 14:02 deploy of checkout-api',
    }),
    textInput(BLOCK.rootCause, 'Root cause', {
      multiline: true,
      optional: true,
      initial: i.rootCauseSummary,
      placeholder: 'Why did it happen? (required unless not known yet)',
    }),
    {
      type: 'input',
      block_id: BLOCK.rootCauseUnknown,
      optional: true,
      label: pt('Root cause not known yet?'),
      element: { type: 'checkboxes', action_id: BLOCK.rootCauseUnknown, options: [unknownOption] },
    },
    categoryBlock(categories, i.rootCauseCategory),
    textInput(BLOCK.factors, 'Contributing factors (one per line)', {
      multiline: true,
      optional: true,
      initial: i.contributingFactors.join('\n'),
    }),
    textInput(BLOCK.services, 'Affected services (comma-separated)', {
      optional: true,
      initial: i.services.join(', '),
      max: 2000,
    }),
    {
      type: 'input',
      block_id: BLOCK.resolvedAt,
      label: pt('Resolved at'),
      hint: pt('Defaults to now; pick an earlier time if it was fixed before you got here.'),
      element: {
        type: 'datetimepicker',
        action_id: BLOCK.resolvedAt,
        initial_date_time: Math.floor(now.getTime() / 1000),
      },
    },
    { type: 'header', text: pt('Follow-ups (optional)') },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: 'What should change so this does not happen again? Owners are reminded when each is due.',
        },
      ],
    },
  ];
  for (let n = 1; n <= MAX_FOLLOW_UPS_IN_RESOLVE; n++) {
    const ids = followUpBlocks(n);
    blocks.push(
      textInput(ids.text, `Follow-up ${n}`, { optional: true, max: 500 }),
      {
        type: 'input',
        block_id: ids.owner,
        optional: true,
        label: pt(`Owner of follow-up ${n}`),
        element: { type: 'users_select', action_id: ids.owner, placeholder: pt('Who does it?') },
      },
      {
        type: 'input',
        block_id: ids.due,
        optional: true,
        label: pt(`Due date of follow-up ${n}`),
        element: { type: 'datepicker', action_id: ids.due },
      },
    );
  }
  return {
    type: 'modal',
    callback_id: VIEW.resolve,
    title: pt(`Resolve ${incidentRef(i)}`, 24),
    submit: pt('Resolve', 24),
    close: pt('Cancel', 24),
    private_metadata: JSON.stringify({ incidentId: i.id } satisfies ResolveMetadata),
    blocks,
  };
}

const val = (v: StateValues, block: string): ViewStateValue | undefined => v[block]?.[block];

export const textOf = (v: StateValues, block: string): string => val(v, block)?.value?.trim() ?? '';

export const linesOf = (s: string): string[] =>
  s
    .split('\n')
    .map((l) => l.replace(/^\s*[-*•]\s*/, '').trim())
    .filter((l) => l.length > 0);

export const csvOf = (s: string): string[] =>
  s
    .split(/[,\n]/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);

export function parseMetadata(raw: string): ResolveMetadata {
  const m = JSON.parse(raw) as Partial<ResolveMetadata>;
  if (typeof m.incidentId !== 'number') throw new Error('resolve modal metadata without incidentId');
  return { incidentId: m.incidentId };
}

/** Turns the submitted state into the verb's input; empty follow-up rows are left out. */
export function parseResolveSubmission(
  values: StateValues,
  meta: ResolveMetadata,
  userId: string,
  now: Date,
): ResolveInput {
  const picked = val(values, BLOCK.resolvedAt)?.selected_date_time;
  const followUps: ResolveInput['followUps'] = [];
  for (let n = 1; n <= MAX_FOLLOW_UPS_IN_RESOLVE; n++) {
    const ids = followUpBlocks(n);
    const text = textOf(values, ids.text);
    const owner = val(values, ids.owner)?.selected_user ?? null;
    const due = val(values, ids.due)?.selected_date ?? null;
    if (text === '' && owner === null && due === null) continue;
    followUps.push({ row: n, text, ownerId: owner, dueDate: due });
  }
  return {
    incidentId: meta.incidentId,
    userId,
    resolutionSummary: textOf(values, BLOCK.resolution),
    rootCause: textOf(values, BLOCK.rootCause) || null,
    rootCauseUnknown: (val(values, BLOCK.rootCauseUnknown)?.selected_options ?? []).some(
      (o) => o.value === UNKNOWN_VALUE,
    ),
    category: val(values, BLOCK.category)?.selected_option?.value ?? null,
    contributingFactors: linesOf(textOf(values, BLOCK.factors)),
    services: csvOf(textOf(values, BLOCK.services)),
    resolvedAt: typeof picked === 'number' ? new Date(picked * 1000) : now,
    followUps,
  };
}

/**
 * Maps a verb's logical field to this modal's block_id (for `response_action: errors`). A field
 * with no block here is shown on the submission's fallback block (kit.ts submit), never dropped.
 */
export function resolveBlockFor(field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  const followUp = followUpFieldOf(field);
  if (followUp) {
    const ids = followUpBlocks(followUp.row);
    return followUp.part === 'ownerId' ? ids.owner : followUp.part === 'dueDate' ? ids.due : ids.text;
  }
  const map: Record<string, string> = {
    [RESOLVE_FIELD.resolution]: BLOCK.resolution,
    [RESOLVE_FIELD.rootCause]: BLOCK.rootCause,
    [RESOLVE_FIELD.category]: BLOCK.category,
    [RESOLVE_FIELD.factors]: BLOCK.factors,
    [RESOLVE_FIELD.services]: BLOCK.services,
    [RESOLVE_FIELD.resolvedAt]: BLOCK.resolvedAt,
    // "Too many follow-ups" cannot come from this form: it has MAX_FOLLOW_UPS_IN_RESOLVE rows and
    // parseResolveSubmission reads no more, so only the API (any number of follow_ups) raises it.
    // Mapped to the first row so a form with more rows would show it where the follow-ups start.
    [RESOLVE_FIELD.followUps]: followUpBlocks(1).text,
  };
  return map[field];
}
