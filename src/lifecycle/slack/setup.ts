import type { WebClient } from '@slack/web-api';
import { and, eq, ne } from 'drizzle-orm';
import { firingAlertsOf } from '../../alerts/store.js';
import { incidents } from '../../db/schema.js';
import { type Incident, incidentRef } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { joinConfiguredChannel } from '../../slack/channel-membership.js';
import { incidentChannelName } from '../../slack/channel-name.js';
import { describeError, type EffectContext, runEffect, slackErrorCode } from '../../slack/effects.js';
import { safe } from '../../slack/format.js';
import { publish } from '../../slack/kit.js';
import { LIMITS } from '../../slack/limits.js';
import { botIdentity, callOnce, LOOKBACK_MARGIN_MS, postOnce } from '../../slack/post-once.js';
import { declaredChanges } from '../declare.js';
import { getRoles } from '../roles.js';
import { refreshIncidentSurfaces } from './surfaces.js';
import { announcementMessage } from './views/announcement.js';
import {
  inviteRefusedMessage,
  PERSON_REFUSALS,
  setupDoneMessage,
  setupErrorMessage,
} from './views/setup-error.js';
import { summaryBlocks, summaryText } from './views/summary.js';

/** How many `-<n>` suffixes we try after `name_taken` before giving up. */
const NAME_ATTEMPTS = 20;

export type SetupOutcome =
  | { ok: true; incident: Incident }
  | { ok: false; incident: Incident; error: string };

/** Where to tell the declarer how setup went (besides the DM on failure). */
export interface SetupNotify {
  respond?: (text: string) => Promise<unknown>;
}

const effectKey = (i: Incident, step: string) => `inc:${i.id}:${step}`;

const isUserId = (id: string): boolean => /^[UW][A-Z0-9]{2,}$/.test(id);

/** The kind of the last setup step's effect: once it is done, the incident's setup finished. */
export const SETUP_DONE_KIND = 'hook.declared';

/**
 * Everything Slack-side after an incident is stored: channel (name_taken → suffix), purpose,
 * invites, pinned summary, announcement, topic; then the `declared` hook. Each step is a keyed
 * effect, so running this again (the Retry button, a restart) resumes where it stopped and never
 * creates a second channel or a second announcement. On failure the incident keeps `setupError`
 * and the declarer gets a DM with a Retry button.
 */
export async function setupIncident(
  deps: Deps,
  client: WebClient,
  incidentId: number,
  notify: SetupNotify = {},
): Promise<SetupOutcome> {
  // A second call (Retry, the resume job) while a setup runs in this app joins the first.
  const current = deps.inProcess.current<SetupOutcome>('setup', incidentId);
  if (current !== undefined) {
    // Joined (e.g. the resume sweep got there first): the declarer still hears that it is ready.
    const outcome = await current;
    if (outcome.ok && notify.respond) await confirm(deps, outcome.incident, notify.respond);
    return outcome;
  }
  return deps.inProcess.join('setup', incidentId, () => setupOnce(deps, client, incidentId, notify));
}

async function setupOnce(
  deps: Deps,
  client: WebClient,
  incidentId: number,
  notify: SetupNotify,
): Promise<SetupOutcome> {
  const start = getIncidentById(deps.db, incidentId);
  if (!start) throw new Error(`incident ${incidentId} not found`);
  try {
    const incident = await runSteps(deps, client, start);
    if (notify.respond) await confirm(deps, incident, notify.respond);
    return { ok: true, incident };
  } catch (e) {
    const error = describeError(e);
    deps.db
      .update(incidents)
      .set({ setupError: error, updatedAt: deps.clock.now() })
      .where(eq(incidents.id, start.id))
      .run();
    const incident = getIncidentById(deps.db, start.id) ?? start;
    deps.logger.error(`setting up ${incidentRef(incident)} failed: ${error}`);
    // Declared through the API: nobody to DM; the error stays on the incident (GET shows setup_error).
    if (!isUserId(incident.declaredBy)) return { ok: false, incident, error };
    await client.chat
      .postMessage({ channel: incident.declaredBy, ...setupErrorMessage(incident, error) })
      .catch((dmError: unknown) => {
        deps.logger.error(
          `could not tell ${incident.declaredBy} that ${incidentRef(incident)} setup failed: ${describeError(dmError)}`,
        );
      });
    return { ok: false, incident, error };
  }
}

