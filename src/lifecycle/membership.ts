import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import type { Incident } from '../incidents/model.js';
import { findIncidentByChannel } from '../incidents/queries.js';
import type { Clock } from '../runtime/clock.js';

/**
 * Who joined and left an incident channel, and when it was archived: the postmortem's "people"
 * and the incident's end, recorded from Slack's own member and archive events.
 */
export function recordMembership(
  db: Db,
  clock: Clock,
  input: { channelId: string; userId: string; joined: boolean; at: Date; eventKey: string },
): Incident | undefined {
  const incident = findIncidentByChannel(db, input.channelId);
  if (!incident) return undefined;
  const now = clock.now();
  addTimelineEvent(db, {
    incidentId: incident.id,
    kind: input.joined ? 'joined' : 'left',
    text: input.joined ? 'Joined the channel' : 'Left the channel',
    authorId: input.userId,
    occurredAt: input.at,
    recordedAt: now,
    sourceKey: `member:${input.eventKey}`,
    capturedVia: 'auto',
  });
  return incident;
}

/** A person archived the channel in Slack: remember when, once. */
export function recordChannelArchived(
  db: Db,
  clock: Clock,
  input: { channelId: string; userId: string | null; at: Date },
): Incident | undefined {
  const now = clock.now();
  return db.transaction((tx) => {
    const incident = tx
      .update(incidents)
      .set({ archivedAt: input.at, updatedAt: now })
      .where(and(eq(incidents.channelId, input.channelId), isNull(incidents.archivedAt)))
      .returning()
      .get();
    if (!incident) return undefined;
    addTimelineEvent(tx, {
      incidentId: incident.id,
      kind: 'archived',
      text: 'Channel archived',
      authorId: input.userId,
      occurredAt: input.at,
      recordedAt: now,
      sourceKey: 'channel:archived',
      capturedVia: 'auto',
    });
    return incident;
  });
}
