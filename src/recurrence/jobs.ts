import type { Deps } from '../runtime/deps.js';
import type { Job } from '../runtime/schedule.js';
import { warmRecurrence } from './store.js';

/**
 * Loads the recurrence index in the background right after start-up (runOnStart), in chunks that
 * yield to the event loop, so the first declaration neither waits ~seconds for 100k incidents nor
 * stalls the acks of everything else. The nightly run only picks up rows another process changed
 * (an import next to the running bot); it is cheap once warm.
 */
export const RECURRENCE_WARM_JOB = 'recurrence-warm';

export function recurrenceJobs(deps: Deps): Job[] {
  return [
    {
      name: RECURRENCE_WARM_JOB,
      cron: '0 41 3 * * *',
      runOnStart: true,
      async run() {
        await warmRecurrence(deps.db);
      },
    },
  ];
}
