import type { WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import { firingAlertsOf } from '../../alerts/store.js';
import { effects } from '../../db/schema.js';
import { type Incident, severityLabel, statusLabel } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { describeError } from '../../slack/effects.js';
import { plain, truncate } from '../../slack/format.js';
import { LIMITS } from '../../slack/limits.js';
import { getPerson } from '../../slack/users.js';
import { getRoles } from '../roles.js';
import { announcementMessage } from './views/announcement.js';
import { summaryBlocks, summaryText } from './views/summary.js';

/** Slack refuses a longer topic (`too_long`). */
export const TOPIC_MAX = LIMITS.topic;

/** `SEV2 · Investigating · Lead: @alice`, cut to Slack's 250 characters. */
export function topicText(i: Pick<Incident, 'severity' | 'status'>, leadName: string | null): string {
  const lead = leadName ? `@${plain(leadName)}` : 'nobody yet';
  return truncate(`${severityLabel(i.severity)} · ${statusLabel(i.status)} · Lead: ${lead}`, TOPIC_MAX);
}

/**
 * Re-renders what people see of an incident: the pinned summary (edited in place), the channel
 * topic (only when it changed: every setTopic posts a line in the channel) and the announcement.
 * Idempotent; call it after any committed change. Calls for one incident run one after another,
 * each reading the incident afresh, so the last call always leaves the latest state on screen.
 * Throws (after trying every surface) if Slack refused any of them.
 */
export function refreshIncidentSurfaces(deps: Deps, client: WebClient, incidentId: number): Promise<void> {
  return deps.inProcess.serial('surfaces', incidentId, () => refreshNow(deps, client, incidentId));
}

async function refreshNow(deps: Deps, client: WebClient, incidentId: number): Promise<void> {
  const incident = getIncidentById(deps.db, incidentId);
  if (!incident) return;
  const failures: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      failures.push(`${what}: ${describeError(e)}`);
    }
  };
  if (incident.channelId && incident.summaryTs) {
    const channel = incident.channelId;
    const ts = incident.summaryTs;
    await attempt('summary', () =>
      client.chat.update({
        channel,
        ts,
        text: summaryText(incident),
        blocks: summaryBlocks(incident, getRoles(deps.db, incident.id), firingAlertsOf(deps.db, incident.id)),
      }),
    );
  }
  if (incident.channelId) {
    const channel = incident.channelId;
    await attempt('topic', () => syncTopic(deps, client, incident, channel));
  }
  if (incident.announcementChannel && incident.announcementTs && !incident.isPrivate) {
    const channel = incident.announcementChannel;
    const ts = incident.announcementTs;
    await attempt('announcement', () =>
      client.chat.update({ channel, ts, ...announcementMessage(incident) }),
    );
  }
  if (failures.length) {
    throw new Error(`could not refresh ${incidentRefText(incident)}: ${failures.join('; ')}`);
  }
}

const incidentRefText = (i: Incident) => `INC-${i.number}`;

async function syncTopic(deps: Deps, client: WebClient, incident: Incident, channel: string): Promise<void> {
  const leadName = incident.leadId
    ? (await getPerson(client, deps.db, deps.clock, incident.leadId)).name
    : null;
  const topic = topicText(incident, leadName);
  const key = `inc:${incident.id}:topic`;
  const last = deps.db.select().from(effects).where(eq(effects.key, key)).get();
  if (last?.status === 'done' && last.result?.topic === topic && last.result?.channel === channel) return;
  await client.conversations.setTopic({ channel, topic });
  const now = deps.clock.now();
  const result = { topic, channel };
  deps.db
    .insert(effects)
    .values({
      key,
      kind: 'topic',
      incidentId: incident.id,
      status: 'done',
      attempts: 1,
      result,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({ target: effects.key, set: { status: 'done', result, updatedAt: now } })
    .run();
}
