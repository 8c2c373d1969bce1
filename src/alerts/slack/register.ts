import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { and, eq, gt, inArray, lt, ne } from 'drizzle-orm';
import { effects, incidents } from '../../db/schema.js';
import { DomainError } from '../../incidents/errors.js';
import { type Incident, incidentRef, isOpen, OPEN_STATUSES, severityLabel } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import { setSeverity } from '../../lifecycle/set-severity.js';
import { afterChange } from '../../lifecycle/slack/changes.js';
import { setupIncident } from '../../lifecycle/slack/setup.js';
import { refreshIncidentSurfaces } from '../../lifecycle/slack/surfaces.js';
import { severityChangeNotice } from '../../lifecycle/slack/views/severity-modal.js';
import type { Metrics } from '../../ops/metrics.js';
import { policyWithMinConfidence } from '../../recurrence/warn.js';
import type { Deps } from '../../runtime/deps.js';
import type { Job } from '../../runtime/schedule.js';
import { assertCanChange } from '../../slack/access.js';
import { joinConfiguredChannel } from '../../slack/channel-membership.js';
import type { Listeners } from '../../slack/dispatch.js';
import { describeError, runEffect } from '../../slack/effects.js';
import { mention, safe } from '../../slack/format.js';
import { ACTION } from '../../slack/ids.js';
import { afterCommit } from '../../slack/kit.js';
import { botIdentity, postOnce } from '../../slack/post-once.js';
import { type AlertEndpointOptions, type AlertObserver, type AlertRoute, alertEndpoints } from '../http.js';
import { alertMemory } from '../memory.js';
import type { Alert, AlertGroup } from '../model.js';
import { createRouting, loadAlertRoutes } from '../routes.js';
import { type SeverityInput, severityReason } from '../severity.js';
import {
  dueGroups,
  getAlert,
  getGroup,
  groupSeverityInputs,
  groupsOfIncident,
  groupView,
  type IngestResult,
  markCardFailed,
  markRendered,
  type SeverityRaise,
  startCardPost,
} from '../store.js';
import {
  attachAlerts,
  autoDeclareDue,
  declareFromAlerts,
  dismissAlerts,
  expireDismissals,
} from '../triage.js';
import {
  alertCard,
  allAlertsResolvedMessage,
  MAX_OPTIONS,
  parseCardValue,
  parseRaiseValue,
  raiseAnswered,
  raiseSuggestionMessage,
} from './card.js';

/**
 * The alerts feature's Slack side: the HTTP endpoints' after-commit work (cards, the incident
 * channel), the card's buttons, and auto-declaration by route. Card edits are coalesced: after a
 * change the flusher waits a moment and renders every group that changed meanwhile, once; while
 * changes keep coming it waits longer each round (up to MAX_WAIT_FACTOR × the first wait), so a
 * storm of 1,000 alerts is a handful of chat.update calls on one card, far inside Slack's tiers.
 */

export interface AlertsOptions {
  /** The first wait after a change before cards are rendered (default 2 s). */
  coalesceMs?: number;
  bodyLimit: number;
  /** /metrics: alert requests, alerts, groups and cards (counts only, never the alerts' text). */
  metrics?: Pick<
    Metrics,
    'observeAlertRequest' | 'observeAlerts' | 'observeAlertGroups' | 'observeAlertCard'
  >;
}

export const DEFAULT_COALESCE_MS = 2000;
const MAX_WAIT_FACTOR = 15;
/** A card that failed to post is tried again after this long (and on the next alert). */
const RETRY_MS = 60_000;
/** The post-once key of a group's card: a retry finds the card an earlier attempt posted by it. */
export const cardKey = (groupId: number): string => `alert-card:${groupId}`;
/**
 * The post-once key of "an alert came in at SEVn" in an incident's channel: one per incident and
 * severity, so a redelivered webhook, a flapping alert or a storm of criticals asks once, and a
 * later alert that is worse still asks again.
 */
