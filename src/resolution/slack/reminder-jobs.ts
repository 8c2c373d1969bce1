import type { WebClient } from '@slack/web-api';
import { archiveAfterDays } from '../../config.js';
import type { Deps } from '../../runtime/deps.js';
import type { Job } from '../../runtime/schedule.js';
import { archiveDueChannels, sendDueReminders } from './effects.js';

export const REMINDER_JOB = 'reminders';
export const ARCHIVE_JOB = 'archive-channels';

/**
 * Root-cause and follow-up reminders every 5 minutes (each slot is claimed once, so running often
 * only makes them punctual), and, under ARCHIVE_POLICY=after-<N>d, the channel archiver.
 * Both also run at start-up to catch up on what fell due while the bot was down.
 */
export function reminderJobs(deps: Deps, client: WebClient): Job[] {
  const jobs: Job[] = [
    {
      name: REMINDER_JOB,
      cron: '*/5 * * * *',
      runOnStart: true,
      run: async () => {
        await sendDueReminders(deps, client);
      },
    },
  ];
  if (archiveAfterDays(deps.config.ARCHIVE_POLICY) !== null) {
    jobs.push({
      name: ARCHIVE_JOB,
      cron: '7 * * * *',
      runOnStart: true,
      run: async () => {
        await archiveDueChannels(deps, client);
      },
    });
  }
  return jobs;
}
