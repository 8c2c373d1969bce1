import type { Deps } from '../deps.js';
import type { Job } from '../schedule.js';

/** The weekly digest job (issue: weekly digest). */
export function digestJobs(_deps: Deps): Job[] {
  return [];
}
