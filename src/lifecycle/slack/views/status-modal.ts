import type { ModalView, Option } from '@slack/types';
import { type Incident, incidentRef, OPEN_STATUSES, statusLabel } from '../../../incidents/model.js';
import { mention } from '../../../slack/format.js';
import { BLOCK, VIEW } from '../../../slack/ids.js';
import { LIMITS } from '../../../slack/limits.js';
import { readMetadata, selectedValue, textValue, type ViewStateValues } from '../../../slack/view-state.js';
import { UPDATE_MAX } from '../../post-update.js';

const STATUS_HELP: Record<string, string> = {
  investigating: 'Looking for the cause',
  identified: 'Cause known, fix under way',
  monitoring: 'Fix in place, watching (sets the mitigated time)',
};

export function statusOptions(): Option[] {
  return OPEN_STATUSES.map((s) => ({
    text: { type: 'plain_text', text: statusLabel(s) },
    value: s,
    description: { type: 'plain_text', text: STATUS_HELP[s] ?? s },
  }));
}

/** "Update status": the status and an optional update for stakeholders. */
export function statusModal(i: Incident): ModalView {
  const options = statusOptions();
  const current = options.find((o) => o.value === i.status);
  return {
    type: 'modal',
    callback_id: VIEW.update,
    title: { type: 'plain_text', text: `Update ${incidentRef(i)}`.slice(0, LIMITS.modalTitle) },
    submit: { type: 'plain_text', text: 'Update' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify({ incidentId: i.id }),
    blocks: [
      {
        type: 'input',
        block_id: BLOCK.status,
        label: { type: 'plain_text', text: 'Status' },
        element: {
          type: 'radio_buttons',
          action_id: BLOCK.status,
          options,
          ...(current ? { initial_option: current } : {}),
        },
      },
      {
        type: 'input',
        block_id: BLOCK.updateText,
        optional: true,
        label: { type: 'plain_text', text: 'Update for stakeholders' },
        hint: { type: 'plain_text', text: 'Posted in the channel and under the announcement.' },
        element: {
          type: 'plain_text_input',
          action_id: BLOCK.updateText,
          multiline: true,
          max_length: UPDATE_MAX,
        },
      },
    ],
  };
}

export function parseStatusModal(
  values: ViewStateValues,
  privateMetadata?: string,
): { incidentId: number | undefined; status: string; text: string } {
  return {
    incidentId: readMetadata<{ incidentId: number }>(privateMetadata).incidentId,
    status: selectedValue(values, BLOCK.status) ?? '',
    text: textValue(values, BLOCK.updateText).trim(),
  };
}

/** The one-line notice in the incident channel after its status changed (by command or modal). */
export const statusChangeNotice = (userId: string, from: string, to: string): string =>
  `${mention(userId)} changed the status: ${statusLabel(from)} → *${statusLabel(to)}*`;
