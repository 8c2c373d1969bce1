import type { WebClient } from '@slack/web-api';
import { and, asc, eq, inArray, isNull, notExists } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { effects, incidents } from '../../db/schema.js';
import { type Incident, incidentRef, OPEN_STATUSES } from '../../incidents/model.js';
import type { Deps } from '../../runtime/deps.js';
import type { Job } from '../../runtime/schedule.js';
import { describeError } from '../../slack/effects.js';
import { SETUP_DONE_KIND, setupIncident } from './setup.js';

export const RESUME_SETUP_JOB = 'resume-setup';

/** At most this many setups per sweep, one after another, so a backlog cannot flood Slack. */
const PER_SWEEP = 25;

/**
 * Incidents whose channel setup was interrupted (a crash or restart between storing the incident
 * and finishing its Slack work): still open, not imported, no setup error shown to anyone yet,
 * and the last setup step not done. Oldest first.
 */
export function interruptedSetups(db: Db, limit = PER_SWEEP): Incident[] {
  return db
    .select()
    .from(incidents)
    .where(
      and(
        inArray(incidents.status, [...OPEN_STATUSES]),
        eq(incidents.imported, false),
        isNull(incidents.setupError),
        notExists(
          db
            .select({ key: effects.key })
            .from(effects)
            .where(
              and(
                eq(effects.incidentId, incidents.id),
                eq(effects.kind, SETUP_DONE_KIND),
                eq(effects.status, 'done'),
              ),
            ),
        ),
      ),
    )
    .orderBy(asc(incidents.id))
    .limit(limit)
    .all();
}

/**
 * Runs setup again for each interrupted incident. The keyed effects make this resume rather than
 * repeat (no second channel, summary or announcement); a setup that fails now stores its error and
 * DMs the declarer a Retry button, so the incident is not picked up again.
 */
export async function resumeInterruptedSetups(deps: Deps, client: WebClient): Promise<number[]> {
  const resumed: number[] = [];
  for (const i of interruptedSetups(deps.db)) {
    deps.logger.info(`resuming the channel setup of ${incidentRef(i)}`);
    try {
      await setupIncident(deps, client, i.id);
      resumed.push(i.id);
    } catch (e) {
      deps.logger.error(`resuming the setup of ${incidentRef(i)} failed: ${describeError(e)}`);
    }
  }
  return resumed;
}

/** At start-up (what a crash interrupted) and every 5 minutes (a setup that died mid-way since). */
export function setupJobs(deps: Deps, client: WebClient): Job[] {
  return [
    {
      name: RESUME_SETUP_JOB,
      cron: '*/5 * * * *',
      runOnStart: true,
      run: async () => {
        await resumeInterruptedSetups(deps, client);
      },
    },
  ];
}
