import { existsSync } from 'node:fs';
import { z } from 'zod';

/**
 * The environment of CONTRACT.md, parsed once. Nothing else in the code reads process.env,
 * so every knob the bot has is listed here and in the README.
 */
const logLevels = ['debug', 'info', 'warn', 'error'] as const;
const PORT_EXPECTED = 'a port number from 0 to 65535 (for example PORT=3000)';

/**
 * A channel: its ID (C0123ABCD), or its name (#incidents or incidents), which start-up resolves to
 * the ID once, before the bot takes requests (src/ops/channels.ts).
 */
const optionalChannel = z
  .string()
  .trim()
  .regex(
    /^([CGD][A-Z0-9]{2,}|#?[a-z0-9][a-z0-9._-]{0,79})$/,
    'a Slack channel ID such as C0123ABCD, or a channel name such as #incidents',
  )
  .optional();

const cronExpr = z
  .string()
  .trim()
  .refine((v) => {
    const n = v.split(/\s+/).length;
    return n === 5 || n === 6;
  }, 'cron syntax with 5 fields, or 6 with leading seconds');

const timeZone = z
  .string()
  .trim()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/Berlin');

const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    );

const databasePathSchema = z.string().min(1).default('./data/firebreak.db');

/**
 * How sure the recurrence model must be (a probability) before a match is a warning; unset, the
 * trained default (src/recurrence/model.ts). The README's table gives precision and recall per value.
 */
const minConfidenceSchema = z.coerce
  .number()
  .min(0, 'a probability between 0 and 1, such as 0.05')
  .max(1, 'a probability between 0 and 1, such as 0.05')
  .optional();

