import type { ModalView } from '@slack/types';
import { type Incident, incidentRef } from '../../../incidents/model.js';
import { mention, plain, safe, truncate } from '../../../slack/format.js';
import { BLOCK, VIEW } from '../../../slack/ids.js';
import { LIMITS } from '../../../slack/limits.js';
import { readMetadata, textValue, type ViewStateValues } from '../../../slack/view-state.js';
import { type DetailChange, parseServicesText } from '../../edit-details.js';
import { descriptionInput, titleInput } from './declare-modal.js';

/** Typed services as one line; the declare modal allows 1,000 characters for them too. */
const SERVICES_INPUT_MAX = 1000;

/** "Edit details": title, affected services and description, prefilled with what is stored. */
export function detailsModal(i: Incident): ModalView {
  const services = truncate(i.services.join(', '), SERVICES_INPUT_MAX);
  return {
    type: 'modal',
    callback_id: VIEW.editDetails,
    title: { type: 'plain_text', text: `Edit ${incidentRef(i)}`.slice(0, LIMITS.modalTitle) },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify({ incidentId: i.id }),
    blocks: [
      titleInput(i.title),
      {
        type: 'input',
        block_id: BLOCK.services,
        optional: true,
        label: { type: 'plain_text', text: 'Affected services' },
        hint: { type: 'plain_text', text: 'Comma-separated, e.g. checkout, payments-api' },
        element: {
          type: 'plain_text_input',
          action_id: BLOCK.services,
          max_length: SERVICES_INPUT_MAX,
          ...(services ? { initial_value: plain(services) } : {}),
        },
      },
      descriptionInput(i.description),
    ],
  };
}

export interface DetailsForm {
  incidentId: number | undefined;
  title: string;
  services: string[];
  description: string;
}

export function parseDetailsModal(values: ViewStateValues, privateMetadata?: string): DetailsForm {
  const services = textValue(values, BLOCK.services);
  return {
    incidentId: readMetadata<{ incidentId: number }>(privateMetadata).incidentId,
    title: textValue(values, BLOCK.title),
    // An emptied field clears the list; `-` means the same here as in the command.
    services: services.trim() ? parseServicesText(services) : [],
    description: textValue(values, BLOCK.description),
  };
}

const listText = (l: readonly string[]) => (l.length ? safe(l.join(', '), 500) : '_none_');

/** The one-line notice in the incident channel after its details changed. */
export function detailsChangeNotice(userId: string, changes: readonly DetailChange[]): string {
  const parts = changes.map((c) =>
    c.field === 'title'
      ? `renamed the incident: ${safe(c.to, 300)}`
      : c.field === 'services'
        ? `changed the services: ${listText(c.from)} → *${listText(c.to)}*`
        : c.to
          ? `updated the description:\n>${safe(c.to, 1500).replace(/\n/g, '\n>')}`
          : 'removed the description',
  );
  return `${mention(userId)} ${parts.join('; ')}`;
}
