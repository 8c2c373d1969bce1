import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { AppLogger } from '../log.js';
import { createMemberCache, type MemberCache } from '../slack/access.js';
import type { SlackClients } from '../slack/clients.js';
import { createPeopleDirectory, type PeopleDirectory } from '../slack/mentions.js';
import { createTrackerSync, type TrackerSync } from '../trackers/sync.js';
import type { Clock } from './clock.js';
import { createIncidentHooks, type IncidentHooks } from './hooks.js';
import { createInProcess, type InProcess } from './in-process.js';
import type { Tasks } from './tasks.js';

/** What every listener, job and effect is handed: nothing reads globals. */
export interface Deps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: AppLogger;
  tasks: Tasks;
  /** After-commit notifications between features (see src/runtime/hooks.ts). */
  hooks: IncidentHooks;
  /** The person-facing Web API client and the per-method rate-limit state (src/slack/clients.ts). */
  slack: SlackClients;
  /** The workspace's people by name, read in the background (src/slack/mentions.ts). */
  people: PeopleDirectory;
  /** Channel members confirmed in the last minute (src/slack/access.ts). */
  members: MemberCache;
  /** Calls running in this app right now, to join or queue behind (src/runtime/in-process.ts). */
  inProcess: InProcess;
  /** Follow-ups as tickets (src/trackers); undefined when TRACKER is unset. */
  trackers: TrackerSync | undefined;
}

/**
 * The app-owned state every Deps gets fresh (hooks, the people directory, the membership cache), from
 * what the caller provides: createApp and tests build their Deps the same way, so two apps share nothing.
 */
export function createDeps(base: Pick<Deps, 'config' | 'db' | 'clock' | 'logger' | 'tasks' | 'slack'>): Deps {
  const { db, clock, logger, tasks } = base;
  return {
    ...base,
    hooks: createIncidentHooks(tasks),
    people: createPeopleDirectory({ db, clock, logger, tasks }),
    members: createMemberCache(),
    inProcess: createInProcess(),
    trackers: createTrackerSync({ config: base.config, db, clock, logger }),
  };
}
