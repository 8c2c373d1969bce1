import type { WebClient } from '@slack/web-api';
import { type Incident, incidentRef } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import { refreshIncidentSurfaces } from '../../lifecycle/slack/surfaces.js';
import type { Deps } from '../../runtime/deps.js';
import type { IncidentChange } from '../../runtime/hooks.js';
import { describeError, slackErrorCode } from '../../slack/effects.js';
import { mention } from '../../slack/format.js';
import { publish, tellPrivately } from '../../slack/kit.js';
import { getUserTz } from '../../slack/users.js';
import { closeForArchive, incidentsDueForArchive, markArchived } from '../close.js';
import { followUpsForReminders, followUpsOfIncident, followUpWithIncidentById } from '../follow-ups.js';
import {
  addDays,
  claimReminder,
  followUpSlot,
  localTime,
  markReminderFailed,
  markReminderSent,
  markSlotSent,
  pendingReopenNotices,
  type ReminderKind,
  rootCauseSlot,
} from '../reminders.js';
import { incidentsAwaitingRootCause } from '../set-root-cause.js';
import { followUpReminder, followUpReopenedNotice, rootCauseReminder } from './views/reminder-messages.js';
import { resolutionMessage } from './views/resolution-message.js';

/**
 * The Slack side of resolution, run after the domain verb committed: posting the resolution,
 * refreshing the incident's surfaces, archiving channels, and sending reminder DMs.
 */

/** Re-renders summary, topic and announcement; a failure is logged, the change itself is committed. */
export async function refreshQuietly(deps: Deps, client: WebClient, incidentId: number): Promise<void> {
  try {
    await refreshIncidentSurfaces(deps, client, incidentId);
  } catch (e) {
    deps.logger.warn(`INC id ${incidentId}: could not refresh every surface: ${describeError(e)}`);
  }
}

export async function announceResolution(
  deps: Deps,
  client: WebClient,
  incidentId: number,
  resolvedBy: string,
  /** What resolveIncident returned for the hooks, published once the channel was told. */
  changes: readonly IncidentChange[],
): Promise<void> {
  const incident = getIncidentById(deps.db, incidentId);
  if (!incident) return;
  if (incident.channelId) {
    const msg = resolutionMessage(incident, followUpsOfIncident(deps.db, incident.id), resolvedBy);
    try {
      await client.chat.postMessage({ channel: incident.channelId, ...msg });
    } catch (e) {
      const text = `${incidentRef(incident)} is resolved, but I could not post the resolution in its channel (${describeError(e)}).`;
      // Resolved through the API: no person to tell, so the log says it.
      if (/^[UW][A-Z0-9]{2,}$/.test(resolvedBy)) await tellPrivately(client, resolvedBy, null, text);
      else deps.logger.error(text);
    }
  }
  await refreshQuietly(deps, client, incident.id);
  publish(deps, changes);
}

/**
 * Archives an incident's channel and records it. `already_archived` counts as done (someone beat
 * us to it). Throws any other Slack error for the caller to report or retry.
 */
export async function archiveIncidentChannel(
  deps: Deps,
  client: WebClient,
  incident: Incident,
): Promise<void> {
  if (!incident.channelId) return;
  try {
    await client.conversations.archive({ channel: incident.channelId });
  } catch (e) {
    if (slackErrorCode(e) !== 'already_archived') throw e;
  }
  markArchived(deps.db, deps.clock, incident.id);
}

/** The after-<N>d policy: archive channels whose incident was resolved N days ago. */
export async function archiveDueChannels(deps: Deps, client: WebClient): Promise<{ archived: number }> {
  let archived = 0;
  for (const incident of incidentsDueForArchive(deps.db, deps.clock, deps.config.ARCHIVE_POLICY)) {
    try {
      closeForArchive(deps.db, deps.clock, incident.id);
      await refreshQuietly(deps, client, incident.id);
      if (incident.channelId) {
        await client.chat.postMessage({
          channel: incident.channelId,
          text: `:file_cabinet: Archiving this channel: ${incidentRef(incident)} was resolved more than ${deps.config.ARCHIVE_POLICY.replace(/^after-(\d+)d$/, '$1')} days ago. The timeline and follow-ups stay in Firebreak.`,
        });
      }
      await archiveIncidentChannel(deps, client, incident);
      archived++;
    } catch (e) {
      // Left unarchived: the next run tries again.
      deps.logger.error(`could not archive the channel of ${incidentRef(incident)}: ${describeError(e)}`);
    }
  }
  return { archived };
}

export interface ReminderRun {
  sent: number;
  failed: number;
}

