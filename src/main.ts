import { webApi } from '@slack/bolt';
import { loadAlertRoutes } from './alerts/routes.js';
import { BOUNDED_RETRIES, createApp } from './app.js';
import { CHANNEL_SETTINGS, type Config, ConfigError, isChannelId, loadConfig, loadDotEnv } from './config.js';
import { closeDb, openDb } from './db/client.js';
import { acquireDbLock, type DbLock, LockedError } from './db/lock.js';
import { NewerSchemaError, upgradeDb } from './db/migrate.js';
import { createLogger } from './log.js';
import { resolveChannelNames } from './ops/channels.js';
import { describeStartError } from './ops/start-errors.js';

/** .env → config → lock → open DB → back up and migrate → createApp → start. Any failure exits 1. */
async function main(): Promise<void> {
  let config: Config;
  try {
    loadDotEnv();
    config = loadConfig();
    // The routes file is read again by createApp; checked here so a mistake stops start-up before
    // the database is touched.
    loadAlertRoutes(config.ALERT_ROUTES);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  const logger = createLogger(config.LOG_LEVEL);
  logger.addSecrets(
    config.SLACK_BOT_TOKEN,
    config.SLACK_SIGNING_SECRET,
    config.SLACK_APP_TOKEN,
    config.METRICS_TOKEN,
    config.ALERTS_TOKEN,
    config.PAGERDUTY_WEBHOOK_SECRET,
  );

  // One writer per database: taken before the file is opened, held until the process ends.
  let lock: DbLock | undefined;
  if (config.DATABASE_PATH !== ':memory:') {
    try {
      lock = acquireDbLock(config.DATABASE_PATH);
    } catch (e) {
      if (e instanceof LockedError) fail(`refusing to start: ${e.message}`);
      throw e;
    }
    const gone = lock.tookOverFrom;
    if (gone)
      logger.warn(
        `took over the database lock left by pid ${gone.pid} on ${gone.host} (since ${gone.since}); that process is gone`,
      );
  }
  const db = openDb(config.DATABASE_PATH);
  try {
    const upgrade = await upgradeDb(db, config.DATABASE_PATH);
    if (upgrade.applied.length > 0)
      logger.info(
        `applied migrations ${upgrade.applied.join(', ')}` +
          (upgrade.backup ? `; the database before them is backed up at ${upgrade.backup}` : ''),
      );
  } catch (e) {
    closeDb(db);
    if (e instanceof NewerSchemaError) fail(`refusing to start: ${e.message}`);
    throw e;
  }
  // Channels given by name become IDs now, once, before any request.
  if (CHANNEL_SETTINGS.some((k) => config[k] !== undefined && !isChannelId(config[k] ?? ''))) {
    const client = new webApi.WebClient(config.SLACK_BOT_TOKEN, {
      slackApiUrl: config.SLACK_API_URL,
      retryConfig: BOUNDED_RETRIES,
      logger,
    });
    const named = config;
    try {
      config = await resolveChannelNames(named, client);
    } catch (e) {
      closeDb(db);
      fail(e instanceof ConfigError ? e.message : describeStartError(e, named));
    }
    for (const k of CHANNEL_SETTINGS)
      if (named[k] !== config[k]) logger.info(`${k} ${named[k]} is channel ${config[k]}`);
  }
  const bot = createApp({ config, db, logger });
  let port: number;
  try {
    port = await bot.start();
  } catch (e) {
    closeDb(db);
    fail(describeStartError(e, config));
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: finishing in-flight work`);
    const force = setTimeout(() => {
      logger.error('in-flight work did not finish within 25 s; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    bot
      .stop()
      .then(() => {
        closeDb(db);
        lock?.release();
        process.exit(0);
      })
      .catch((e: unknown) => {
        logger.error('error while stopping', e);
        closeDb(db);
        lock?.release();
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Only now: whoever waits for this line (a supervisor, a test) may signal at once, and the handlers
  // above must already be there or the default action kills the bot without a clean stop.
  logger.info(
    config.SLACK_APP_TOKEN
      ? `Firebreak is running in Socket Mode (/healthz on port ${config.PORT})`
      : `Firebreak is listening on port ${port}`,
  );
}

function fail(message: string): never {
  process.stderr.write(`firebreak: ${message}\n`);
  process.exit(1);
}

main().catch((e: unknown) => {
  process.stderr.write(`firebreak: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
