import type { WebClient } from '@slack/web-api';
import { Cron } from 'croner';
import type { Deps } from '../../runtime/deps.js';
import type { Job } from '../../runtime/schedule.js';
import { joinConfiguredChannel } from '../../slack/channel-membership.js';
import { postOnce, uploadOnce } from '../../slack/post-once.js';
import { buildDigest, isQuietWeek } from '../build.js';
import { describeChart, renderChart } from '../chart.js';
import {
  beginStep,
  claimWeek,
  getRun,
  markFailed,
  markPosted,
  markStepDone,
  recordSummary,
  stepDone,
  unpostedWeeks,
} from '../runs.js';
import { previousWeek, type Week, weekFromKey, weekLabel } from '../week.js';
import { renderDetails, renderSummary } from './render.js';

/**
 * The weekly digest job. Every run asks the same question: which weeks are due and not posted?
 * So the cron firing (even every second), the start-up catch-up and the retry sweep are the same
 * code, and the claim in `digest_runs` makes sure each week is posted once.
 */
export const DIGEST_JOB = 'digest';
export const DIGEST_RETRY_JOB = 'digest-retry';
/** How often failed or abandoned digests are looked at again. */
export const RETRY_CRON = '30 */5 * * * *';

/** When the digest of `week` is due: the first DIGEST_CRON firing at or after the week's end. */
export function dueAt(week: Week, cron: string, tz: string): Date | null {
  const c = new Cron(cron, { timezone: tz, paused: true });
  try {
    return c.nextRun(new Date(week.end.getTime() - 1));
  } finally {
    c.stop();
  }
}

export type WeekOutcome = 'posted' | 'skipped' | 'failed';

/** Claims and posts one week's digest (or resumes a half-posted one). */
export async function postDigestWeek(
  deps: Deps,
  client: WebClient,
  week: Week,
  channel: string,
): Promise<WeekOutcome> {
  const { db, clock, logger } = deps;
  const claim = claimWeek(db, week.key, clock);
  if (!claim) return 'skipped';
  try {
    // Sharing the chart and finding a post after a lost answer need membership; chat:write.public
    // only posts. A channel the bot cannot be in is logged for the operator and retried later.
    if (!(await joinConfiguredChannel(client, logger, channel, 'DIGEST_CHANNEL')))
      throw new Error(`Firebreak is not in the digest channel ${channel}`);
    const digest = buildDigest(db, { week, now: clock.now() });
    let where = claim.run.ts && claim.run.channel ? { channel: claim.run.channel, ts: claim.run.ts } : null;
    if (!where) {
      const summary = renderSummary(digest);
      const key = `digest:${week.key}:summary`;
      const res = await postOnce(client, {
        key,
        ...beginStep(db, key, clock),
        channel,
        text: summary.text,
        blocks: summary.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      where = { channel: res.channel, ts: res.ts };
      if (!recordSummary(db, claim, where.channel, where.ts))
        throw new Error(`lost the claim on digest ${week.key} while posting`);
      markStepDone(db, key, clock, { ts: res.ts });
    }
    if (!isQuietWeek(digest)) {
      const detailsKey = `digest:${week.key}:details`;
      if (!stepDone(db, detailsKey)) {
        const details = renderDetails(digest);
        const res = await postOnce(client, {
          key: detailsKey,
          ...beginStep(db, detailsKey, clock),
          channel: where.channel,
          thread_ts: where.ts,
          text: details.text,
          blocks: details.blocks,
          unfurl_links: false,
          unfurl_media: false,
        });
        markStepDone(db, detailsKey, clock, { ts: res.ts });
      }
      const chartKey = `digest:${week.key}:chart`;
      if (!stepDone(db, chartKey)) {
        const res = await uploadOnce(client, {
          ...beginStep(db, chartKey, clock),
          channel: where.channel,
          threadTs: where.ts,
          file: await renderChart(digest.chart),
          // The week in the name makes it unique in the thread: a retry finds an earlier upload by it.
          filename: `incidents-${week.key}.png`,
          title: `Incidents per week by severity, with repeat rate (12 weeks to ${weekLabel(week)})`,
          altText: `Stacked bars of incidents per week by severity for the 12 weeks to ${weekLabel(week)}, with the repeat rate as a line. ${describeChart(digest.chart)}`,
        });
        markStepDone(db, chartKey, clock, { fileId: res.fileId, adopted: res.adopted });
      }
    }
    if (!markPosted(db, claim, clock)) throw new Error(`lost the claim on digest ${week.key}`);
    return 'posted';
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    markFailed(db, claim, clock, message);
    logger.error(`digest for week ${week.key} not posted (attempt ${claim.attempt}); will retry`, e);
    return 'failed';
  }
}

/** Posts every due, unposted digest week, oldest first. */
export async function runDigest(deps: Deps, client: WebClient): Promise<Record<string, WeekOutcome>> {
  const { DIGEST_CHANNEL: channel, DIGEST_CRON: cron, DIGEST_TZ: tz } = deps.config;
  const out: Record<string, WeekOutcome> = {};
  if (!channel) return out;
  const now = deps.clock.now();
  const keys = new Set(unpostedWeeks(deps.db).map((r) => r.weekStart));
  const last = previousWeek(now, tz);
  const due = dueAt(last, cron, tz);
  if (due !== null && due.getTime() <= now.getTime() && getRun(deps.db, last.key)?.status !== 'posted')
    keys.add(last.key);
  for (const key of [...keys].sort()) {
    out[key] = await postDigestWeek(deps, client, weekFromKey(key, tz), channel);
  }
  return out;
}

/** The scheduler's digest jobs; none when DIGEST_CHANNEL is unset. */
export function digestJobs(deps: Deps, client: WebClient): Job[] {
  const { DIGEST_CHANNEL, DIGEST_CRON, DIGEST_TZ } = deps.config;
  if (!DIGEST_CHANNEL) return [];
  const run = async () => {
    await runDigest(deps, client);
  };
  return [
    { name: DIGEST_JOB, cron: DIGEST_CRON, tz: DIGEST_TZ, runOnStart: true, run },
    { name: DIGEST_RETRY_JOB, cron: RETRY_CRON, tz: DIGEST_TZ, run },
  ];
}
