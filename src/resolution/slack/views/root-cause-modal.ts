import type { KnownBlock, ModalView } from '@slack/types';
import { type Incident, incidentRef } from '../../../incidents/model.js';
import { safe } from '../../../slack/format.js';
import { BLOCK, VIEW } from '../../../slack/ids.js';
import { LIMITS } from '../../../slack/limits.js';
import type { RootCauseInput } from '../../set-root-cause.js';
import {
  categoryBlock,
  linesOf,
  parseMetadata,
  pt,
  type ResolveMetadata,
  type StateValues,
  textOf,
} from './resolve-modal.js';

/** The root-cause modal: `/incident rootcause`, and the button in the lead's daily reminder. */
export function rootCauseModal(i: Incident, categories: readonly string[]): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${incidentRef(i)}* · ${safe(i.title, 300)}${
          i.resolutionSummary ? `\n*What fixed it:* ${safe(i.resolutionSummary, 1500)}` : ''
        }`,
      },
    },
    {
      type: 'input',
      block_id: BLOCK.rootCause,
      label: pt('Root cause'),
      element: {
        type: 'plain_text_input',
        action_id: BLOCK.rootCause,
        multiline: true,
        max_length: LIMITS.plainTextInput,
        placeholder: pt('Why did it happen?'),
        ...(i.rootCauseSummary ? { initial_value: i.rootCauseSummary.slice(0, LIMITS.plainTextInput) } : {}),
      },
    },
    categoryBlock(categories, i.rootCauseCategory),
    {
      type: 'input',
      block_id: BLOCK.factors,
      optional: true,
      label: pt('Contributing factors (one per line)'),
      element: {
        type: 'plain_text_input',
        action_id: BLOCK.factors,
        multiline: true,
        max_length: LIMITS.plainTextInput,
        ...(i.contributingFactors.length
          ? { initial_value: i.contributingFactors.join('\n').slice(0, LIMITS.plainTextInput) }
          : {}),
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: VIEW.rootCause,
    title: pt('Root cause', 24),
    submit: pt('Save', 24),
    close: pt('Cancel', 24),
    private_metadata: JSON.stringify({ incidentId: i.id } satisfies ResolveMetadata),
    blocks,
  };
}

export function parseRootCauseSubmission(
  values: StateValues,
  rawMetadata: string,
  userId: string,
): RootCauseInput {
  const meta = parseMetadata(rawMetadata);
  return {
    incidentId: meta.incidentId,
    userId,
    rootCause: textOf(values, BLOCK.rootCause),
    category: values[BLOCK.category]?.[BLOCK.category]?.selected_option?.value ?? null,
    contributingFactors: linesOf(textOf(values, BLOCK.factors)),
  };
}
