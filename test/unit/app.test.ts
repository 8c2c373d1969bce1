import { HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openMigratedDb } from '../../src/db/migrate.js';
import { createLogger } from '../../src/log.js';

const receiverOf = (env: Record<string, string>) => {
  const bot = createApp({
    config: loadConfig(env),
    db: openMigratedDb(':memory:'),
    logger: createLogger('error', () => {}),
  });
  return (bot.app as unknown as { receiver: unknown }).receiver;
};

describe('createApp picks the transport from the configuration', () => {
  it('HTTP (signed requests on /slack/events) without SLACK_APP_TOKEN', () => {
    expect(receiverOf({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret' })).toBeInstanceOf(
      HTTPReceiver,
    );
  });

  it('Socket Mode when SLACK_APP_TOKEN is set, with no signing secret needed', () => {
    expect(receiverOf({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A1-2-abc' })).toBeInstanceOf(
      SocketModeReceiver,
    );
  });
});