export const raiseKey = (incidentId: number, severity: number): string =>
  `alert-raise:${incidentId}:sev${severity}`;
const RAISE_EFFECT_KIND = 'alert.raise';

export interface AlertsFeature {
  /** POST /alerts/* for the receiver's customRoutes. */
  routes: AlertRoute[];
  /** Registers the card's listeners and gives the flusher its client. */
  register(app: Listeners): void;
  /** Renders every card left behind (at start-up: stored alerts whose card was not posted). */
  flush(): void;
  /** Asks again where asking an incident to raise its severity failed (Slack refused or was down). */
  retryRaises(): Promise<void>;
}

type ActionArgs<A extends ButtonAction | StaticSelectAction> = SlackActionMiddlewareArgs<BlockAction<A>> &
  AllMiddlewareArgs;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Each app's feature, for its scheduled job (the job is handed the app's Deps). */
const features = new WeakMap<Deps, AlertsFeature>();

export const ALERT_DISMISSALS_JOB = 'alert-dismissals';
export const ALERT_RAISE_RETRY_JOB = 'alert-raise-retries';
/** A failed "Raise to" question is asked again each minute, this many times at most, for a day. */
const RAISE_ATTEMPTS_MAX = 5;
const RAISE_RETRY_FOR_MS = 24 * 60 * 60_000;

/** Every minute: cards whose "Dismiss for…" ran out get their buttons back. */
export function alertJobs(deps: Deps): Job[] {
  return [
    {
      name: ALERT_DISMISSALS_JOB,
      cron: '0 * * * * *',
      runOnStart: true,
      async run() {
        if (expireDismissals(deps.db, deps.clock) > 0) features.get(deps)?.flush();
      },
    },
    {
      name: ALERT_RAISE_RETRY_JOB,
      cron: '30 * * * * *',
      runOnStart: true,
      async run() {
        await features.get(deps)?.retryRaises();
      },
    },
  ];
}

function alertObserver(m: NonNullable<AlertsOptions['metrics']>): AlertObserver {
  return {
    request: (source, outcome, status) => m.observeAlertRequest(source, outcome, status),
    stored(source, result) {
      for (const [change, n] of Object.entries(result.changes)) m.observeAlerts(source, change, n);
      m.observeAlerts(source, 'unrouted', result.unrouted);
      m.observeAlertGroups(source, result.groupsCreated);
    },
  };
}

