import type { WebClient } from '@slack/web-api';
import type { AppLogger } from '../log.js';
import { slackErrorCode } from './effects.js';

/**
 * The configured channels (ANNOUNCE_CHANNEL, DIGEST_CHANNEL) are ones nobody invites the bot to.
 * `chat:write.public` lets it post there, and nothing else: finding its own post after a lost
 * answer (conversations.history), sharing a file (the digest chart) or pinning need membership.
 * So before working in such a channel the bot joins it (conversations.join, scope channels:join;
 * joining a channel it is already in is a harmless no-op). A private channel cannot be joined:
 * there the bot works only if someone invited it, and the operator is told plainly when nobody did.
 *
 * Returns true when the bot is a member (now or already). False when it cannot be: the reason is
 * logged for the operator. A transient failure (a 5xx, a rate limit) throws, for the caller to retry.
 */
export async function joinConfiguredChannel(
  client: WebClient,
  logger: AppLogger,
  channel: string,
  setting: string,
): Promise<boolean> {
  try {
    await client.conversations.join({ channel });
    return true;
  } catch (e) {
    const code = slackErrorCode(e);
    // conversations.join refuses private channels; the bot can see this one, so it is in it.
    if (code === 'method_not_supported_for_channel_type') return true;
    const advice = ADVICE[code ?? ''];
    if (!advice) throw e;
    logger.error(`${setting} ${channel}: ${advice}`);
    return false;
  }
}

const ADVICE: Record<string, string> = {
  channel_not_found:
    'Firebreak cannot see this channel: it is a private channel nobody invited Firebreak to (type /invite @Firebreak in it), or the channel ID is wrong.',
  is_archived: 'this channel is archived; unarchive it or set another channel.',
  missing_scope:
    'the app lacks the channels:join scope (reinstall it with the manifest.yml of this version), or invite Firebreak with /invite @Firebreak.',
};
