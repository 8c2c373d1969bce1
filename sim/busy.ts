import { getIncidentByNumber } from '../src/incidents/queries.js';
import { WS } from './api.js';
import { POST_MESSAGE_LIMIT, perMinuteLimit } from './rate-limits.js';
import { type Stack, startStack } from './stack.js';
import type { CallRecord, SimMessage } from './types.js';

function channelOfIncident(h: Stack, n: number): string {
  const channel = getIncidentByNumber(h.db, n)?.channelId;
  if (!channel) throw new Error(`INC-${n} has no channel`);
  return channel;
}

/**
 * A busy incident, played through the simulator with Slack's rate tiers enforced (issue 11): 30
 * people in the incident channel, 300 messages (some in threads), 60 captures (40 :pushpin:
 * reactions, 20 pins), 20 status, severity and role changes and 10 follow-ups, all at once, while a
 * second incident is declared. Slack's time is the stack's FakeClock, moved 400 ms per action (about
 * three Slack minutes); the bot waits out a 429 in real time, TIME_SCALE times shorter than Slack's
 * wait, so a few Slack minutes play in seconds. Used by test/integration/busy.test.ts (what people see) and
 * bench/busy.bench.ts (acknowledgement latency, calls per minute against each tier).
 */

export const TIME_SCALE = 10;
export const PEOPLE = 30;
export const MESSAGES = 300;
export const THREAD_REPLIES = 50;
export const REACTION_CAPTURES = 40;
export const PIN_CAPTURES = 20;
export const FOLLOW_UPS = 10;

export interface CommandOutcome {
  user: string;
  text: string;
  status: number;
  ms: number;
  reply: string | undefined;
}

