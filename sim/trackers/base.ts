import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the three tracker fakes share: a loopback HTTP server, a log of the calls they received,
 * and injected faults (the next N requests answer with a given status, headers and body) so tests
 * can make a tracker fail and recover the way the real one does. The rules that decide what a
 * request gets are each fake's own, from its tracker's documentation.
 */
export interface FakeCall {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Handler = (call: FakeCall) => FakeReply;

export class FakeServer {
  readonly calls: FakeCall[] = [];
  private readonly faults: Fault[] = [];
  private readonly server: Server;
  private handler: Handler = () => ({ status: 404, body: {} });

  constructor() {
    this.server = createServer((req, res) => this.serve(req, res));
  }

  setHandler(h: Handler): void {
    this.handler = h;
  }

  /** The next `times` requests get this answer instead of the real one. */
  fail(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
      const call = { method: req.method ?? 'GET', path: req.url ?? '/', headers, body };
      this.calls.push(call);
      const fault = this.faults.shift();
      const reply = fault ?? this.handler(call);
      res.writeHead(reply.status, {
        'content-type': 'application/json; charset=utf-8',
        ...(reply.headers ?? {}),
      });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  }
}

export const hmacHex = (secret: string, raw: string): string =>
  createHmac('sha256', secret).update(raw, 'utf8').digest('hex');

/**
 * Posts a webhook delivery and returns the receiver's status (0 when nothing answered in time:
 * each tracker counts a slow answer as a failed delivery).
 */
export async function deliver(
  url: string,
  raw: string,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<number> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: raw,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}

/** Where a tracker's webhook settings point: the receiver's URL and the shared secret. */
export interface WebhookTarget {
  url: string;
  secret: string;
}

/** One webhook delivery as the tracker sent it (the latest attempt's body and headers). */
export interface Delivery {
  /** The receiver's URL, as the webhook's settings said when the change was made. */
  url: string;
  /** What the tracker calls it: `issues.closed`, `jira:issue_updated`, `Issue.update`. */
  event: string;
  /** The issue it is about (number, key or identifier), for tests to pick deliveries out. */
  subject: string;
  raw: string;
  body: unknown;
  headers: Record<string, string>;
  /** HTTP status of each attempt (0 = no answer: connection refused, reset). */
  attempts: number[];
  /** When the tracker will try again (the fake's clock), per its retry policy; undefined = never. */
  retryAt?: number;
  /** Resolves with the first attempt's status. */
  readonly first: Promise<number>;
}

/**
 * How a tracker treats a delivery that was not taken: how long it waits for the answer, which
 * statuses (0 = none in time) it retries, and the delays of the retries after the first attempt.
 * From each tracker's webhook documentation (cited where each fake builds its policy); what a
 * retry's request looks like is each fake's `build(attempt)`.
 */
export interface RetryPolicy {
  timeoutMs: number;
  delaysMs: number[];
  retryOn(status: number): boolean;
}

type Build = (attempt: number) => { raw: string; headers: Record<string, string> };

/**
 * A tracker's outgoing webhooks: each change is delivered after the API answer that made it (or
 * after the person's action in the tracker's UI), one delivery at a time in the order they were
 * made, and recorded. Tests can await them (`settled`), hold them back and release them in another
 * order (what a retry or a slow hop does to real deliveries), and run the retries that are due on
 * the fake's clock (`retryDue`); retries never run on a timer of their own.
 */
export class Webhooks {
  readonly deliveries: Delivery[] = [];
  private readonly builds = new Map<Delivery, Build>();
  private readonly firsts = new Map<Delivery, (status: number) => void>();
  private chain: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private held: Delivery[] | null = null;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly now: () => number,
  ) {}

  /** Deliveries being sent or waiting their turn (held ones do not count). */
  get inFlight(): number {
    return this.pending;
  }

  /** Resolves when nothing is being sent (deliveries made meanwhile included). */
  async settled(): Promise<void> {
    while (this.pending > 0) await this.chain;
  }

  /** From now on deliveries wait until `release`. */
  hold(): void {
    this.held ??= [];
  }

  /** Sends the held deliveries, in `order` (default: as they were made), and stops holding. */
  async release(order?: (held: Delivery[]) => Delivery[]): Promise<void> {
    const held = this.held ?? [];
    this.held = null;
    for (const d of order ? order(held) : held) this.send(d);
    await this.settled();
  }

  /** Queues a delivery to `target`; without a target nothing is sent (the first status is 0). */
  emit(target: WebhookTarget | undefined, event: string, subject: string, build: Build): Delivery | null {
    if (!target) return null;
    let resolveFirst: (status: number) => void = () => {};
    const first = new Promise<number>((r) => {
      resolveFirst = r;
    });
    const { raw, headers } = build(0);
    const d: Delivery = {
      url: target.url,
      event,
      subject,
      raw,
      body: JSON.parse(raw),
      headers,
      attempts: [],
      first,
    };
    this.deliveries.push(d);
    this.builds.set(d, build);
    this.firsts.set(d, resolveFirst);
    if (this.held) this.held.push(d);
    else this.send(d);
    return d;
  }

  /** Sends again every failed delivery whose retry is due on the fake's clock. */
  async retryDue(): Promise<void> {
    const now = this.now();
    for (const d of this.deliveries)
      if (d.retryAt !== undefined && d.retryAt <= now) {
        d.retryAt = undefined;
        this.send(d);
      }
    await this.settled();
  }

  private send(d: Delivery): void {
    this.pending++;
    // After the current turn: the API answer that made the change goes out first.
    this.chain = this.chain.then(async () => {
      try {
        await new Promise((r) => setImmediate(r));
        const attempt = d.attempts.length;
        if (attempt > 0) {
          const again = this.builds.get(d)?.(attempt);
          if (again)
            Object.assign(d, { raw: again.raw, headers: again.headers, body: JSON.parse(again.raw) });
        }
        const status = await deliver(d.url, d.raw, d.headers, this.policy.timeoutMs);
        d.attempts.push(status);
        if (attempt === 0) this.firsts.get(d)?.(status);
        const delay = this.policy.delaysMs[attempt];
        d.retryAt = this.policy.retryOn(status) && delay !== undefined ? this.now() + delay : undefined;
      } finally {
        this.pending--;
      }
    });
  }
}

/**
 * A tracker fake: its loopback server, started and closed the same way for all three. Each fake
 * answers through its own `handle`, written from its tracker's documentation.
 */
export abstract class FakeTracker {
  readonly server = new FakeServer();
  /** The fake's clock (epoch ms) for the times it writes; tests point it at the bot's FakeClock. */
  now: () => number = Date.now;
  readonly webhooks: Webhooks;

  constructor(policy: RetryPolicy) {
    this.server.setHandler((c) => this.handle(c));
    this.webhooks = new Webhooks(policy, () => this.now());
  }

  protected abstract handle(call: FakeCall): FakeReply;

  /** Starts listening on a free loopback port; resolves to the fake itself. */
  async listen(): Promise<this> {
    await this.server.listen();
    return this;
  }

  get url(): string {
    return this.server.url;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