async function confirm(deps: Deps, incident: Incident, respond: (text: string) => Promise<unknown>) {
  await respond(setupDoneMessage(incident)).catch((e: unknown) => {
    deps.logger.warn(`could not confirm ${incidentRef(incident)} to its declarer: ${describeError(e)}`);
  });
}

async function runSteps(deps: Deps, client: WebClient, start: Incident): Promise<Incident> {
  const { db } = deps;
  const reload = () => getIncidentById(db, start.id) ?? start;

  const created = await runEffect(
    deps,
    { key: effectKey(start, 'channel'), kind: 'channel.create', incidentId: start.id },
    (ctx) => createChannel(deps, client, start, ctx),
  );
  const channel = String(created.channelId);
  if (start.channelId !== channel) {
    db.update(incidents)
      .set({ channelId: channel, channelName: String(created.name), updatedAt: deps.clock.now() })
      .where(eq(incidents.id, start.id))
      .run();
  }

  await runEffect(
    deps,
    { key: effectKey(start, 'purpose'), kind: 'channel.purpose', incidentId: start.id },
    async () => {
      await client.conversations.setPurpose({ channel, purpose: safe(reload().title, LIMITS.purpose) });
      return {};
    },
  );

  const invites = await runEffect(
    deps,
    { key: effectKey(start, 'invite'), kind: 'channel.invite', incidentId: start.id },
    async () => {
      const i = reload();
      // Only people: an incident declared through the HTTP API has `declaredBy` "API", not a user ID.
      const people = [...new Set([i.declaredBy, i.leadId].filter((u): u is string => !!u && isUserId(u)))];
      const refused: { user: string; error: string }[] = [];
      // One call per person: Slack invites nobody when one of several is refused.
      for (const user of people) {
        try {
          await client.conversations.invite({ channel, users: user });
        } catch (e) {
          // The creator is already in; re-running after a partial invite finds the rest in too.
          const code = slackErrorCode(e);
          if (code === 'already_in_channel' || code === 'cant_invite_self') continue;
          // A guest or a deactivated account: the incident goes on without them, and people are told.
          if (code && PERSON_REFUSALS.has(code)) refused.push({ user, error: code });
          else throw e;
        }
      }
      return { invited: people.filter((u) => !refused.some((r) => r.user === u)), refused };
    },
  );

  const summary = await runEffect(
    deps,
    { key: effectKey(start, 'summary'), kind: 'summary.post', incidentId: start.id },
    async (ctx) => {
      const i = reload();
      const res = await postOnce(client, {
        ...onceArgs(ctx, effectKey(start, 'summary')),
        channel,
        text: summaryText(i),
        blocks: summaryBlocks(i, getRoles(db, i.id), firingAlertsOf(db, i.id)),
      });
      return { ts: res.ts };
    },
  );
  db.update(incidents)
    .set({ summaryTs: String(summary.ts) })
    .where(eq(incidents.id, start.id))
    .run();

  await runEffect(
    deps,
    { key: effectKey(start, 'pin'), kind: 'summary.pin', incidentId: start.id },
    async () => {
      try {
        await client.pins.add({ channel, timestamp: String(summary.ts) });
      } catch (e) {
        if (slackErrorCode(e) !== 'already_pinned') throw e;
      }
      return {};
    },
  );

  const refused = Array.isArray(invites.refused)
    ? (invites.refused as { user: string; error: string }[])
    : [];
  if (refused.length > 0) {
    deps.logger.warn(
      `${incidentRef(start)}: Slack refused to add ${refused.map((r) => `${r.user} (${r.error})`).join(', ')}`,
    );
    await runEffect(
      deps,
      { key: effectKey(start, 'invite-refused'), kind: 'invite.refused', incidentId: start.id },
      async (ctx) => {
        const res = await postOnce(client, {
          ...onceArgs(ctx, effectKey(start, 'invite-refused')),
          channel,
          ...inviteRefusedMessage(reload(), start.declaredBy, refused),
        });
        return { ts: res.ts };
      },
    );
  }

  const announceIn = deps.config.ANNOUNCE_CHANNEL;
  if (announceIn) {
    const posted = await runEffect(
      deps,
      { key: effectKey(start, 'announce'), kind: 'announce.post', incidentId: start.id },
      async (ctx): Promise<{ channel?: string; ts?: string; skipped?: string }> => {
        // A member can look its post up after a lost answer; chat:write.public alone cannot.
        if (!(await joinConfiguredChannel(client, deps.logger, announceIn, 'ANNOUNCE_CHANNEL')))
          // Logged for the operator; the incident itself must not wait on a misconfigured channel.
          return { skipped: 'not_in_channel' };
        const res = await postOnce(client, {
          ...onceArgs(ctx, effectKey(start, 'announce')),
          channel: announceIn,
          ...announcementMessage(reload()),
        });
        return { channel: res.channel, ts: res.ts };
      },
    );
    if (posted.channel && posted.ts)
      db.update(incidents)
        .set({ announcementChannel: String(posted.channel), announcementTs: String(posted.ts) })
        .where(eq(incidents.id, start.id))
        .run();
  }

  // Topic, and any change made while we were setting up (the summary was posted from older data).
  await refreshIncidentSurfaces(deps, client, start.id);
  db.update(incidents).set({ setupError: null }).where(eq(incidents.id, start.id)).run();

  await runEffect(
    deps,
    { key: effectKey(start, 'declared-hook'), kind: SETUP_DONE_KIND, incidentId: start.id },
    async () => {
      publish(deps, declaredChanges(start));
      return {};
    },
  );
  return reload();
}

