import type { WebClient } from '@slack/web-api';
import { sendDueReminders } from '../../resolution/slack/effects.js';
import type { Deps } from '../../runtime/deps.js';
import type { Job } from '../../runtime/schedule.js';
import { sendNotices } from './register.js';

export const TRACKER_SYNC_JOB = 'tracker-sync';
export const TRACKER_POLL_JOB = 'tracker-poll';

/** TRACKER_POLL_MINUTES as a cron pattern (1–59: every N minutes; 60 and more: hourly). */
export function pollCron(minutes: number): string {
  return minutes >= 60 ? '0 * * * *' : `*/${minutes} * * * *`;
}

/**
 * The retry queue every 30 seconds (ops wait for their backoff in the database, so running often
 * only makes retries punctual; it also picks up follow-ups added outside a Slack request, and sends
 * the DMs of follow-ups a webhook reopened), and the poll of open and recently done tickets every
 * TRACKER_POLL_MINUTES (0 = webhooks only).
 */
export function trackerJobs(deps: Deps, client: WebClient): Job[] {
  const { trackers } = deps;
  if (!trackers) return [];
  const jobs: Job[] = [
    {
      name: TRACKER_SYNC_JOB,
      cron: '*/30 * * * * *',
      runOnStart: true,
      run: async () => {
        await sendNotices(deps, client, await trackers.run());
        // Follow-ups a webhook reopened since the last run: their owners hear it now.
        await sendDueReminders(deps, client, { reopensOnly: true });
      },
    },
  ];
  if (deps.config.TRACKER_POLL_MINUTES > 0)
    jobs.push({
      name: TRACKER_POLL_JOB,
      cron: pollCron(deps.config.TRACKER_POLL_MINUTES),
      runOnStart: true,
      run: async () => {
        if ((await trackers.poll()).some((r) => r.reopened))
          await sendDueReminders(deps, client, { reopensOnly: true });
      },
    });
  return jobs;
}
