import type { ModalView } from '@slack/types';
import { type Incident, incidentRef, severityLabel } from '../../../incidents/model.js';
import { mention } from '../../../slack/format.js';
import { BLOCK, VIEW } from '../../../slack/ids.js';
import { LIMITS } from '../../../slack/limits.js';
import { readMetadata, selectedValue, type ViewStateValues } from '../../../slack/view-state.js';
import { severityInput } from './declare-modal.js';

export function severityModal(i: Incident): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.severity,
    title: { type: 'plain_text', text: `Severity of ${incidentRef(i)}`.slice(0, LIMITS.modalTitle) },
    submit: { type: 'plain_text', text: 'Change' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify({ incidentId: i.id }),
    blocks: [severityInput(i.severity)],
  };
}

export function parseSeverityModal(
  values: ViewStateValues,
  privateMetadata?: string,
): { incidentId: number | undefined; severity: string } {
  return {
    incidentId: readMetadata<{ incidentId: number }>(privateMetadata).incidentId,
    severity: selectedValue(values, BLOCK.severity) ?? '',
  };
}

/** The one-line notice in the incident channel after its severity changed (by command or modal). */
export const severityChangeNotice = (userId: string, from: number, to: number): string =>
  `${mention(userId)} changed the severity: ${severityLabel(from)} → *${severityLabel(to)}*`;