export const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string().regex(/^xoxb-\S+$/, 'a bot token starting with xoxb-'),
    SLACK_SIGNING_SECRET: z
      .string()
      .min(1, 'the signing secret from your app’s Basic Information page')
      .optional(),
    SLACK_APP_TOKEN: z
      .string()
      .regex(/^xapp-\S+$/, 'an app-level token starting with xapp-')
      .optional(),
    SLACK_API_URL: z.url('an http(s) URL such as https://slack.com/api/').default('https://slack.com/api/'),
    PORT: z
      .string()
      .trim()
      .regex(/^\d{1,5}$/, PORT_EXPECTED)
      .transform(Number)
      .refine((n) => n <= 65535, PORT_EXPECTED)
      .default(3000),
    DATABASE_PATH: databasePathSchema,
    ANNOUNCE_CHANNEL: optionalChannel,
    DIGEST_CHANNEL: optionalChannel,
    DIGEST_CRON: cronExpr.default('0 9 * * 1'),
    DIGEST_TZ: timeZone.default('UTC'),
    // INFO, Info and info all mean info: people write levels in capitals in other tools.
    LOG_LEVEL: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(logLevels, { error: 'one of debug, info, warn, error (for example LOG_LEVEL=info)' }))
      .default('info'),
    // Firebreak's own additions to the contract (documented in the README).
    CAPTURE_EMOJI: csv('pushpin'),
    FOLLOWUP_EMOJI: csv('fast_forward'),
    ROOT_CAUSE_CATEGORIES: csv(
      'deploy/change,configuration,capacity,dependency failure,infrastructure/hardware,network,software bug,data,security,unknown',
    ),
    ARCHIVE_POLICY: z
      .string()
      .trim()
      .regex(/^(never|on-close|after-\d+d)$/, 'never, on-close, or after-<N>d (for example after-7d)')
      .default('on-close'),
    REMINDER_HOUR: z.coerce.number().int().min(0).max(23).default(10),
    // Bearer token for GET /metrics; unset = no /metrics (404), see README.
    METRICS_TOKEN: z
      .string()
      .min(16, 'a random string of at least 16 characters (openssl rand -hex 32)')
      .optional(),
    RECURRENCE_MIN_CONFIDENCE: minConfidenceSchema,
    // Alert webhooks (POST /alerts/*): unset token = the endpoints do not exist (README "Alerts").
    ALERTS_TOKEN: z
      .string()
      .min(16, 'a random string of at least 16 characters (openssl rand -hex 32)')
      .optional(),
    ALERT_CHANNEL: optionalChannel,
    ALERT_ROUTES: z.string().trim().min(1, 'the path of a YAML routes file').optional(),
    PAGERDUTY_WEBHOOK_SECRET: z
      .string()
      .min(1, 'the secret PagerDuty shows for the webhook subscription')
      .optional(),
    // Bearer tokens for /api/v1 (src/api): unset API_TOKEN = no API (404). API_PRIVATE_TOKEN is a
    // second token that also sees private incidents; API_TOKEN never does (see README, HTTP API).
    API_TOKEN: z
      .string()
      .min(16, 'a random string of at least 16 characters (openssl rand -hex 32)')
      .optional(),
    API_PRIVATE_TOKEN: z
      .string()
      .min(16, 'a random string of at least 16 characters (openssl rand -hex 32)')
      .optional(),
    // Requests a minute per API token, `:burst` optional (default a sixth: 10 s worth); 0 = no limit.
    API_RATE_LIMIT: z
      .string()
      .regex(/^\d{1,7}(?::\d{1,7})?$/, 'requests a minute, optionally :burst, e.g. 600 or 600:100; 0 = off')
      .default('600')
      .transform((v) => {
        const [rate, burst] = v.split(':').map(Number) as [number, number | undefined];
        if (rate === 0) return undefined;
        return { perMinute: rate, burst: burst || Math.max(1, Math.ceil(rate / 6)) };
      }),
    // Follow-ups as tickets (src/trackers, README "Trackers"): at most one tracker per workspace.
    TRACKER: z.enum(['github', 'jira', 'linear'], { error: 'one of github, jira, linear' }).optional(),
    TRACKER_URL: z.url('an http(s) URL such as https://api.github.com').optional(),
    TRACKER_TOKEN: z.string().min(1).optional(),
    TRACKER_EMAIL: z
      .string()
      .trim()
      .includes('@', { error: 'the Atlassian account email the API token belongs to' })
      .optional(),
    TRACKER_PROJECT: z.string().trim().min(1).optional(),
    TRACKER_ISSUE_TYPE: z.string().trim().min(1).default('Task'),
    TRACKER_LABELS: csv(''),
    TRACKER_WEBHOOK_SECRET: z
      .string()
      .min(16, 'a random string of at least 16 characters (openssl rand -hex 32)')
      .optional(),
    TRACKER_POLL_MINUTES: z.coerce.number().int().min(0).max(60).default(5),
    TRACKER_USERS: z
      .string()
      .default('')
      .transform((v, ctx) => {
        const out: Record<string, string> = {};
        for (const pair of v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)) {
          const m = /^([UW][A-Z0-9]{2,})=(\S+)$/.exec(pair);
          if (!m?.[1] || !m[2]) {
            ctx.addIssue({
              code: 'custom',
              message: 'Slack user ID = tracker user pairs, such as U0ALICE=alice,U0BOB=bob',
            });
            return z.NEVER;
          }
          out[m[1]] = m[2];
        }
        return out;
      }),
  })
  .superRefine((env, ctx) => {
    if (env.API_PRIVATE_TOKEN !== undefined && env.API_TOKEN === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['API_PRIVATE_TOKEN'],
        message: 'only together with API_TOKEN (the API is off while API_TOKEN is unset)',
      });
    }
    if (env.API_PRIVATE_TOKEN !== undefined && env.API_PRIVATE_TOKEN === env.API_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['API_PRIVATE_TOKEN'],
        message: 'a different token from API_TOKEN (it grants more)',
      });
    }
    if (env.TRACKER !== undefined) {
      const need: [keyof typeof env, string][] = [
        ['TRACKER_TOKEN', `the ${env.TRACKER} API token (required when TRACKER is set)`],
        [
          'TRACKER_PROJECT',
          env.TRACKER === 'github'
            ? 'the repository as owner/name (required when TRACKER=github)'
            : env.TRACKER === 'jira'
              ? 'the Jira project key, such as OPS (required when TRACKER=jira)'
              : 'the Linear team ID (required when TRACKER=linear)',
        ],
      ];
      if (env.TRACKER === 'jira') {
        need.push([
          'TRACKER_URL',
          'your Jira site, such as https://example.atlassian.net (required when TRACKER=jira)',
        ]);
        need.push([
          'TRACKER_EMAIL',
          'the Atlassian account email the API token belongs to (required when TRACKER=jira)',
        ]);
      }
      for (const [key, message] of need)
        if (env[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message });
      if (
        env.TRACKER === 'github' &&
        env.TRACKER_PROJECT !== undefined &&
        !/^[\w.-]+\/[\w.-]+$/.test(env.TRACKER_PROJECT)
      )
        ctx.addIssue({
          code: 'custom',
          path: ['TRACKER_PROJECT'],
          message: 'the repository as owner/name, such as acme/ops',
        });
    }
    if (env.SLACK_APP_TOKEN === undefined && env.SLACK_SIGNING_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'required in HTTP mode (when SLACK_APP_TOKEN is not set)',
      });
    }
    if (
      env.ALERTS_TOKEN !== undefined &&
      env.ALERT_CHANNEL === undefined &&
      env.ANNOUNCE_CHANNEL === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['ALERT_CHANNEL'],
        message: 'a channel for alert triage cards when ALERTS_TOKEN is set (or set ANNOUNCE_CHANNEL)',
      });
    }
  });

