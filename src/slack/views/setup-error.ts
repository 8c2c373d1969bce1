import type { KnownBlock } from '@slack/types';
import { type Incident, incidentRef } from '../../incidents/model.js';
import { safe } from '../format.js';
import { ACTION } from '../ids.js';

/** Told to the declarer when the channel could not be set up; the incident itself is stored. */
export function setupErrorMessage(i: Incident, error: string): { text: string; blocks: KnownBlock[] } {
  const text = `:warning: ${incidentRef(i)} is recorded, but its channel could not be set up (${safe(error, 200)}).`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${text}\nNothing is lost: retry, and the setup resumes where it stopped.`,
        },
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: ACTION.retrySetup,
            text: { type: 'plain_text', text: 'Retry setup' },
            style: 'primary',
            value: String(i.id),
          },
        ],
      },
    ],
  };
}

export function setupDoneMessage(i: Incident): string {
  return `:white_check_mark: ${incidentRef(i)} is ready${i.channelId ? `: <#${i.channelId}>` : ''}.`;
}
