import type { Db } from '../db/client.js';
import { schemaStatus } from '../db/migrate.js';

/**
 * Readiness (GET /readyz): can this process do its work right now? Unlike /healthz (the process is
 * alive), it fails when the database cannot be written, the schema is not the one the code expects,
 * Slack does not accept the token, or (Socket Mode) the socket is not connected. The answer lists
 * reasons only, never a token, path or Slack answer beyond its error code.
 */
export interface ReadinessCheck {
  ok: boolean;
  /** Why not, in words an operator can act on. */
  reason?: string;
}

export interface Readiness {
  database: ReadinessCheck;
  schema: ReadinessCheck;
  slack: ReadinessCheck;
  socket?: ReadinessCheck;
}

/** Slack errors that mean the token itself is no good (every call will fail the same way). */
export const TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'team_disabled',
]);

/** How long an auth.test answer is trusted before /readyz asks Slack again. */
export const AUTH_RECHECK_MS = 60_000;

export interface ReadinessProbe {
  check(): Promise<Readiness & { ready: boolean }>;
  /** Slack accepted the token (auth.test at start, or a later re-check). */
  slackAccepted(): void;
  /** Slack refused the token (auth.test, or any call answered with a token error). */
  slackRefused(error: string): void;
  /** Socket Mode connection state, from the socket client's events. */
  socketState(connected: boolean): void;
}

export function createReadiness(opts: {
  db: Db;
  socketMode: boolean;
  /** Asks Slack whether the token is good (auth.test); resolves with an error code or undefined. */
  authTest: () => Promise<string | undefined>;
  recheckMs?: number;
  now?: () => number;
}): ReadinessProbe {
  const now = opts.now ?? Date.now;
  const recheckMs = opts.recheckMs ?? AUTH_RECHECK_MS;
  let slack: { ok: boolean; error?: string; at: number } | undefined;
  let socketConnected = false;
  let inFlight: Promise<void> | undefined;

  const refreshSlack = async () => {
    if (slack !== undefined && now() - slack.at < recheckMs) return;
    inFlight ??= opts
      .authTest()
      .then(
        (error) => {
          slack = error === undefined ? { ok: true, at: now() } : { ok: false, error, at: now() };
        },
        (e: unknown) => {
          slack = { ok: false, error: `unreachable (${(e as Error).message.slice(0, 120)})`, at: now() };
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    await inFlight;
  };

  const database = (): ReadinessCheck => {
    const sqlite = opts.db.$client;
    if (!sqlite.open) return { ok: false, reason: 'the database is closed' };
    try {
      // A real write that changes nothing: user_version is rewritten with its own value and
      // committed, so a read-only file, a full disk or a lost lock shows up here.
      const version = sqlite.pragma('user_version', { simple: true }) as number;
      sqlite.transaction(() => sqlite.pragma(`user_version = ${Number(version)}`)).immediate();
      return { ok: true };
    } catch (e) {
      return {
        ok: false,
        reason: `the database cannot be written (${(e as { code?: string }).code ?? (e as Error).message})`,
      };
    }
  };

  const schema = (): ReadinessCheck => {
    try {
      const s = schemaStatus(opts.db.$client);
      if (s.newer)
        return { ok: false, reason: 'the database schema is newer than this version of Firebreak' };
      if (s.pending.length > 0)
        return {
          ok: false,
          reason: `${s.pending.length} migration(s) not applied (${s.pending.join(', ')})`,
        };
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: `the schema cannot be read (${(e as Error).message})` };
    }
  };

  return {
    async check() {
      await refreshSlack();
      const r: Readiness = {
        database: database(),
        schema: schema(),
        slack:
          slack?.ok === true
            ? { ok: true }
            : {
                ok: false,
                reason: `Slack did not accept SLACK_BOT_TOKEN (${slack?.error ?? 'not checked yet'})`,
              },
      };
      if (opts.socketMode)
        r.socket = socketConnected
          ? { ok: true }
          : { ok: false, reason: 'the Socket Mode connection to Slack is not open' };
      const ready = Object.values(r).every((c: ReadinessCheck | undefined) => c === undefined || c.ok);
      return { ready, ...r };
    },
    slackAccepted() {
      slack = { ok: true, at: now() };
    },
    slackRefused(error) {
      slack = { ok: false, error, at: now() };
    },
    socketState(connected) {
      socketConnected = connected;
    },
  };
}