/** A post's key and where to look for it: an earlier attempt (a retry, a restart) may have posted. */
const onceArgs = (ctx: EffectContext, key: string) => ({
  key,
  since: ctx.startedAt,
  resume: ctx.attempt > 1,
});

/**
 * conversations.create with `name_taken` suffixing. The next name to try is saved before each call,
 * so a retry after a failure (a 429, a 500) goes on from there rather than starting a second channel;
 * when a call's answer was lost, the channel it may have made is looked up by name and adopted.
 */
async function createChannel(
  deps: Deps,
  client: WebClient,
  incident: Incident,
  ctx: EffectContext,
): Promise<{ channelId: string; name: string }> {
  let attempt = typeof ctx.progress?.attempt === 'number' ? ctx.progress.attempt : 1;
  // The saved name's call had no definite answer (name_taken moves on to the next name before
  // saving): it may have created the channel, its answer lost or the process gone right after.
  let resume = ctx.attempt > 1 && typeof ctx.progress?.name === 'string';
  for (; attempt <= NAME_ATTEMPTS; attempt++, resume = false) {
    const name = incidentChannelName(incident.number, incident.title, attempt);
    ctx.save({ attempt, name });
    try {
      return await callOnce(client, {
        resume,
        async call(shot) {
          const res = await shot.conversations.create({ name, is_private: incident.isPrivate });
          const id = res.channel?.id;
          if (!id) throw new Error('conversations.create answered without a channel id');
          return { channelId: id, name: res.channel?.name ?? name };
        },
        async find() {
          const id = await ourChannelNamed(deps, client, incident, name, ctx.startedAt);
          return id ? { channelId: id, name } : null;
        },
      });
    } catch (e) {
      if (slackErrorCode(e) !== 'name_taken') throw e;
    }
  }
  throw new Error(`no free channel name after ${NAME_ATTEMPTS} tries`);
}

/** At most this many conversations.list pages are read to find a channel by name. */
const LIST_PAGES = 10;

/**
 * The channel named `name` if the bot created it since this incident's setup began and no other
 * incident uses it. Asked only after a create call for this very name went unanswered, so it is
 * the channel that call made.
 */
async function ourChannelNamed(
  deps: Deps,
  client: WebClient,
  incident: Incident,
  name: string,
  since: Date,
): Promise<string | null> {
  const me = await botIdentity(client);
  let cursor: string | undefined;
  for (let page = 0; page < LIST_PAGES; page++) {
    const res = await client.conversations.list({
      types: incident.isPrivate ? 'private_channel' : 'public_channel',
      exclude_archived: true,
      // The largest page Slack accepts ("under 1000"; 1000 is invalid_limit): fewer Tier 2 calls.
      limit: 999,
      ...(cursor ? { cursor } : {}),
    });
    const ch = res.channels?.find((c) => c.name === name);
    if (ch?.id) {
      const createdMs = (ch.created ?? 0) * 1000;
      if (ch.creator !== me.userId || createdMs < since.getTime() - LOOKBACK_MARGIN_MS) return null;
      const other = deps.db
        .select({ id: incidents.id })
        .from(incidents)
        .where(and(eq(incidents.channelId, ch.id), ne(incidents.id, incident.id)))
        .get();
      return other ? null : ch.id;
    }
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return null;
  }
  return null;
}
