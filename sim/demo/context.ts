import type { FirebreakApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import type { FakeClock } from '../../src/runtime/clock.js';
import type { SimPerson } from '../person.js';
import type { SlackSender } from '../sender.js';
import type { Stack } from '../stack.js';
import type { SimulatorImpl } from '../web-api.js';

/** METRICS_TOKEN of `npm run demo`'s bot (a demo value, not a secret). */
export const DEMO_METRICS_TOKEN = 'demo-metrics-token';
/** API_TOKEN of `npm run demo`'s bot (a demo value, not a secret; at least 16 characters). */
export const DEMO_API_TOKEN = 'demo-api-token-0123456789';
/** ALERTS_TOKEN of `npm run demo`'s bot: the alerts scene sends Alertmanager's webhook with it. */
export const DEMO_ALERTS_TOKEN = 'demo-alerts-token-0123456789';

/**
 * What every demo scene gets: the harness's handles plus narration. A scene file in ./scenes
 * exports `async function scene(d: DemoContext)` (or a default export with the same signature)
 * and optionally `title`. Scenes run in file-name order on one workspace, so later scenes see
 * what earlier ones left behind.
 */
export interface DemoContext {
  sim: SimulatorImpl;
  bot: FirebreakApp;
  db: Db;
  clock: FakeClock;
  send: SlackSender;
  /** The bot's configuration (what the operator set). */
  config: Config;
  /** `http://127.0.0.1:<port>/slack/events`; the operator's routes (/healthz …) are beside it. */
  botUrl: string;
  person(userId: string): SimPerson;
  /** Waits until the bot has finished what it was doing. */
  idle(): Promise<void>;
  /** Prints a line of narration. */
  narrate(text: string): void;
  /** Same as narrate (older scenes call it `say`). */
  say(text: string): void;
  /** Prints what people see in a channel (topic, messages, threads, buttons). */
  show(channelIdOrName: string): void;
}

/**
 * The context of a running stack: narration goes to `narrate`, what a channel shows to `print`
 * (`npm run demo` prints both; tests collect them).
 */
export function demoContext(
  stack: Pick<Stack, 'sim' | 'bot' | 'db' | 'clock' | 'send' | 'config' | 'botUrl' | 'person' | 'idle'>,
  narrate: (text: string) => void,
  print: (text: string) => void = narrate,
): DemoContext {
  return {
    sim: stack.sim,
    bot: stack.bot,
    db: stack.db,
    clock: stack.clock,
    send: stack.send,
    config: stack.config,
    botUrl: stack.botUrl,
    person: (id) => stack.person(id),
    idle: () => stack.idle(),
    narrate,
    say: narrate,
    show: (ch) => print(stack.sim.render(ch)),
  };
}