export interface BusyRun {
  h: Stack;
  /** The busy incident's channel (INC-1) and the one declared meanwhile (INC-2). */
  busy: string;
  other: string;
  /** Every slash command sent, with its answer and acknowledgement time. */
  commands: CommandOutcome[];
  /** Acknowledgement times of every Events API delivery (messages, reactions, pins, joins). */
  eventMs: number[];
  /** The messages that were captured (by reaction or pin). */
  captured: SimMessage[];
  /** Real milliseconds the busy part took, until the bot was idle again. */
  wallMs: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
const mention = (id: string) => `<@${id}>`;

/** The 20 changes, each a real change from the one before (no repeats that Slack would show twice). */
function changes(people: string[]): { by: string; text: string }[] {
  const p = (i: number) => people[i % people.length] ?? WS.users.alice;
  return [
    'status identified',
    'severity 2',
    `role comms ${mention(p(3))}`,
    `role scribe ${mention(p(4))}`,
    `lead ${mention(p(5))}`,
    'severity 1',
    'status monitoring',
    `role comms ${mention(p(6))}`,
    'severity 2',
    'status identified',
    `role scribe ${mention(p(7))}`,
    `lead ${mention(p(8))}`,
    'severity 3',
    'status monitoring',
    `role comms ${mention(p(9))}`,
    'severity 2',
    'status identified',
    `role scribe ${mention(p(10))}`,
    `lead ${mention(p(11))}`,
    'status monitoring',
  ].map((text, i) => ({ by: p(i), text }));
}

export async function playBusyIncident(opts: { timeScale?: number } = {}): Promise<BusyRun> {
  const timeScale = opts.timeScale ?? TIME_SCALE;
  const h = await startStack({
    now: '2026-11-23T09:00:00Z',
    // Slack's minute runs on the stack's FakeClock, which the scenario moves 400 ms per action: the
    // bot's calls per Slack minute are then the scenario's, not the machine's speed (a slow machine
    // spread the captures over more real time than a tier's window and Slack never said 429).
    rateLimits: { timeScale, onClock: true },
    env: { ARCHIVE_POLICY: 'never' },
  });
  const people: string[] = [WS.users.alice, WS.users.bob, WS.users.carol, WS.users.dave];
  for (let i = people.length; i < PEOPLE; i++) {
    const id = `U0P${pad(i)}`;
    h.sim.ws.addPerson({ id, name: `person${pad(i)}`, real_name: `Person ${pad(i)}`, tz: 'UTC' });
    people.push(id);
  }
  const eventMs: number[] = [];
  h.sim.connect(async (event) => {
    const r = await h.send.event(event);
    eventMs.push(r.ms);
    return r;
  });
  const commands: CommandOutcome[] = [];
  const command = async (user: string, channel: string, text: string) => {
    const r = await h.send.command(user, channel, text);
    commands.push({ user, text, status: r.status, ms: r.ms, reply: r.reply?.text });
    return r;
  };

  await command(WS.users.alice, WS.channels.general, 'declare Checkout returns 502 for card payments');
  await h.idle();
  const busy = channelOfIncident(h, 1);
  for (const p of people) await h.sim.join(p, busy);
  await h.idle();

  const started = performance.now();
  const tick = () => h.clock.advance(400); // about three Slack minutes over the whole run
  const say = (i: number) => people[i % people.length] ?? WS.users.alice;

  // Top-level messages first in six streams (people talking at once), then replies and captures.
  const tops: SimMessage[] = [];
  const topCount = MESSAGES - THREAD_REPLIES;
  const talk = async (stream: number, streams: number) => {
    for (let i = stream; i < topCount; i += streams) {
      tick();
      tops[i] = await h.sim.postAsUser(say(i), busy, `update ${i}: p99 at ${400 + i} ms on checkout-api`);
    }
  };
  const replies: SimMessage[] = [];
  const reply = async () => {
    for (let i = 0; i < THREAD_REPLIES; i++) {
      const parent = tops[(i * 7) % 40];
      if (!parent) continue;
      tick();
      replies.push(
        await h.sim.postAsUser(say(i + 3), busy, `re ${i}: seen it on pod ${i}`, { thread_ts: parent.ts }),
      );
    }
  };
  const captured: SimMessage[] = [];
  const capture = async () => {
    for (let i = 0; i < REACTION_CAPTURES + PIN_CAPTURES; i++) {
      tick();
      if (i < REACTION_CAPTURES) {
        const target = i < 30 ? tops[100 + i] : replies[i - 30];
        if (!target) continue;
        await h.sim.react(say(i + 1), busy, target.ts, 'pushpin');
        captured.push(target);
      } else {
        const target = tops[150 + i];
        if (!target) continue;
        await h.sim.pin(say(i + 2), busy, target.ts);
        captured.push(target);
      }
    }
  };
  const change = async () => {
    for (const c of changes(people)) {
      tick();
      await command(c.by, busy, c.text);
    }
  };
  const followUps = async () => {
    for (let i = 0; i < FOLLOW_UPS; i++) {
      tick();
      await command(
        say(i + 12),
        busy,
        `followup Fix item ${i + 1} ${mention(say(i + 13))} due 2026-12-${pad(i + 1)}`,
      );
    }
  };
  const declareOther = async () => {
    tick();
    await command(WS.users.bob, WS.channels.general, 'declare Search results are empty');
  };

  await Promise.all([...Array.from({ length: 6 }, (_, s) => talk(s, 6)), change(), declareOther()]);
  await Promise.all([reply(), followUps()]);
  await capture();
  await h.idle();
  const wallMs = performance.now() - started;
  return { h, busy, other: channelOfIncident(h, 2), commands, eventMs, captured, wallMs };
}

export interface MethodRate {
  method: string;
  /** Successful calls in the busiest Slack minute. */
  peakPerMinute: number;
  /** The tier's limit (calls per minute); for chat.postMessage its busiest channel's, burst included. */
  limit: number | undefined;
  calls: number;
  rateLimited: number;
}

/**
 * Calls per Slack minute per method (the busiest sliding minute), against each tier's limit.
 * chat.postMessage is limited per channel: its row is its busiest channel, against one a second
 * plus the short burst Slack allows.
 */
export function callsPerMinute(calls: readonly CallRecord[], timeScale = TIME_SCALE): MethodRate[] {
  // Calls timed on Slack's clock (rate limits on the FakeClock) have Slack's own minute.
  const onClock = calls.length > 0 && calls.every((c) => c.slackAt !== undefined);
  const minuteMs = onClock ? 60_000 : 60_000 / timeScale;
  const peakOf = (list: readonly CallRecord[]) => {
    const ok = list.filter((c) => c.ok).map((c) => (onClock ? (c.slackAt ?? 0) : c.at));
    let peak = 0;
    for (let i = 0, j = 0; j < ok.length; j++) {
      while ((ok[j] ?? 0) - (ok[i] ?? 0) >= minuteMs) i++;
      peak = Math.max(peak, j - i + 1);
    }
    return peak;
  };
  const by = new Map<string, CallRecord[]>();
  for (const c of calls) if (!c.method.startsWith('(')) by.set(c.method, [...(by.get(c.method) ?? []), c]);
  return [...by.entries()]
    .map(([method, list]) => {
      let peak = peakOf(list);
      let limit = perMinuteLimit(method);
      if (method === 'chat.postMessage') {
        const channels = new Set(list.map((c) => String(c.args.channel)));
        peak = Math.max(...[...channels].map((ch) => peakOf(list.filter((c) => c.args.channel === ch))));
        limit = POST_MESSAGE_LIMIT.perChannelPerSecond * 60 + POST_MESSAGE_LIMIT.burst;
      }
      return {
        method,
        peakPerMinute: peak,
        limit,
        calls: list.length,
        rateLimited: list.filter((c) => c.status === 429).length,
      };
    })
    .sort((a, b) => b.calls - a.calls);
}
