import { messageSourceKey } from '../../incidents/add-timeline-event.js';
import { incidentRef } from '../../incidents/model.js';
import { findIncidentByChannel } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import type { Listeners } from '../../slack/dispatch.js';
import { truncate } from '../../slack/format.js';
import { tellPrivately } from '../../slack/kit.js';
import { fetchMessage } from '../../timeline/slack/capture.js';
import { addFollowUp, FOLLOW_UP_MAX } from '../follow-ups.js';

/**
 * A FOLLOWUP_EMOJI reaction (default :fast_forward:) on a message in an incident channel makes the
 * message a follow-up owned by whoever reacted; the same message becomes a follow-up only once.
 * The inbox (src/app.ts) has stored the event before the 2xx, so Slack's retries are dropped and
 * a crash mid-way is replayed; the source key keeps a replay from adding it twice.
 */
interface ReactionEvent {
  user?: string;
  reaction?: string;
  item?: { type?: string; channel?: string; ts?: string };
}

export function register(app: Listeners, deps: Deps): void {
  app.event('reaction_added', async ({ event, client }) => {
    const e = event as ReactionEvent;
    if (!e.reaction || !deps.config.FOLLOWUP_EMOJI.includes(e.reaction)) return;
    if (e.item?.type !== 'message' || !e.item.channel || !e.item.ts || !e.user) return;
    const incident = findIncidentByChannel(deps.db, e.item.channel);
    if (!incident) return;
    const channel = e.item.channel;
    const ts = e.item.ts;
    const message = await fetchMessage(client, channel, ts, deps.people.nameOf);
    if (!message) {
      deps.logger.warn(`:${e.reaction}: on ${channel}/${ts}: Slack has no such message; no follow-up`);
      return;
    }
    // fetchMessage decoded it already (text.ts): it reads as the message did.
    const text = truncate(message.text.trim() || '(a message without text)', FOLLOW_UP_MAX);
    const { followUp, created } = addFollowUp(deps.db, deps.clock, {
      incidentId: incident.id,
      text,
      ownerId: e.user,
      createdBy: e.user,
      source: { sourceKey: messageSourceKey(channel, ts), sourceChannel: channel, sourceTs: ts },
    });
    if (!created) return;
    await tellPrivately(
      client,
      e.user,
      channel,
      `:fast_forward: That message is now follow-up #${followUp.id} of ${incidentRef(incident)}, owned by you (no due date, so no reminders). \`/incident followups\` lists yours; for a dated one use \`/incident followup <text> @owner due <date>\`.`,
    );
  });
}
