import type { WebClient } from '@slack/web-api';
import { type Incident, incidentRef } from '../../incidents/model.js';
import type { Deps } from '../../runtime/deps.js';
import { fromSlack, type NameOf } from '../../slack/text.js';
import { attachPermalink, type CapturedMessage, type CaptureResult } from '../capture-message.js';

/**
 * The Slack side of timeline capture: reading a message (for reactions and pins, whose events do not
 * carry it reliably), its permalink, and telling the person it worked. Domain rules are in
 * src/timeline/capture-message.ts; this file only talks to Slack.
 */

interface SlackMessageLike {
  ts?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  thread_ts?: string;
  files?: { name?: string; title?: string }[];
  file?: { name?: string; title?: string };
}

/** A Slack message as the timeline keeps it: its text decoded once, here (text.ts). */
export function messageFromSlack(
  channel: string,
  m: SlackMessageLike,
  nameOf?: NameOf,
): CapturedMessage | null {
  if (!m.ts) return null;
  const files = [...(m.files ?? []), ...(m.file ? [m.file] : [])]
    .map((f) => f.name || f.title || '')
    .filter((n) => n.length > 0);
  return {
    channel,
    ts: m.ts,
    authorId: m.user ?? null,
    text: fromSlack(m.text ?? '', nameOf),
    files,
    threadTs: m.thread_ts ?? null,
  };
}

/**
 * One message by channel and ts: conversations.history with latest=ts inclusive finds a top-level
 * message; a thread reply is not in history, so conversations.replies (which accepts a reply's ts)
 * finds it. Null when Slack has no such message.
 */
export async function fetchMessage(
  client: WebClient,
  channel: string,
  ts: string,
  nameOf?: NameOf,
): Promise<CapturedMessage | null> {
  const hist = await client.conversations.history({
    channel,
    latest: ts,
    oldest: ts,
    inclusive: true,
    limit: 1,
  });
  const top = hist.messages?.find((m) => m.ts === ts);
  if (top) return messageFromSlack(channel, top as SlackMessageLike, nameOf);
  // A long thread comes in pages, and Slack may end a page early with more to come: follow
  // next_cursor until the reply turns up or the thread ends.
  let cursor: string | undefined;
  for (let page = 0; page < MAX_REPLY_PAGES; page++) {
    const res = await client.conversations.replies({
      channel,
      ts,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    const reply = res.messages?.find((m) => m.ts === ts);
    if (reply) return messageFromSlack(channel, reply as SlackMessageLike, nameOf);
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return null;
  }
  return null;
}

/** 200 replies a page: a thread of up to 10,000 replies is searched to its end. */
const MAX_REPLY_PAGES = 50;

/** Fetches and stores the permalink when the entry has none yet; a failure only costs the link. */
export async function ensurePermalink(deps: Deps, client: WebClient, result: CaptureResult): Promise<void> {
  const ev = result.event;
  if (ev.permalink || !ev.sourceChannel || !ev.sourceTs) return;
  try {
    const res = await client.chat.getPermalink({ channel: ev.sourceChannel, message_ts: ev.sourceTs });
    if (res.permalink) attachPermalink(deps.db, ev.id, res.permalink);
  } catch (e) {
    deps.logger.warn(`no permalink for timeline entry ${ev.id}`, e);
  }
}

/** ✅ on the captured message: the confirmation for reactions and pins, visible where they happened. */
export async function confirmWithReaction(client: WebClient, channel: string, ts: string): Promise<void> {
  try {
    await client.reactions.add({ channel, timestamp: ts, name: 'white_check_mark' });
  } catch (e) {
    if ((e as { data?: { error?: string } }).data?.error === 'already_reacted') return;
    throw e;
  }
}

export function captureConfirmation(incident: Incident, result: CaptureResult): string {
  const ref = incidentRef(incident);
  if (result.created) return `:white_check_mark: Added to the ${ref} timeline.`;
  if (result.restored) return `:white_check_mark: Back on the ${ref} timeline.`;
  return `:information_source: That message is already on the ${ref} timeline; it is stored once.`;
}