const EXPECTED: Record<string, string> = {
  SLACK_BOT_TOKEN: 'a bot token starting with xoxb-',
  SLACK_SIGNING_SECRET: 'the signing secret from the app’s Basic Information page (required in HTTP mode)',
  ALERT_CHANNEL: 'a channel for alert triage cards when ALERTS_TOKEN is set (or set ANNOUNCE_CHANNEL)',
};

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Empty strings count as unset: `.env` files often carry `FOO=` lines. */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** Parses the environment; throws ConfigError whose message is one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = envSchema.safeParse(withoutEmpty(env));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue?.path.join('.') ?? 'environment';
  const given = issue?.path[0] !== undefined ? env[String(issue.path[0])] : undefined;
  const missing = given === undefined || given === '';
  const expected = (missing ? EXPECTED[name] : undefined) ?? issue?.message ?? 'a valid value';
  // Never echo the value: it may be a secret.
  throw new ConfigError(`${name} ${missing ? 'is missing' : 'is malformed'}: expected ${expected}`);
}

export function archiveAfterDays(policy: string): number | null {
  const m = /^after-(\d+)d$/.exec(policy);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

/**
 * Loads `.env` (or the file ENV_FILE names) into the environment before the configuration is read,
 * the way `.env.example` promises. Variables already set win: the process manager's value is never
 * overridden by a file. Node's own parser (process.loadEnvFile, Node 20.12+), no dependency.
 * Returns the file loaded, if any.
 */
export function loadDotEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.ENV_FILE ?? '.env';
  if (!existsSync(file)) {
    if (env.ENV_FILE !== undefined) throw new ConfigError(`ENV_FILE names ${file}, which does not exist`);
    return undefined;
  }
  try {
    process.loadEnvFile(file);
  } catch (e) {
    throw new ConfigError(`${file} could not be read: ${(e as Error).message}`);
  }
  return file;
}

/** The variables that name a channel, which may be given by name and are resolved at start-up. */
export const CHANNEL_SETTINGS = ['ANNOUNCE_CHANNEL', 'DIGEST_CHANNEL', 'ALERT_CHANNEL'] as const;

export const isChannelId = (v: string): boolean => /^[CGD][A-Z0-9]{2,}$/.test(v);

/** DATABASE_PATH alone, for tools that need no Slack tokens (`npm run backup`). */
export function loadDatabasePath(env: Record<string, string | undefined> = process.env): string {
  return databasePathSchema.parse(withoutEmpty(env).DATABASE_PATH);
}

/** RECURRENCE_MIN_CONFIDENCE alone, for tools that need no Slack tokens (`npm run eval:recurrence`). */
export function loadRecurrenceMinConfidence(
  env: Record<string, string | undefined> = process.env,
): number | undefined {
  const result = minConfidenceSchema.safeParse(withoutEmpty(env).RECURRENCE_MIN_CONFIDENCE);
  if (result.success) return result.data;
  throw new ConfigError(
    `RECURRENCE_MIN_CONFIDENCE is malformed: expected ${result.error.issues[0]?.message ?? 'a number between 0 and 1'}`,
  );
}
