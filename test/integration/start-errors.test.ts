import { afterEach, describe, expect, it } from 'vitest';
import { type SimulatorImpl, startSimulator } from '../../sim/web-api.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { closeDb, type Db } from '../../src/db/client.js';
import { openMigratedDb } from '../../src/db/migrate.js';
import { createLogger } from '../../src/log.js';
import { describeStartError } from '../../src/ops/start-errors.js';
import { freePort } from '../helpers/child-bot.js';

/** What `npm start` prints when Slack refuses the token or cannot be reached (src/main.ts). */
let sim: SimulatorImpl | undefined;
let db: Db | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  if (db) closeDb(db);
  db = undefined;
});

async function startError(env: Record<string, string>): Promise<string> {
  const config = loadConfig({
    SLACK_SIGNING_SECRET: 'start-errors-secret',
    PORT: '0',
    LOG_LEVEL: 'error',
    ...env,
  });
  db = openMigratedDb(':memory:');
  const bot = createApp({
    config,
    db,
    logger: createLogger('error', () => {}),
    retryConfig: { retries: 0 },
    jobs: [],
  });
  try {
    await bot.start(0);
  } catch (e) {
    return describeStartError(e, config);
  } finally {
    await bot.stop().catch(() => {});
  }
  throw new Error('the bot started');
}

describe('start-up errors name the setting, the URL and the fix', () => {
  it('a token Slack refuses', async () => {
    sim = await startSimulator();
    const msg = await startError({
      SLACK_BOT_TOKEN: 'xoxb-wrong-token-for-this-workspace',
      SLACK_API_URL: sim.apiUrl,
    });
    expect(msg).toBe(
      `Slack refused SLACK_BOT_TOKEN (invalid_auth from ${sim.apiUrl.replace(/\/?$/, '/')}auth.test): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page, and reinstall the app if it was revoked`,
    );
    expect(msg).not.toContain('wrong-token');
  });

  it('a Slack that cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}/api/`;
    const msg = await startError({ SLACK_BOT_TOKEN: 'xoxb-any-token', SLACK_API_URL: url });
    expect(msg).toMatch(
      new RegExp(
        `^could not reach Slack at ${url.replace(/[.]/g, '\\.')}auth\\.test \\(.*\\): check SLACK_API_URL`,
      ),
    );
  });

  it('an app-level token Slack refuses (Socket Mode) names SLACK_APP_TOKEN, not the bot token', async () => {
    sim = await startSimulator();
    // The simulator knows only the bot token: apps.connections.open with an xapp- token is invalid_auth.
    const msg = await startError({
      SLACK_BOT_TOKEN: sim.token,
      SLACK_API_URL: sim.apiUrl,
      SLACK_APP_TOKEN: 'xapp-1-A0FIREBRK-not-a-real-token',
    });
    expect(msg).toMatch(
      new RegExp(
        `^Slack refused SLACK_APP_TOKEN \\(invalid_auth from ${sim.apiUrl.replace(/[.]/g, '\\.')}/?apps\\.connections\\.open\\): under Basic Information`,
      ),
    );
    expect(msg).not.toContain('not-a-real-token');
  });
});
