import { expect } from 'vitest';
import type { Fault } from '../../sim/types.js';
import { type Harness, startHarness, WS } from './harness.js';

/**
 * The fault matrix: a flow runs once cleanly to learn which Web API methods it calls and what the
 * world looks like afterwards (every channel, message, reply, reaction, pin, topic, ephemeral, DM,
 * and the row count of every table). Then, for each of those methods and each fault (429 with
 * Retry-After, 500, a slow answer), the flow runs again on a fresh harness with that fault injected,
 * and must end in exactly the same world: nothing missing, nothing twice.
 */
export interface Flow<C> {
  name: string;
  now?: string;
  /** Clean preparation (no faults). */
  setup(h: Harness): Promise<C>;
  /** The flow under test (faults active). */
  act(h: Harness, ctx: C): Promise<void>;
  /** "Later": time passes and the retry sweeps run (no faults by then). */
  settle?(h: Harness, ctx: C): Promise<void>;
}

export const FAULTS: { name: string; fault: Fault }[] = [
  { name: '429 Retry-After 1', fault: { status: 429, retryAfter: 1 } },
  { name: '500', fault: { status: 500 } },
  { name: 'slow (700 ms)', fault: { delayMs: 700 } },
];

const norm = (s: string) =>
  s
    .replace(/\b\d{10}\.\d{6}\b/g, 'TS')
    .replace(/\/p\d{16}\b/g, '/pTS')
    .replace(/\b[CDFGV][0-9A-Z]{6,}\b/g, (id) =>
      /^C0(GENERAL|ANNOUNCE|DIGEST|RANDOM)$/.test(id) ? id : 'ID',
    );

/** Everything people could see, plus how many rows each table holds. */
export function worldState(h: Harness): Record<string, unknown> {
  const show = (m: { blocks?: unknown; text: string }) => norm(h.sim.renderBlocks(m.blocks as never, m.text));
  const channels = h.sim
    .channels()
    .filter((c) => !c.is_im)
    .map((c) => ({
      name: c.name,
      private: c.is_private,
      archived: c.is_archived,
      members: [...c.members].sort(),
      topic: norm(c.topic.value),
      purpose: norm(c.purpose.value),
      pins: h.sim.pins(c.id).map(show).sort(),
      bookmarks: c.bookmarks.length,
      messages: h.sim
        .messages(c.id)
        .map((m) => ({
          text: show(m),
          reactions: m.reactions.map((r) => `${r.name}:${[...r.users].sort().join(',')}`).sort(),
          files: (m.files ?? []).map((f) => f.name).sort(),
          replies: h.sim.replies(c.id, m.ts).map(show).sort(),
        }))
        .sort((a, b) => a.text.localeCompare(b.text)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const people = Object.values(WS.users).map((u) => ({
    user: u,
    ephemerals: h.sim
      .ephemerals(u)
      .map((e) => norm(h.sim.renderBlocks(e.blocks, e.text)))
      .sort(),
    dms: h.sim.dms(u).map(show).sort(),
    views: h.sim.views(u).map((v) => v.callback_id),
  }));
  const tables = (
    h.db.$client
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '%drizzle%' and name not like '%fts%'",
      )
      .all() as { name: string }[]
  ).map((t) => t.name);
  const rows = Object.fromEntries(
    tables
      .sort()
      .map((t) => [t, (h.db.$client.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n]),
  );
  return { channels, people, rows };
}

export interface Baseline {
  methods: string[];
  state: Record<string, unknown>;
}

export async function runFlow<C>(
  flow: Flow<C>,
  fault?: { method: string; fault: Fault },
): Promise<{ h: Harness; methods: string[]; state: Record<string, unknown> }> {
  // Retry-After is waited out on the harness's clock: the simulator refuses the method again until it
  // has passed there, so the bot is proven to wait as told without the matrix waiting real seconds.
  const h = await startHarness({ ...(flow.now ? { now: flow.now } : {}), slackWaitsOnClock: true });
  try {
    const ctx = await flow.setup(h);
    await h.idle();
    h.sim.clearCalls();
    if (fault) h.sim.fault(fault.method, fault.fault);
    await flow.act(h, ctx);
    await h.idle();
    const methods = [...new Set(h.sim.calls().map((c) => c.method))].sort();
    h.sim.clearFaults();
    await flow.settle?.(h, ctx);
    await h.idle();
    return { h, methods, state: worldState(h) };
  } catch (e) {
    await h.close();
    throw e;
  }
}

/** Methods whose fault matters: the ones the flow called (auth.test is start-up only). */
export function faultTargets(methods: string[]): string[] {
  // Web API methods only: response_url posts and upload URLs are not Web API calls.
  return methods.filter((m) => m !== 'auth.test' && /^[a-z]+\.[A-Za-z.]+$/.test(m));
}

export function expectSameWorld(
  actual: Record<string, unknown>,
  expected: Record<string, unknown>,
  label: string,
): void {
  expect(actual, label).toEqual(expected);
}

/**
 * A flow's clean run, once per flow: it is the same whichever fault is tried next (a fresh harness,
 * no faults), so the 429, 500 and slow matrices of a flow compare against one baseline.
 */
const cleanRuns = new WeakMap<object, Promise<Baseline>>();
function cleanRun<C>(flow: Flow<C>): Promise<Baseline> {
  let run = cleanRuns.get(flow);
  if (!run) {
    run = runFlow(flow).then(async ({ h, methods, state }) => {
      await h.close();
      return { methods, state };
    });
    cleanRuns.set(flow, run);
  }
  return run;
}

/** Runs the clean baseline, then every (method × fault) variant; returns the differences found. */
export async function faultMatrix<C>(
  flow: Flow<C>,
  fault: Fault,
  mustCall: string[] = [],
): Promise<string[]> {
  const clean = await cleanRun(flow);
  const targets = faultTargets(clean.methods);
  for (const m of mustCall) expect(targets, `${flow.name} should call ${m}`).toContain(m);
  const variant = async (method: string): Promise<string[]> => {
    const run = await runFlow(flow, { method, fault });
    try {
      const out: string[] = [];
      const hit = 'delayMs' in fault || run.h.sim.calls(method).some((c) => !c.ok || c.status !== 200);
      if (!hit) out.push(`${method}: the fault was never hit`);
      try {
        expect(run.state).toEqual(clean.state);
      } catch (e) {
        out.push(`${method}: ${(e as Error).message.slice(0, 2000)}`);
      }
      return out;
    } finally {
      await run.h.close();
    }
  };
  // A slow answer is real time (the simulator holds it back), spent waiting. Each variant has a
  // harness of its own (simulator, bot, database, clock) and shares nothing with the others but the
  // process, so a few run at once and their waits overlap instead of adding up.
  const atOnce = 'delayMs' in fault ? SLOW_VARIANTS_AT_ONCE : 1;
  const results: string[][] = [];
  for (let i = 0; i < targets.length; i += atOnce)
    results.push(...(await Promise.all(targets.slice(i, i + atOnce).map(variant))));
  return results.flat();
}

/** How many slow-answer variants of a matrix run at once. */
const SLOW_VARIANTS_AT_ONCE = 4;
