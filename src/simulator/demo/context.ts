import type { FirebreakApp } from '../../app.js';
import type { Db } from '../../db/client.js';
import type { FakeClock } from '../../incidents/clock.js';
import type { SimPerson } from '../person.js';
import type { SlackSender } from '../sender.js';
import type { Stack } from '../stack.js';
import type { SimulatorImpl } from '../web-api.js';

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
  stack: Pick<Stack, 'sim' | 'bot' | 'db' | 'clock' | 'send' | 'person' | 'idle'>,
  narrate: (text: string) => void,
  print: (text: string) => void = narrate,
): DemoContext {
  return {
    sim: stack.sim,
    bot: stack.bot,
    db: stack.db,
    clock: stack.clock,
    send: stack.send,
    person: (id) => stack.person(id),
    idle: () => stack.idle(),
    narrate,
    say: narrate,
    show: (ch) => print(stack.sim.render(ch)),
  };
}
