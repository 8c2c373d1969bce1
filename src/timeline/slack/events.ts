import type { WebClient } from '@slack/web-api';
import { findIncidentByChannel } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import type { Listeners } from '../../slack/dispatch.js';
import { fromSlack } from '../../slack/text.js';
import { type CapturedMessage, captureMessage } from '../capture-message.js';
import { followMessageDelete, followMessageEdit } from '../follow-message-edit.js';
import { removeCapture } from '../remove-capture.js';
import { confirmWithReaction, ensurePermalink, fetchMessage, messageFromSlack } from './capture.js';

/**
 * Timeline capture from events: a capture emoji or a pin in an incident channel puts the message on
 * the timeline; taking it off marks the entry removed; edits and deletions of captured messages are
 * followed. The inbox (src/app.ts) has stored each event before Slack got its 2xx and drops Slack's
 * retries, so these handlers may take their time; a thrown error leaves the event for replay.
 */
interface ItemEvent {
  user?: string;
  reaction?: string;
  channel_id?: string;
  item?: {
    type?: string;
    channel?: string;
    ts?: string;
    message?: { ts?: string; user?: string; text?: string; thread_ts?: string; files?: { name?: string }[] };
  };
}

interface MessageEvent {
  subtype?: string;
  channel?: string;
  user?: string;
  deleted_ts?: string;
  message?: {
    ts?: string;
    text?: string;
    user?: string;
    subtype?: string;
    files?: { name?: string; title?: string }[];
    edited?: { user?: string };
  };
  previous_message?: { ts?: string; user?: string };
}

async function captureFromEvent(
  deps: Deps,
  client: WebClient,
  input: {
    channel: string;
    ts: string;
    by: string;
    via: 'reaction' | 'pin';
    emoji?: string;
    fallback?: CapturedMessage | null;
  },
): Promise<void> {
  const incident = findIncidentByChannel(deps.db, input.channel);
  if (!incident) return;
  // The bot pins the incident's summary itself; it is not a timeline entry.
  if (input.ts === incident.summaryTs) return;
  const message =
    (await fetchMessage(client, input.channel, input.ts, deps.people.nameOf)) ?? input.fallback ?? null;
  if (!message) {
    deps.logger.warn(
      `${input.via} on ${input.channel}/${input.ts}: Slack has no such message; nothing captured`,
    );
    return;
  }
  const result = captureMessage(deps.db, deps.clock, {
    incidentId: incident.id,
    message,
    via: input.via,
    by: input.by,
    ...(input.emoji ? { emoji: input.emoji } : {}),
  });
  await ensurePermalink(deps, client, result);
  if (result.created || result.restored) await confirmWithReaction(client, input.channel, input.ts);
}

export function register(app: Listeners, deps: Deps): void {
  const isCaptureEmoji = (name: string | undefined) => !!name && deps.config.CAPTURE_EMOJI.includes(name);

  app.event('reaction_added', async ({ event, client }) => {
    const e = event as ItemEvent;
    if (e.item?.type !== 'message' || !e.item.channel || !e.item.ts || !e.user) return;
    if (!isCaptureEmoji(e.reaction)) return;
    await captureFromEvent(deps, client, {
      channel: e.item.channel,
      ts: e.item.ts,
      by: e.user,
      via: 'reaction',
      ...(e.reaction ? { emoji: e.reaction } : {}),
    });
  });

  app.event('reaction_removed', async ({ event }) => {
    const e = event as ItemEvent;
    if (e.item?.type !== 'message' || !e.item.channel || !e.item.ts || !e.user) return;
    if (!isCaptureEmoji(e.reaction)) return;
    removeCapture(deps.db, deps.clock, {
      channel: e.item.channel,
      ts: e.item.ts,
      via: 'reaction',
      by: e.user,
      ...(e.reaction ? { emoji: e.reaction } : {}),
    });
  });

  app.event('pin_added', async ({ event, client }) => {
    const e = event as ItemEvent;
    const channel = e.item?.channel || e.channel_id;
    const ts = e.item?.message?.ts || e.item?.ts;
    if (e.item?.type !== 'message' || !channel || !ts || !e.user) return;
    const fallback = e.item.message ? messageFromSlack(channel, e.item.message, deps.people.nameOf) : null;
    await captureFromEvent(deps, client, { channel, ts, by: e.user, via: 'pin', fallback });
  });

  app.event('pin_removed', async ({ event }) => {
    const e = event as ItemEvent;
    const channel = e.item?.channel || e.channel_id;
    const ts = e.item?.message?.ts || e.item?.ts;
    if (e.item?.type !== 'message' || !channel || !ts || !e.user) return;
    removeCapture(deps.db, deps.clock, { channel, ts, via: 'pin', by: e.user });
  });

  app.event('message', async ({ event }) => {
    const e = event as MessageEvent;
    if (!e.channel) return;
    if (e.subtype === 'message_changed' && e.message?.ts) {
      // A thread parent deleted while it has replies becomes a tombstone: for the timeline, deleted.
      if (e.message.subtype === 'tombstone') {
        followMessageDelete(deps.db, deps.clock, { channel: e.channel, ts: e.message.ts });
        return;
      }
      const files = e.message.files?.map((f) => f.name || f.title || '').filter((n) => n.length > 0);
      followMessageEdit(deps.db, deps.clock, {
        channel: e.channel,
        ts: e.message.ts,
        // Decoded like the capture it replaces (text.ts).
        text: fromSlack(e.message.text ?? '', deps.people.nameOf),
        ...(files !== undefined ? { files } : {}),
        editedBy: e.message.edited?.user ?? e.message.user ?? null,
      });
      return;
    }
    if (e.subtype === 'message_deleted') {
      const ts = e.deleted_ts || e.previous_message?.ts;
      if (!ts) return;
      // Slack does not say who deleted a message (it may be an admin), so no one is named.
      followMessageDelete(deps.db, deps.clock, { channel: e.channel, ts });
    }
  });
}