/**
 * Sends every reminder whose slot is open now and not yet claimed. Safe to run any number of times
 * and from several processes: each slot is claimed in the database before its DM is sent.
 */
export async function sendDueReminders(
  deps: Deps,
  client: WebClient,
  /** reopensOnly: just the reopen DMs (the tracker jobs send them within seconds of the reopen). */
  opts: { reopensOnly?: boolean } = {},
): Promise<ReminderRun> {
  const now = deps.clock.now();
  const hour = deps.config.REMINDER_HOUR;
  const run: ReminderRun = { sent: 0, failed: 0 };
  const tzCache = new Map<string, string>();
  const tzOf = async (userId: string) => {
    let tz = tzCache.get(userId);
    if (tz === undefined) {
      tz = await getUserTz(client, deps.db, deps.clock, userId);
      tzCache.set(userId, tz);
    }
    return tz;
  };
  const deliver = async (
    claim: { kind: ReminderKind; subjectId: number; slot: string; userId: string },
    message: { text: string; blocks: unknown[] },
  ) => {
    const claimed = claimReminder(deps.db, deps.clock, claim);
    if (!claimed) return null;
    try {
      const res = await client.chat.postMessage({
        channel: claim.userId,
        text: message.text,
        blocks: message.blocks as never,
      });
      markReminderSent(deps.db, claimed.id, deps.clock, res.ts ?? null);
      run.sent++;
      return res.ts ?? '';
    } catch (e) {
      markReminderFailed(deps.db, claimed.id, describeError(e));
      run.failed++;
      deps.logger.warn(
        `${claim.kind} reminder ${claim.subjectId}/${claim.slot} to ${claim.userId} failed (attempt ${claimed.attempt}); retried on the next run: ${describeError(e)}`,
      );
      return null;
    }
  };

  // First the DMs of follow-ups reopened by their ticket, so each stands in for that day's
  // reminder: an overdue follow-up is reminded again on the next working day, not twice today.
  const unsentReopens = new Set<number>();
  for (const notice of pendingReopenNotices(deps.db)) {
    const row = followUpWithIncidentById(deps.db, notice.subjectId);
    const f = row?.followUp;
    if (!row || !f || f.status !== 'open' || f.ownerId !== notice.userId) {
      // Done again, deleted or handed to someone else since: the news is stale, drop it.
      markReminderSent(deps.db, notice.id, deps.clock, null);
      continue;
    }
    const tz = await tzOf(notice.userId);
    const today = localTime(now, tz).date;
    const ts = await deliver(
      { kind: notice.kind as ReminderKind, subjectId: f.id, slot: notice.slot, userId: notice.userId },
      followUpReopenedNotice(f, row.incident, today),
    );
    if (ts === null) {
      unsentReopens.add(f.id);
      continue;
    }
    if (f.dueDate !== null && f.dueDate <= today)
      markSlotSent(deps.db, deps.clock, {
        kind: 'follow_up',
        subjectId: f.id,
        slot: today,
        userId: notice.userId,
        messageTs: ts || null,
      });
  }
  if (opts.reopensOnly) return run;

  for (const incident of incidentsAwaitingRootCause(deps.db)) {
    const userId = incident.leadId ?? incident.declaredBy;
    // Declared through the API with nobody leading: "API" is no one to remind.
    if (!incident.resolvedAt || !/^[UW][A-Z0-9]{2,}$/.test(userId)) continue;
    const slot = rootCauseSlot(now, await tzOf(userId), hour, incident.resolvedAt);
    if (slot === null) continue;
    await deliver({ kind: 'root_cause', subjectId: incident.id, slot, userId }, rootCauseReminder(incident));
  }

  // Time zones run up to 14 h ahead of UTC: tomorrow's UTC date bounds every due date.
  const latestDue = addDays(now.toISOString().slice(0, 10), 1);
  for (const { followUp, incident } of followUpsForReminders(deps.db, latestDue)) {
    // Its reopen DM is still to be sent (and retried): that DM comes first.
    if (!followUp.ownerId || unsentReopens.has(followUp.id)) continue;
    const tz = await tzOf(followUp.ownerId);
    const slot = followUpSlot(now, tz, hour, followUp);
    if (slot === null) continue;
    await deliver(
      { kind: 'follow_up', subjectId: followUp.id, slot, userId: followUp.ownerId },
      followUpReminder(followUp, incident, localTime(now, tz).date),
    );
  }
  return run;
}

/** "@bob" or "nobody" for confirmations. */
export const ownerText = (ownerId: string | null | undefined): string =>
  ownerId ? mention(ownerId) : 'nobody yet';
