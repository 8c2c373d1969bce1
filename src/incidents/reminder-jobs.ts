import type { Deps } from '../deps.js';
import type { Job } from '../schedule.js';

/** Root-cause and follow-up reminder jobs (issue: resolution). */
export function reminderJobs(_deps: Deps): Job[] {
  return [];
}