export function createAlertsFeature(deps: Deps, opts: AlertsOptions): AlertsFeature {
  const { config, db, clock, logger, tasks } = deps;
  logger.addSecrets(config.ALERTS_TOKEN, config.PAGERDUTY_WEBHOOK_SECRET);
  const routing = createRouting(
    loadAlertRoutes(config.ALERT_ROUTES),
    config.ALERT_CHANNEL ?? config.ANNOUNCE_CHANNEL ?? null,
  );
  const metrics = opts.metrics;
  const policy = policyWithMinConfidence(config.RECURRENCE_MIN_CONFIDENCE);
  const base = opts.coalesceMs ?? DEFAULT_COALESCE_MS;
  let client: WebClient | undefined;
  let running = false;
  let dirty = false;
  let retryTimer: NodeJS.Timeout | undefined;
  /** Card channels joined by this process (see joinOnce). */
  const joined = new Set<string>();

  const attachable = (lead: Parameters<typeof alertMemory>[1], ranked: number[]): Incident[] => {
    const open = db
      .select()
      .from(incidents)
      .where(and(inArray(incidents.status, [...OPEN_STATUSES]), eq(incidents.isPrivate, false)))
      .orderBy(incidents.declaredAt)
      .all()
      .reverse();
    void lead;
    const pos = new Map(ranked.map((id, i) => [id, i]));
    return open
      .sort((a, b) => (pos.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (pos.get(b.id) ?? Number.MAX_SAFE_INTEGER))
      .slice(0, MAX_OPTIONS);
  };

  const code = (s: string) => `\`${safe(s, 50).replaceAll('`', "'")}\``;

  /**
   * Why the group has its severity, recomputed from what is stored: the first alert's reading when
   * that is it, else the first later alert that reads as the group's severity (it raised the
   * group). Neither (the routes file changed, or the sender re-rated the alert lower since): the
   * card says only that an earlier alert set it, as a group's severity never drops by itself.
   */
  const severityNote = (group: AlertGroup, lead: Alert): string => {
    const first = routing.severityFor(lead, group.routeName);
    if (first.severity === group.severity) return severityReason(first, code);
    for (const a of groupSeverityInputs(db, group.id)) {
      if (a.id === lead.id) continue;
      const d = routing.severityFor(a, group.routeName);
      if (d.severity === group.severity)
        return `${severityReason(d, code)}: raised by the later alert *${safe(a.title, 150)}* (the first was ${severityLabel(first.severity)})`;
    }
    return `${severityLabel(group.severity)}, set by an earlier alert of the group (a group’s severity never drops by itself)`;
  };

  /** The reason an alert rates `severity`, for the incident channel; null if it no longer does. */
  const alertReason = (a: SeverityInput, routeName: string | null, severity: number): string | null => {
    const d = routing.severityFor(a, routeName);
    return d.severity === severity ? severityReason(d, code) : null;
  };

  async function renderGroup(c: WebClient, groupId: number): Promise<void> {
    const view = groupView(db, groupId);
    if (!view) return;
    const { group } = view;
    const incident = group.incidentId !== null ? (getIncidentById(db, group.incidentId) ?? null) : null;
    const memory = alertMemory(db, view.lead, policy);
    const msg = alertCard({
      ...view,
      memory,
      incident,
      attachable: incident ? [] : attachable(view.lead, memory.openRanked),
      now: clock.now(),
      severityNote: severityNote(group, view.lead),
    });
    if (group.cardTs && group.cardChannel) {
      await c.chat.update({
        channel: group.cardChannel,
        ts: group.cardTs,
        text: msg.text,
        blocks: msg.blocks,
      });
      markRendered(db, group.id, group.version, null);
      metrics?.observeAlertCard('updated');
    } else {
      // Slack has no idempotency keys: the first attempt's start is saved before it calls Slack, and
      // a later attempt (a retry, a restart) looks for the card that attempt may have posted.
      const resume = group.cardPostStartedAt !== null;
      const since = group.cardPostStartedAt ?? startCardPost(db, group.id, clock.now());
      const member = await joinOnce(c, group.channel);
      const r = await postOnce(c, {
        channel: group.channel,
        key: cardKey(group.id),
        since,
        resume: resume && member,
        text: msg.text,
        blocks: msg.blocks,
        unfurl_links: false,
      });
      const card = { channel: r.channel, ts: r.ts };
      if (r.adopted) {
        // An adopted card shows what the earlier attempt rendered: keep its ts (still due) whatever
        // the edit bringing it up to date does.
        markRendered(db, group.id, group.renderedVersion, card);
        await c.chat.update({ ...card, text: msg.text, blocks: msg.blocks });
      }
      markRendered(db, group.id, group.version, card);
      metrics?.observeAlertCard(r.adopted ? 'updated' : 'posted');
    }
  }

  /**
   * Joins a card channel once per process, before its first card. chat:write.public lets the bot
   * post where it is not a member but not read the history, and finding a card whose answer was
   * lost needs the history (the announcement channel is joined for the same reason). When Slack
   * refuses the join (see joinConfiguredChannel), cards are still posted, without that lookup: a
   * card posted twice is better than alerts nobody sees.
   */
  async function joinOnce(c: WebClient, channel: string): Promise<boolean> {
    if (joined.has(channel)) return true;
    // Any other failure (Slack down) fails this attempt; the card is tried again later.
    const ok = await joinConfiguredChannel(c, logger, channel, 'alert card channel');
    if (ok) joined.add(channel);
    return ok;
  }

  async function autoDeclare(c: WebClient): Promise<void> {
    const due = autoDeclareDue(db);
    if (due.length === 0) return;
    const me = (await botIdentity(c)).userId ?? 'firebreak';
    for (const g of due) {
      try {
        const incident = declareFromAlerts(db, clock, { groupId: g.id, declaredBy: me, auto: true });
        logger.info(
          `${incidentRef(incident)} declared automatically from alerts (route ${g.routeName ?? 'default'})`,
        );
        tasks.defer(`set up ${incidentRef(incident)}`, () =>
          setupIncident(deps, c, incident.id).then((r) =>
            r.ok ? askPendingRaises(c, r.incident.id) : undefined,
          ),
        );
      } catch (e) {
        if (e instanceof DomainError && e.code === 'conflict') continue;
        logger.error(`auto-declaring from alert group ${g.id} failed: ${describeError(e)}`);
      }
    }
  }

  async function flushOnce(c: WebClient): Promise<void> {
    await autoDeclare(c);
    let failed = false;
    // Each card at most once per round: changes that arrive while it renders wait for the next round
    // (the caller's growing wait), which is what keeps a storm to a handful of edits.
    const done = new Set<number>();
    for (;;) {
      const due = dueGroups(db).filter((g) => !done.has(g.id));
      if (due.length === 0) break;
      for (const g of due) {
        done.add(g.id);
        try {
          await renderGroup(c, g.id);
        } catch (e) {
          failed = true;
          metrics?.observeAlertCard('failed');
          markCardFailed(db, g.id, describeError(e));
          logger.error(`the triage card of alert group ${g.id} could not be posted: ${describeError(e)}`);
        }
      }
    }
    if (failed && !retryTimer) {
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        schedule();
      }, RETRY_MS);
      retryTimer.unref();
    }
  }

  /**
   * `firstWait` is the coalescing wait before the first round: a new alert waits `base` so a burst
   * becomes one edit; the start-up round has nothing to coalesce and runs at once, so a process
   * stopped right after starting is not held up by a wait for nothing.
   */
  function schedule(firstWait = base): void {
    dirty = true;
    if (running || !client) return;
    running = true;
    const c = client;
    tasks.defer('alert cards', async () => {
      let wait = firstWait;
      try {
        while (dirty) {
          dirty = false;
          await sleep(wait);
          await flushOnce(c);
          wait = Math.min(Math.max(wait * 2, base), base * MAX_WAIT_FACTOR);
        }
      } finally {
        running = false;
      }
    });
  }

  async function afterIngest(result: IngestResult): Promise<void> {
    const c = client;
    if (!c) return;
    for (const id of result.incidentIds) {
      await refreshIncidentSurfaces(deps, c, id).catch((e: unknown) =>
        logger.warn(`incident ${id}: ${describeError(e)}`),
      );
    }
    for (const id of result.allResolved) {
      const i = getIncidentById(db, id);
      if (i?.channelId) await c.chat.postMessage({ channel: i.channelId, ...allAlertsResolvedMessage(i) });
    }
    for (const r of result.raises) {
      await suggestRaise(c, r).catch((e: unknown) =>
        logger.error(
          `incident ${r.incidentId}: could not suggest raising to SEV${r.severity}: ${describeError(e)}`,
        ),
      );
    }
  }

  /**
   * Asks the incident's channel to raise the severity, once per incident and severity (the effect
   * row remembers it was asked; postOnce finds the message when Slack's answer was lost). The
   * message goes to the incident's own channel only: a private incident's channel is private, and
   * nothing about it reaches the card or any public channel.
   */
  async function suggestRaise(c: WebClient, r: SeverityRaise): Promise<void> {
    const incident = getIncidentById(db, r.incidentId);
    // Raised (or closed) meanwhile: nothing to ask.
    if (!incident || !isOpen(incident) || incident.severity <= r.severity) return;
    const channel = incident.channelId;
    // Declared a moment ago and still being set up: asked once its channel exists (askPendingRaises).
    if (!channel) return;
    const alert = getAlert(db, r.alertId);
    if (!alert) return;
    const msg = raiseSuggestionMessage({
      incident,
      alert,
      severity: r.severity,
      reason: alertReason(alert, getGroup(db, r.groupId)?.routeName ?? null, r.severity),
    });
    const key = raiseKey(incident.id, r.severity);
    await runEffect(deps, { key, kind: RAISE_EFFECT_KIND, incidentId: incident.id }, async (ctx) => {
      const res = await postOnce(c, {
        key,
        since: ctx.startedAt,
        resume: ctx.attempt > 1,
        channel,
        text: msg.text,
        blocks: msg.blocks,
        unfurl_links: false,
      });
      return { channel: res.channel, ts: res.ts };
    });
  }

  /**
   * After an incident made from alerts is set up: a worse alert that came in while its channel did
   * not exist yet (an auto-declare takes a few seconds; a storm does not wait) is asked now.
   */
  async function askPendingRaises(c: WebClient, incidentId: number): Promise<void> {
    const incident = getIncidentById(db, incidentId);
    if (!incident) return;
    for (const g of groupsOfIncident(db, incidentId)) {
      if (g.severity >= incident.severity) continue;
      const raiser = firstAlertRated(g);
      if (!raiser) continue;
      await suggestRaise(c, {
        incidentId,
        groupId: g.id,
        alertId: raiser.id,
        severity: g.severity as SeverityRaise['severity'],
        incidentSeverity: incident.severity,
      });
    }
  }

  /** The group's first alert that reads as the group's severity (the one that raised it). */
  const firstAlertRated = (g: AlertGroup) => {
    for (const a of groupSeverityInputs(db, g.id))
      if (routing.severityFor(a, g.routeName).severity === g.severity) return a;
    return undefined;
  };

  const endpointOptions: AlertEndpointOptions = {
    db,
    clock,
    token: config.ALERTS_TOKEN,
    pagerDutySecret: config.PAGERDUTY_WEBHOOK_SECRET,
    routing,
    bodyLimit: opts.bodyLimit,
    onStored: (result) => {
      if (result.groupIds.length) schedule();
      if (result.incidentIds.length) tasks.defer('alerts of incidents changed', () => afterIngest(result));
    },
    onError: (message, e) => logger.error(message, e),
    ...(metrics ? { observe: alertObserver(metrics) } : {}),
  };

  async function tell(args: ActionArgs<ButtonAction | StaticSelectAction>, text: string): Promise<void> {
    await args.respond({ response_type: 'ephemeral', replace_original: false, text });
  }

  /** Runs a card verb; a DomainError becomes a private answer, the card is edited either way. */
  async function act(
    args: ActionArgs<ButtonAction | StaticSelectAction>,
    fn: () => Promise<void>,
  ): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (e instanceof DomainError) await tell(args, `:warning: ${e.message}`);
      else throw e;
    } finally {
      schedule();
    }
  }

  /**
   * The incidents whose "Raise to" question failed lately (an `ok: false`, Slack down past the
   * client's retries, the process dying mid-post): asked again from what is stored now.
   */
  async function retryRaises(): Promise<void> {
    const c = client;
    if (!c) return;
    const since = new Date(clock.now().getTime() - RAISE_RETRY_FOR_MS);
    const rows = db
      .selectDistinct({ incidentId: effects.incidentId })
      .from(effects)
      .where(
        and(
          eq(effects.kind, RAISE_EFFECT_KIND),
          ne(effects.status, 'done'),
          lt(effects.attempts, RAISE_ATTEMPTS_MAX),
          gt(effects.updatedAt, since),
        ),
      )
      .all();
    for (const { incidentId } of rows) {
      if (incidentId === null) continue;
      await askPendingRaises(c, incidentId).catch((e: unknown) =>
        logger.error(
          `incident ${incidentId}: asking to raise its severity failed again: ${describeError(e)}`,
        ),
      );
    }
  }

  const feature: AlertsFeature = {
    routes: alertEndpoints(endpointOptions),
    flush: () => schedule(0),
    retryRaises,
    register(app) {
      client = app.client;
      app.action<BlockAction<ButtonAction>>(ACTION.alertDeclare, async (args) => {
        await args.ack();
        await act(args, async () => {
          const groupId = Number(args.action.value);
          if (!Number.isInteger(groupId))
            throw new DomainError('not_found', 'Those alerts are no longer stored.');
          const userId = args.body.user.id;
          const incident = declareFromAlerts(db, clock, { groupId, declaredBy: userId });
          tasks.defer(`set up ${incidentRef(incident)}`, () =>
            setupIncident(deps, args.client, incident.id, {
              respond: (text) => tell(args, text),
            }).then((r) => (r.ok ? askPendingRaises(args.client, r.incident.id) : undefined)),
          );
        });
      });
      app.action<BlockAction<StaticSelectAction>>(ACTION.alertAttach, async (args) => {
        await args.ack();
        await act(args, async () => {
          const v = parseCardValue(args.action.selected_option?.value);
          if (!v) throw new DomainError('not_found', 'Those alerts are no longer stored.');
          const userId = args.body.user.id;
          const incident = attachAlerts(db, clock, { groupId: v.groupId, incidentId: v.n, userId });
          const view = groupView(db, v.groupId, 0);
          const what = view
            ? `${view.total === 1 ? 'an alert' : `${view.total} alerts`} (${safe(view.lead.title, 200)})`
            : 'alerts';
          afterChange(
            deps,
            args.client,
            incident.id,
            `:link: ${mention(userId)} attached ${what} to ${incidentRef(incident)}.`,
          );
          await tell(args, `Attached to ${incidentRef(incident)}.`);
        });
      });
      // "Raise to SEVn" in an incident channel: the same change as `/incident severity n` (the
      // channel-member check, the severity verb's timeline entry, the notice, the topic, summary and
      // announcement refreshed), but only ever upwards.
      app.action<BlockAction<ButtonAction>>(ACTION.alertRaiseSeverity, async (args) => {
        await args.ack();
        try {
          const v = parseRaiseValue(args.action.value);
          const incident = v ? getIncidentById(db, v.incidentId) : undefined;
          if (!v || !incident) throw new DomainError('not_found', 'That incident no longer exists.');
          const userId = args.body.user.id;
          await assertCanChange(deps, args.client, incident, userId);
          const r = setSeverity(db, clock, {
            incidentId: incident.id,
            severity: v.severity,
            userId,
            raiseOnly: true,
          });
          const outcome = r.changed
            ? `:arrow_double_up: ${mention(userId)} raised ${incidentRef(incident)} to *${severityLabel(r.to)}*.`
            : `${incidentRef(incident)} is already ${severityLabel(r.incident.severity)}: nothing to raise.`;
          if (r.changed)
            afterChange(deps, args.client, incident.id, severityChangeNotice(userId, r.from, r.to));
          else await tell(args, outcome);
          const where = args.body.channel?.id;
          const ts = args.body.message?.ts;
          const blocks = args.body.message?.blocks as KnownBlock[] | undefined;
          if (where && ts && blocks)
            afterCommit(deps, `answer the raise suggestion of ${incidentRef(incident)}`, async () => {
              await args.client.chat.update({
                channel: where,
                ts,
                ...raiseAnswered(blocks, String(args.body.message?.text ?? ''), outcome),
              });
            });
        } catch (e) {
          if (e instanceof DomainError) await tell(args, `:warning: ${e.message}`);
          else throw e;
        }
      });
      app.action<BlockAction<StaticSelectAction>>(ACTION.alertDismiss, async (args) => {
        await args.ack();
        await act(args, async () => {
          const v = parseCardValue(args.action.selected_option?.value);
          if (!v) throw new DomainError('not_found', 'Those alerts are no longer stored.');
          dismissAlerts(db, clock, { groupId: v.groupId, minutes: v.n, userId: args.body.user.id });
        });
      });
    },
  };
  features.set(deps, feature);
  return feature;
}
