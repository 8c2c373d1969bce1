import { Cron } from 'croner';
import type { Deps } from './deps.js';

/**
 * Scheduled work (reminders, the weekly digest) with croner. A job must be safe to run at any
 * moment and any number of times: it claims its slot in the database before it posts, so a cron
 * that fires twice, two processes, or a restart never send the same thing twice.
 */
export interface Job {
  name: string;
  /** croner pattern; 6 fields allowed (leading seconds). */
  cron: string;
  /** IANA zone the pattern is read in. */
  tz?: string;
  /** Also run once right after start-up (catch-up for what was due while the bot was down). */
  runOnStart?: boolean;
  /** What the job needs (deps, a Web API client) it was given when its feature built it. */
  run(): Promise<void>;
}

export interface Scheduler {
  start(): void;
  stop(): void;
  /** Runs a job now (tests, the demo, catch-up). */
  run(name: string): Promise<void>;
  readonly jobs: readonly Job[];
}

/** Runs the jobs it is given (app.ts gathers each feature's); it knows no feature itself. */
export function createScheduler(
  deps: Pick<Deps, 'tasks' | 'logger'>,
  jobs: readonly Job[],
  /** Told each run's outcome (metrics). */
  observe?: (job: string, ok: boolean) => void,
): Scheduler {
  const crons: Cron[] = [];
  const running = new Map<string, Promise<void>>();
  const runJob = (job: Job): Promise<void> => {
    // One run of a job at a time in this process; the database claim covers other processes.
    const current = running.get(job.name);
    if (current !== undefined) return current;
    const p = job
      .run()
      .then(
        () => observe?.(job.name, true),
        (e: unknown) => {
          observe?.(job.name, false);
          deps.logger.error(`job ${job.name} failed`, e);
        },
      )
      .finally(() => running.delete(job.name));
    running.set(job.name, p);
    return p;
  };
  return {
    jobs,
    start() {
      for (const job of jobs) {
        crons.push(
          new Cron(job.cron, { timezone: job.tz, protect: true, catch: true }, () => {
            deps.tasks.defer(`job:${job.name}`, () => runJob(job));
          }),
        );
        if (job.runOnStart) deps.tasks.defer(`job:${job.name}:startup`, () => runJob(job));
      }
    },
    stop() {
      for (const c of crons.splice(0)) c.stop();
    },
    async run(name) {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`no job named ${name}`);
      await runJob(job);
    },
  };
}
