import { type App, type Middleware, MultipleListenerError, matchConstraints } from '@slack/bolt';

/**
 * What a feature registers its Slack listeners on: the listener half of Bolt's App, same
 * signatures. `createDispatch` gives one that costs a request one listener chain instead of one per
 * listener.
 */
export type Listeners = Pick<App, 'command' | 'action' | 'view' | 'shortcut' | 'event' | 'use' | 'client'>;

type Kind = 'command' | 'action' | 'view' | 'shortcut' | 'event';
// Bolt's listener arguments, seen loosely: the dispatcher reads only the id it routes on.
type Args = Record<string, unknown> & { next: () => Promise<void> | void };
type Listener = (args: Args) => unknown;
type Constraints = Record<string, unknown>;

interface Entry {
  fn: Listener;
  /** Bolt's own matcher for what the id alone does not decide (a view's `type`, a shortcut's `type`); none when the id is all. */
  rest?: Middleware<never>;
}

/** The field of a constraints object each kind is routed on (Bolt matches these with ===). */
const KEY_FIELD: Record<Kind, string> = {
  command: 'command',
  action: 'action_id',
  view: 'callback_id',
  shortcut: 'callback_id',
  event: 'type',
};

/** The id a request is routed on, read where Bolt's matchers read it (middleware/builtin.js). */
const KEY_OF: Record<Kind, (a: Args) => unknown> = {
  command: (a) => (a.command as { command?: unknown }).command,
  action: (a) => (a.payload as { action_id?: unknown }).action_id,
  view: (a) => (a.body as { view?: { callback_id?: unknown } }).view?.callback_id,
  shortcut: (a) => (a.body as { callback_id?: unknown }).callback_id,
  event: (a) => (a.event as { type?: unknown }).type,
};

/**
 * Bolt tries every registered listener on every request: each `app.action(…)` is a chain of
 * middleware (is it an action? does the id match?) run with a fresh copy of the arguments, so with
 * ~40 listeners a request ran ~40 chains before the one that answers (issue 16's hot path). This
 * registers one Bolt listener per kind, the first time a feature registers that kind, and routes
 * by id through a map. Behaviour is Bolt's: every listener whose constraints match runs, in
 * registration order, started together; one failure is rethrown as it is, several as Bolt's
 * MultipleListenerError. What cannot be routed by an exact id (a RegExp, a listener with its own
 * middleware) is handed to Bolt unchanged.
 */
export function createDispatch(app: App): Listeners {
  const routes = new Map<Kind, Map<string, Entry[]>>();

  const install = (kind: Kind, table: Map<string, Entry[]>) => {
    const keyOf = KEY_OF[kind];
    const route = async (args: Args) => {
      const key = keyOf(args);
      const entries = typeof key === 'string' ? table.get(key) : undefined;
      if (!entries) return;
      if (entries.length === 1 && entries[0]) {
        await run(entries[0], args);
        return;
      }
      // Bolt gives each listener its own copy of the arguments.
      const settled = await Promise.allSettled(entries.map((e) => run(e, { ...args })));
      const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
      if (failed.length === 1) throw failed[0];
      if (failed.length > 1) throw new MultipleListenerError(failed);
    };
    // Constraints that every request of the kind passes: `{}` (no id, no type) or a RegExp that
    // matches any name, so Bolt's own kind filter is the only middleware before the route.
    const all = /^/;
    const bolt = app as unknown as Record<Kind, (c: unknown, fn: Listener) => void>;
    bolt[kind](kind === 'command' || kind === 'event' ? all : {}, route as Listener);
  };

  const add = (kind: Kind, constraint: unknown, fns: unknown[]) => {
    const normal = normalise(kind, constraint);
    const key = normal?.[KEY_FIELD[kind]];
    const fn = fns[0];
    if (normal === undefined || typeof key !== 'string' || fns.length !== 1 || typeof fn !== 'function') {
      (app as unknown as Record<Kind, (...a: unknown[]) => void>)[kind](constraint, ...fns);
      return;
    }
    let table = routes.get(kind);
    if (!table) {
      table = new Map();
      routes.set(kind, table);
      install(kind, table);
    }
    const rest = Object.keys(normal).some((k) => k !== KEY_FIELD[kind])
      ? (matchConstraints(normal as Parameters<typeof matchConstraints>[0]) as Middleware<never>)
      : undefined;
    const list = table.get(key) ?? [];
    list.push({ fn: fn as Listener, ...(rest ? { rest } : {}) });
    table.set(key, list);
  };

  const listeners = {
    command: (c: unknown, ...fns: unknown[]) => add('command', c, fns),
    action: (c: unknown, ...fns: unknown[]) => add('action', c, fns),
    view: (c: unknown, ...fns: unknown[]) => add('view', c, fns),
    shortcut: (c: unknown, ...fns: unknown[]) => add('shortcut', c, fns),
    event: (c: unknown, ...fns: unknown[]) => add('event', c, fns),
    // Global middleware runs once per request whatever routes it: Bolt's, in registration order.
    use: (...fns: unknown[]) => (app.use as (...a: unknown[]) => unknown)(...fns),
    get client() {
      return app.client;
    },
  };
  // The methods above take what App's overloads take and pass it through unchanged.
  return listeners as unknown as Listeners;
}

/** Runs one listener, through Bolt's matcher first when the id alone does not decide. */
async function run(entry: Entry, args: Args): Promise<void> {
  if (!entry.rest) {
    await entry.fn(args);
    return;
  }
  const matcher = entry.rest as unknown as (a: Args) => Promise<void>;
  await matcher({ ...args, next: async () => void (await entry.fn(args)) });
}

/**
 * Bolt's constraints for a registration, as App normalises them (App.js): a string id becomes
 * `{ <id field>: id }`, and a view's string id also requires `type: 'view_submission'`. Undefined
 * when the registration is not one the dispatcher routes (a RegExp, or a kind with extra rules).
 */
function normalise(kind: Kind, c: unknown): Constraints | undefined {
  if (typeof c === 'string') {
    // Bolt refuses `message.*` event names with an error at registration; let it.
    if (kind === 'event' && c.startsWith('message.')) return undefined;
    if (kind === 'view') return { callback_id: c, type: 'view_submission' };
    return { [KEY_FIELD[kind]]: c };
  }
  if (kind === 'command' || kind === 'event') return undefined;
  if (c === null || typeof c !== 'object' || c instanceof RegExp) return undefined;
  return c as Constraints;
}
