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

/** Posts a webhook delivery and returns the receiver's status (0 when nothing answered). */
export async function deliver(url: string, raw: string, headers: Record<string, string>): Promise<number> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: raw,
    });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}

/**
 * A tracker fake: its loopback server, started and closed the same way for all three. Each fake
 * answers through its own `handle`, written from its tracker's documentation.
 */
export abstract class FakeTracker {
  readonly server = new FakeServer();

  constructor() {
    this.server.setHandler((c) => this.handle(c));
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
