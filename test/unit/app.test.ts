import { HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../sim/web-api.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openMigratedDb } from '../../src/db/migrate.js';
import { createLogger } from '../../src/log.js';
import { FakeClock } from '../../src/runtime/clock.js';

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

describe('Socket Mode events', () => {
  it('are stored in the inbox before they are acknowledged, and a redelivery is processed once', async () => {
    const db = openMigratedDb(':memory:');
    // The Web API (auth.test at init) is the local simulator; the socket itself is never opened.
    const sim = await startSimulator({ clock: new FakeClock() });
    const bot = createApp({
      config: loadConfig({
        SLACK_BOT_TOKEN: sim.token,
        SLACK_APP_TOKEN: 'xapp-1-A1-2-abc',
        SLACK_API_URL: sim.apiUrl,
        LOG_LEVEL: 'error',
      }),
      db,
      logger: createLogger('error', () => {}),
      botIdentity: { botId: 'B0FIREBRK', botUserId: 'U0FIREBRK' },
    });
    await bot.app.init();
    const receiver = (bot.app as unknown as { receiver: SocketModeReceiver }).receiver;
    const body = {
      type: 'event_callback',
      team_id: 'T0FIREBRK',
      api_app_id: 'A0FIREBRK',
      event_id: 'Ev0SOCKET1',
      event_time: 1795424400,
      authorizations: [{ team_id: 'T0FIREBRK', user_id: 'U0FIREBRK', is_bot: true }],
      event: {
        type: 'member_joined_channel',
        user: 'U0BOB',
        channel: 'C0GENERAL',
        event_ts: '1795424400.000100',
      },
    };
    const rowsWhenAcked: number[] = [];
    const deliver = () =>
      new Promise<void>((done) => {
        receiver.client.emit('slack_event', {
          body,
          retry_num: 0,
          retry_reason: '',
          ack: async () => {
            rowsWhenAcked.push(
              (db.$client.prepare('select count(*) as n from slack_events').get() as { n: number }).n,
            );
            done();
          },
        });
      });
    await deliver();
    await deliver();
    await bot.deps.tasks.idle();
    expect(rowsWhenAcked).toEqual([1, 1]);
    expect(db.$client.prepare('select event_id, status from slack_events').all()).toEqual([
      { event_id: 'Ev0SOCKET1', status: 'done' },
    ]);
    await sim.close();
  });
});
