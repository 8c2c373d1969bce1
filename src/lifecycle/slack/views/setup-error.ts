import type { KnownBlock } from '@slack/types';
import { type Incident, incidentRef } from '../../../incidents/model.js';
import { safe } from '../../../slack/format.js';
import { ACTION } from '../../../slack/ids.js';

/**
 * What a person can do about a setup error Slack gave for a workspace setting, not a passing fault.
 * `restricted_action` on conversations.create: a Workspace Owner limited who may create channels
 * (https://slack.com/help/articles/115004988303, "Adjust channel management permissions").
 */
const SETUP_ADVICE: Record<string, string> = {
  restricted_action:
    'Slack refused to create the channel: this workspace limits who can create channels, and Firebreak is not among them. ' +
    'A Workspace Owner can allow it in *Workspace settings → Permissions → Channel management* (“People who can create public channels” / “private channels”). ' +
    'Once that is changed, press *Retry setup*.',
};

/** Told to the declarer when the channel could not be set up; the incident itself is stored. */
export function setupErrorMessage(i: Incident, error: string): { text: string; blocks: KnownBlock[] } {
  const text = `:warning: ${incidentRef(i)} is recorded, but its channel could not be set up (${safe(error, 200)}).`;
  const advice = SETUP_ADVICE[error] ?? 'Nothing is lost: retry, and the setup resumes where it stopped.';
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `${text}\n${advice}` },
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

/**
 * Why Slack would not add someone to an incident channel, in plain words
 * (https://docs.slack.dev/reference/methods/conversations.invite, errors table).
 */
const REFUSAL: Record<string, string> = {
  user_is_restricted: 'they are a guest, and only workspace admins can add guests to channels',
  user_is_ultra_restricted: 'they are a single-channel guest, who can only be in one channel',
  ura_max_channels: 'they are a single-channel guest, already in the one channel they may be in',
  cant_invite: 'Slack does not allow adding them (their account may be deactivated)',
  user_not_found: 'Slack does not know them (their account may be deactivated or from another workspace)',
  user_is_bot: 'they are an app, not a person',
  user_disabled: 'their account is deactivated',
};

/** The Slack errors that refuse one person (the others can still be added). */
export const PERSON_REFUSALS = new Set(Object.keys(REFUSAL));

/** In the incident channel: who could not be added, why, and what to do. */
export function inviteRefusedMessage(
  i: Incident,
  declarer: string,
  refused: { user: string; error: string }[],
): { text: string; blocks: KnownBlock[] } {
  const lines = refused.map((r) => `• <@${r.user}>: ${REFUSAL[r.error] ?? safe(r.error, 100)}.`);
  const who = refused.length === 1 ? 'one person' : `${refused.length} people`;
  const text = `:warning: <@${declarer}>, I could not add ${who} to ${incidentRef(i)}'s channel:\n${lines.join('\n')}\nA workspace admin can add them with /invite, or choose someone else.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
