import type { KnownBlock } from '@slack/types';
import { ACTION } from '../../../slack/ids.js';

/**
 * The answer when Slack refuses the postmortem canvas: why, in words and in Slack's own error, and
 * the same draft as a Markdown file one click away. Pure.
 */
export function canvasRefusedMessage(
  ref: string,
  incidentId: number,
  advice: string,
  code: string,
): { text: string; blocks: KnownBlock[] } {
  const text =
    `:x: I could not write the ${ref} postmortem canvas: ${advice} (Slack said \`${code}\`). ` +
    'The same draft is available as a Markdown file: `/incident export` uploads it to the incident channel.';
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: ACTION.postmortemExport,
            text: { type: 'plain_text', text: 'Upload the Markdown draft', emoji: true },
            value: String(incidentId),
          },
        ],
      },
    ],
  };
}
