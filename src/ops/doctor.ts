import { accessSync, constants, existsSync, readFileSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webApi } from '@slack/bolt';
import Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { type Config, ConfigError, isChannelId, loadConfig } from '../config.js';
import { lockHolder } from '../db/lock.js';
import { newerSchemaMessage, schemaStatus } from '../db/migrate.js';
import { DEFAULT_URLS, trackerFromConfig } from '../trackers/index.js';
import { channelIdsByName } from './channels.js';

/**
 * `npm run doctor`: checks the configuration against the real workspace and this machine, and says
 * for each problem how to fix it. Read-only: it never posts, joins, writes the database or takes its
 * lock, so it is safe to run beside the bot.
 */
export type Status = 'ok' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: Status;
  detail: string;
  fix?: string;
}

export const MANIFEST_PATH = fileURLToPath(new URL('../../manifest.yml', import.meta.url));

/** Below this much free space the database and its backups are at risk. */
const DISK_FAIL_BYTES = 100 * 1024 * 1024;
const DISK_WARN_BYTES = 1024 * 1024 * 1024;

export function manifestScopes(path = MANIFEST_PATH): string[] {
  const doc = parseYaml(readFileSync(path, 'utf8')) as { oauth_config?: { scopes?: { bot?: string[] } } };
  return doc.oauth_config?.scopes?.bot ?? [];
}

interface ChannelInfo {
  id?: string;
  name?: string;
  is_private?: boolean;
  is_archived?: boolean;
  is_member?: boolean;
}

function slackError(e: unknown): string | undefined {
  const code = (e as { data?: { error?: unknown } }).data?.error;
  return typeof code === 'string' ? code : undefined;
}

async function checkSlack(config: Config, client: webApi.WebClient, manifest: string[]): Promise<Check[]> {
  const url = `${config.SLACK_API_URL.replace(/\/?$/, '/')}auth.test`;
  let scopes: string[] | undefined;
  let botName = 'the bot';
  try {
    const r = await client.auth.test();
    scopes = r.response_metadata?.scopes;
    botName = r.user ? `@${r.user}` : botName;
  } catch (e) {
    const code = slackError(e);
    return [
      code
        ? {
            name: 'token',
            status: 'fail',
            detail: `Slack refused SLACK_BOT_TOKEN: ${code}`,
            fix: "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page; reinstall the app if it was revoked",
          }
        : {
            name: 'token',
            status: 'fail',
            detail: `could not reach Slack at ${url}: ${(e as Error).message}`,
            fix: 'check SLACK_API_URL, DNS, and the firewall or HTTPS proxy between this host and slack.com',
          },
    ];
  }
  const checks: Check[] = [
    { name: 'token', status: 'ok', detail: `Slack accepted SLACK_BOT_TOKEN (bot ${botName})` },
  ];
  const granted = new Set(scopes ?? []);
  if (scopes === undefined) {
    checks.push({
      name: 'scopes',
      status: 'warn',
      detail: 'Slack did not say which scopes the token has (no X-OAuth-Scopes header)',
      fix: "compare OAuth & Permissions → Bot Token Scopes with manifest.yml's oauth_config.scopes.bot by hand",
    });
  } else {
    const missing = manifest.filter((s) => !granted.has(s));
    const extra = [...granted].filter((s) => !manifest.includes(s));
    checks.push(
      missing.length > 0
        ? {
            name: 'scopes',
            status: 'fail',
            detail: `the token lacks ${missing.join(', ')} (manifest.yml asks for them; features that need them will fail)`,
            fix: 'add them under OAuth & Permissions → Bot Token Scopes (or paste manifest.yml into App Manifest), then reinstall the app to the workspace',
          }
        : {
            name: 'scopes',
            status: 'ok',
            detail: `all ${manifest.length} scopes of manifest.yml are granted`,
          },
    );
    if (extra.length > 0)
      checks.push({
        name: 'scopes',
        status: 'warn',
        detail: `granted but not used: ${extra.join(', ')}`,
        fix: 'remove them in OAuth & Permissions and reinstall; security reviews read every scope',
      });
  }
  // Both need membership (finding the bot's own post after a lost answer, sharing the digest chart):
  // the bot joins a public channel itself (channels:join); a private one needs an invitation.
  const channels: [string, string | undefined][] = [
    ['ANNOUNCE_CHANNEL', config.ANNOUNCE_CHANNEL],
    ['DIGEST_CHANNEL', config.DIGEST_CHANNEL],
  ];
  for (const [name, id] of channels) {
    if (id === undefined) continue;
    checks.push(await checkChannel(client, name, id, granted, botName));
  }
  return checks;
}

