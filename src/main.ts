import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { closeDb, openDb } from './db/client.js';
import { migrateDb } from './db/migrate.js';
import { createLogger } from './log.js';

/** config → open DB → migrate → createApp → start. Any failure here exits 1, never limps on. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`firebreak: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const db = openDb(config.DATABASE_PATH);
  migrateDb(db);
  const bot = createApp({ config, db, logger });
  const port = await bot.start();
  logger.info(
    config.SLACK_APP_TOKEN
      ? `Firebreak is running in Socket Mode (/healthz on port ${config.PORT})`
      : `Firebreak is listening on port ${port}`,
  );

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
        process.exit(0);
      })
      .catch((e: unknown) => {
        logger.error('error while stopping', e);
        closeDb(db);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`firebreak: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
