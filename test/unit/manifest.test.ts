import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '@slack/bolt';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createAlertsFeature } from '../../src/alerts/slack/register.js';
import { registerFeatures } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { createDeps } from '../../src/runtime/deps.js';
import { createTasks } from '../../src/runtime/tasks.js';
import { createSlackClients } from '../../src/slack/clients.js';
import { ACTION, BOT_EVENTS, COMMAND, SHORTCUT, VIEW } from '../../src/slack/ids.js';
import { testDb } from '../helpers/db.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCHEMA = resolve(ROOT, '../shared/slack/manifest.schema.json');
const HAVE_SCHEMA = existsSync(SCHEMA);
if (!HAVE_SCHEMA) console.warn(`manifest.test: schema check skipped, ${SCHEMA} is absent (../shared)`);

interface Manifest {
  features: {
    slash_commands?: { command: string }[];
    shortcuts?: { callback_id: string; type: string; name: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] } };
}
const manifest = parse(readFileSync(resolve(ROOT, 'manifest.yml'), 'utf8')) as Manifest;

type Constraint = string | RegExp | Record<string, unknown>;

/** A stand-in for Bolt's App that only records what each surface registers. */
function recordRegistrations() {
  const seen = {
    command: [] as Constraint[],
    shortcut: [] as Constraint[],
    view: [] as Constraint[],
    action: [] as Constraint[],
    event: [] as Constraint[],
    message: 0,
  };
  const app = new Proxy(
    {},
    {
      get(_t, prop) {
        return (...args: unknown[]) => {
          const first = args[0] as Constraint;
          if (
            prop === 'command' ||
            prop === 'shortcut' ||
            prop === 'view' ||
            prop === 'action' ||
            prop === 'event'
          )
            seen[prop].push(first);
          else if (prop === 'message') seen.message++;
        };
      },
    },
  ) as unknown as App;
  const db = testDb();
  const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret' });
  const logger = createLogger('error');
  const clock = new FakeClock();
  const tasks = createTasks(() => {});
  const deps = createDeps({
    config,
    db,
    clock,
    logger,
    tasks,
    slack: createSlackClients(config.SLACK_BOT_TOKEN, {
      slackApiUrl: config.SLACK_API_URL,
      retryConfig: { retries: 0 },
      logger,
    }),
  });
  registerFeatures(app, deps);
  // Features that register apart from the surface routers (they own HTTP routes as well).
  createAlertsFeature(deps, { bodyLimit: 1024 }).register(app);
  return seen;
}

/** The ids a constraint answers to, among the candidates (strings, regexes, or { callback_id / action_id }). */
function idsOf(constraints: Constraint[], key: string, candidates: string[]): string[] {
  const out = new Set<string>();
  for (const c of constraints) {
    const v = typeof c === 'string' || c instanceof RegExp ? c : (c[key] as string | RegExp | undefined);
    if (typeof v === 'string') out.add(v);
    else if (v instanceof RegExp) for (const id of candidates) if (v.test(id)) out.add(id);
  }
  return [...out].sort();
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

describe('manifest.yml', () => {
  it.skipIf(!HAVE_SCHEMA)("validates against Slack's manifest schema (draft-07)", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check can fail: a 25-character shortcut name is refused', () => {
    if (!HAVE_SCHEMA) return;
    const ajv = new Ajv({ strict: false });
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    const bad = structuredClone(manifest);
    const first = bad.features.shortcuts?.[0];
    if (first) first.name = 'x'.repeat(25);
    expect(validate(bad)).toBe(false);
  });

  it('declares the /incident command, the shortcuts and the events that src/slack/ids.ts names', () => {
    expect(manifest.features.slash_commands?.map((c) => c.command)).toEqual([COMMAND]);
    expect(sorted(manifest.features.shortcuts?.map((s) => s.callback_id) ?? [])).toEqual(
      sorted(Object.values(SHORTCUT)),
    );
    expect(sorted(manifest.settings.event_subscriptions.bot_events)).toEqual(sorted(BOT_EVENTS));
  });
});

describe('listeners match the manifest and ids.ts, both ways', () => {
  const seen = recordRegistrations();

  it('the command', () => {
    expect(idsOf(seen.command, 'command', [COMMAND])).toEqual([COMMAND]);
  });

  it('every shortcut callback_id has a listener, and every shortcut listener is in the manifest', () => {
    const ids = Object.values(SHORTCUT);
    expect(idsOf(seen.shortcut, 'callback_id', ids)).toEqual(
      sorted(manifest.features.shortcuts?.map((s) => s.callback_id) ?? []),
    );
  });

  it('every modal callback_id in ids.ts has a view listener, and no listener waits for an unknown one', () => {
    const ids = Object.values(VIEW);
    expect(idsOf(seen.view, 'callback_id', ids)).toEqual(sorted(ids));
  });

  it('every action_id in ids.ts has an action listener, and no listener waits for an unknown one', () => {
    const ids = Object.values(ACTION);
    expect(idsOf(seen.action, 'action_id', ids)).toEqual(sorted(ids));
    for (const c of seen.action) {
      const v = typeof c === 'string' || c instanceof RegExp ? c : c.action_id;
      if (typeof v === 'string') expect(ids).toContain(v);
    }
  });

  it('every subscribed event has a listener, and every listened event is subscribed', () => {
    const subscribed = sorted(
      manifest.settings.event_subscriptions.bot_events.map((e) => e.split('.')[0] ?? e),
    );
    const listened = sorted([
      ...seen.event.filter((c): c is string => typeof c === 'string'),
      ...(seen.message > 0 ? ['message'] : []),
    ]);
    expect(listened).toEqual(subscribed);
  });
});