async function checkChannel(
  client: webApi.WebClient,
  name: string,
  id: string,
  granted: Set<string>,
  botName: string,
): Promise<Check> {
  if (!isChannelId(id)) {
    const wanted = id.replace(/^#/, '');
    try {
      const found = (await channelIdsByName(client)).get(wanted);
      if (found === undefined)
        return {
          name,
          status: 'fail',
          detail: `${name}=${id}: ${botName} sees no channel named #${wanted}`,
          fix: `check the spelling; for a private channel, type /invite ${botName} in it`,
        };
      id = found;
    } catch (e) {
      return {
        name,
        status: 'fail',
        detail: `${name}=${id}: listing channels failed: ${slackError(e) ?? (e as Error).message}`,
      };
    }
  }
  let ch: ChannelInfo;
  try {
    ch = ((await client.conversations.info({ channel: id })).channel ?? {}) as ChannelInfo;
  } catch (e) {
    const code = slackError(e) ?? (e as Error).message;
    return {
      name,
      status: 'fail',
      detail: `${name}=${id}: Slack answered ${code}; the channel does not exist, or it is private and ${botName} is not in it`,
      fix:
        code === 'missing_scope'
          ? 'grant channels:read and groups:read (see the scopes check)'
          : `check the ID (in Slack: open the channel, click its name; the ID is at the bottom of About), and for a private channel type /invite ${botName} in it`,
    };
  }
  const label = `${name}=${id} (#${ch.name ?? '?'})`;
  if (ch.is_archived)
    return {
      name,
      status: 'fail',
      detail: `${label} is archived`,
      fix: 'unarchive it or choose another channel',
    };
  if (ch.is_member) return { name, status: 'ok', detail: `${label}: ${botName} is a member` };
  if (!ch.is_private && granted.has('channels:join'))
    return {
      name,
      status: 'ok',
      detail: `${label}: public; ${botName} joins it when it first posts there (channels:join)`,
    };
  return {
    name,
    status: 'fail',
    detail: ch.is_private
      ? `${label}: private, and ${botName} is not a member`
      : `${label}: ${botName} is not a member and lacks channels:join to join it`,
    fix: `type /invite ${botName} in #${ch.name ?? id}${ch.is_private ? '' : ', or grant channels:join (see the scopes check)'}`,
  };
}

function checkDatabase(path: string): Check[] {
  if (path === ':memory:')
    return [{ name: 'database', status: 'warn', detail: 'DATABASE_PATH is :memory:; nothing is kept' }];
  const file = resolve(path);
  const dir = dirname(file);
  const checks: Check[] = [];
  // The folder is created at start-up if missing: then its nearest existing parent must be writable.
  let probe = dir;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  try {
    accessSync(probe, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK);
    checks.push({
      name: 'database',
      status: 'ok',
      detail: existsSync(file) ? `${file} is writable` : `${file} will be created at start-up`,
    });
  } catch (e) {
    checks.push({
      name: 'database',
      status: 'fail',
      detail: `${file} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      fix: `give the user running Firebreak write access to ${dir} and the files in it (the -wal and -shm beside the database too)`,
    });
  }
  if (existsSync(file)) {
    try {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        const s = schemaStatus(db);
        if (s.newer)
          checks.push({
            name: 'schema',
            status: 'fail',
            detail: newerSchemaMessage(file, s),
            fix: 'run the newer Firebreak, or npm run restore -- <backup>',
          });
        else if (s.pending.length > 0)
          checks.push({
            name: 'schema',
            status: 'ok',
            detail: `${s.pending.length} migration(s) will be applied at the next start (a backup is taken first)`,
          });
        else checks.push({ name: 'schema', status: 'ok', detail: 'schema current' });
      } finally {
        db.close();
      }
    } catch (e) {
      checks.push({
        name: 'schema',
        status: 'fail',
        detail: `cannot read ${file}: ${(e as Error).message}`,
        fix: 'restore a backup: npm run restore -- <backup>',
      });
    }
    const lock = lockHolder(file);
    checks.push(
      lock.held
        ? {
            name: 'lock',
            status: 'ok',
            detail: lock.holder
              ? `in use by ${lock.holder.what} (pid ${lock.holder.pid} on ${lock.holder.host}, since ${lock.holder.since})`
              : 'in use by a running process',
          }
        : { name: 'lock', status: 'ok', detail: 'no process is using the database now' },
    );
  }
  try {
    const fs = statfsSync(existsSync(dir) ? dir : probe);
    const free = fs.bavail * fs.bsize;
    const gib = (free / 1024 ** 3).toFixed(1);
    checks.push(
      free < DISK_FAIL_BYTES
        ? {
            name: 'disk',
            status: 'fail',
            detail: `${gib} GiB free beside the database`,
            fix: 'free space or move DATABASE_PATH to a larger volume',
          }
        : free < DISK_WARN_BYTES
          ? {
              name: 'disk',
              status: 'warn',
              detail: `only ${gib} GiB free beside the database`,
              fix: 'backups before upgrades need room for a full copy',
            }
          : { name: 'disk', status: 'ok', detail: `${gib} GiB free beside the database` },
    );
  } catch (e) {
    checks.push({ name: 'disk', status: 'warn', detail: `free space unknown: ${(e as Error).message}` });
  }
  return checks;
}

export async function runDoctor(
  env: Record<string, string | undefined>,
  opts: { manifestPath?: string; retries?: number } = {},
): Promise<Check[]> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [
      {
        name: 'config',
        status: 'fail',
        detail: e.message,
        fix: 'set it in .env or the environment (see README, Configuration)',
      },
    ];
  }
  const checks: Check[] = [
    {
      name: 'config',
      status: 'ok',
      detail: `configuration valid (${config.SLACK_APP_TOKEN ? 'Socket Mode' : 'HTTP mode'})`,
    },
  ];
  const client = new webApi.WebClient(config.SLACK_BOT_TOKEN, {
    slackApiUrl: config.SLACK_API_URL,
    retryConfig: { retries: opts.retries ?? 2, minTimeout: 200, maxTimeout: 1000 },
    logger: {
      debug() {},
      info() {},
      warn() {},
      error() {},
      setLevel() {},
      getLevel: () => 'error' as never,
      setName() {},
    },
  });
  checks.push(...(await checkSlack(config, client, manifestScopes(opts.manifestPath))));
  if (config.TRACKER) checks.push(await checkTracker(config));
  checks.push(...checkDatabase(config.DATABASE_PATH));
  return checks;
}

/** The tracker's cheapest authenticated read (Tracker.check); the token is never part of the answer. */
async function checkTracker(config: Config): Promise<Check> {
  const tracker = trackerFromConfig(config);
  if (!tracker) return { name: 'tracker', status: 'ok', detail: 'no tracker configured' };
  try {
    const r = await tracker.check();
    return { name: 'tracker', status: r.status, detail: r.detail, ...(r.fix ? { fix: r.fix } : {}) };
  } catch (e) {
    const url = config.TRACKER_URL ?? DEFAULT_URLS[tracker.name as keyof typeof DEFAULT_URLS] ?? '';
    return {
      name: 'tracker',
      status: 'fail',
      detail: `could not reach ${tracker.label}${url ? ` at ${url}` : ''}: ${(e as Error).message}`,
      fix: 'check TRACKER_URL, DNS, and the firewall or HTTPS proxy between this host and the tracker',
    };
  }
}

export function formatChecks(checks: Check[]): string {
  const mark: Record<Status, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  return checks
    .map((c) => `${mark[c.status]} ${c.name}: ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ''}`)
    .join('\n');
}
