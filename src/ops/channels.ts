import type { webApi } from '@slack/bolt';
import { CHANNEL_SETTINGS, type Config, ConfigError, isChannelId } from '../config.js';

/**
 * Channel settings given by name (#incidents) become IDs once, at start-up, before the bot takes any
 * request: the rest of the code only ever sees IDs, and no request waits on a channel lookup.
 * conversations.list (channels:read, groups:read) pages through the channels the bot can see:
 * every public one, and the private ones it was invited to.
 */
export async function resolveChannelNames(config: Config, client: webApi.WebClient): Promise<Config> {
  const wanted = CHANNEL_SETTINGS.filter((k) => {
    const v = config[k];
    return v !== undefined && !isChannelId(v);
  });
  if (wanted.length === 0) return config;
  const byName = await channelIdsByName(client);
  const resolved: Config = { ...config };
  for (const k of wanted) {
    const name = (config[k] ?? '').replace(/^#/, '');
    const id = byName.get(name);
    if (id === undefined)
      throw new ConfigError(
        `${k}=#${name}: the bot sees no channel of that name (not archived). Check the spelling; for a private channel, type /invite @<your bot> in it; or give the channel ID instead`,
      );
    resolved[k] = id;
  }
  return resolved;
}

/** Every channel the bot can see (public, and private ones it is in), not archived: name → ID. */
export async function channelIdsByName(client: webApi.WebClient): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await client.conversations.list({
      types: 'public_channel,private_channel',
      exclude_archived: true,
      // Slack recommends 200 or fewer a page ("under 1000" is the hard limit).
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    for (const ch of page.channels ?? []) if (ch.name && ch.id) byName.set(ch.name, ch.id);
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return byName;
}
