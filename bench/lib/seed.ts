import Database from 'better-sqlite3';
import { prng } from './stats.js';

/**
 * Bulk data for the start-up / memory benchmark: `n` past incidents as `npm run import` would leave
 * them (imported, resolved, with root causes), plus one timeline entry each. Raw SQL in one
 * transaction, so seeding 100k takes about a second.
 */
const SERVICES = [
  'checkout',
  'payments',
  'search',
  'auth',
  'api-gateway',
  'postgres',
  'redis',
  'kafka',
  'cdn',
  'email',
  'billing',
  'mobile-api',
];
const SYMPTOMS = [
  'returns 502',
  'latency above SLO',
  'error rate spike',
  'timeouts',
  'OOM kills',
  'disk full',
  'certificate expired',
  'queue backlog',
  'connection pool exhausted',
  'deploy rollback',
];
const CAUSES = [
  'bad deploy of',
  'config change in',
  'capacity limit of',
  'dependency outage of',
  'expired certificate on',
  'noisy neighbour on',
  'schema migration in',
];
const CATEGORIES = [
  'deploy/change',
  'configuration',
  'capacity',
  'dependency failure',
  'infrastructure/hardware',
  'network',
  'software bug',
  'data',
];

export function seedIncidents(path: string, n: number, seed = 42): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const start = Date.now() - 2 * 365 * 86_400_000;
  const step = (2 * 365 * 86_400_000) / n;
  const insInc =
    db.prepare(`insert into incidents (number, title, description, severity, status, services, tags, declared_by, lead_id,
      started_at, declared_at, acknowledged_at, resolved_at, root_cause_summary, root_cause_category, resolution_summary,
      imported, external_id, created_at, updated_at)
    values (?, ?, ?, ?, 'resolved', ?, '[]', 'U0ALICE', 'U0ALICE', ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`);
  const insEv =
    db.prepare(`insert into timeline_events (incident_id, kind, text, author_id, occurred_at, recorded_at, files, redacted)
    values (?, 'note', ?, 'U0BOB', ?, ?, '[]', 0)`);
  const base = (db.prepare('select coalesce(max(number), 0) as n from incidents').get() as { n: number }).n;
  db.transaction(() => {
    for (let i = 1; i <= n; i++) {
      const svc = pick(SERVICES);
      const at = Math.floor(start + i * step);
      const title = `${svc} ${pick(SYMPTOMS)} (${i})`;
      const cause = `${pick(CAUSES)} ${pick(SERVICES)}`;
      const id = insInc.run(
        base + i,
        title,
        `Customers saw ${pick(SYMPTOMS)} on ${svc}; paged by ${pick(['alerting', 'support', 'a customer', 'synthetics'])}.`,
        1 + Math.floor(rand() * 4),
        JSON.stringify([svc, pick(SERVICES)]),
        at,
        at + 60_000,
        at + 300_000,
        at + 3_600_000,
        cause,
        pick(CATEGORIES),
        `rolled back and ${pick(['scaled up', 'restarted', 'fixed config', 'renewed cert'])}`,
        `seed-${seed}-${i}`,
        at,
        at,
      ).lastInsertRowid;
      insEv.run(
        id,
        `${svc}: ${pick(SYMPTOMS)} again, looking at ${pick(SERVICES)}`,
        at + 120_000,
        at + 120_000,
      );
    }
  })();
  db.close();
}
