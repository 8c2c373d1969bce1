import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { type Clock, systemClock } from '../src/runtime/clock.js';
import {
  type FaultOptions,
  type PostAsUserOptions,
  type Simulator,
  type SimulatorOptions,
  WS,
} from './api.js';
import { blockTextLength, type Surface, validateBlocks, validateView } from './blockkit.js';
import { CanvasStore, type SimCanvas } from './canvases.js';
import { cursorPage, PagingError } from './paging.js';
import { RateLimiter } from './rate-limits.js';
import { renderBlocks, renderChannel } from './render.js';
import type {
  AnyBlock,
  CallRecord,
  Fault,
  SimBookmark,
  SimChannel,
  SimEphemeral,
  SimFile,
  SimMessage,
  SimUser,
  SimView,
  StateValue,
} from './types.js';
import { encodeMessage } from './typing.js';
import { type ResponseUrlState, Workspace } from './workspace.js';

/**
 * The local Slack Web API. One node:http server on 127.0.0.1 serves `/api/<method>`, the file
 * upload URLs and `response_url`s. Rules and errors follow ../shared/SLACK.md; answers keep only
 * keys of Slack's own samples (a test checks that).
 */

type Args = Record<string, unknown>;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class ApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Obj = {},
  ) {
    super(error);
  }
}
function fail(error: string, extra: Obj = {}): never {
  throw new ApiError(error, extra);
}

const DEFAULT_TOKEN = 'xoxb-firebreak-sim';
const JSON_FIELDS = new Set([
  'blocks',
  'view',
  'attachments',
  'files',
  'metadata',
  'channels',
  // canvases.*: objects and arrays travel as JSON strings in a form, like blocks.
  'document_content',
  'changes',
  'channel_ids',
  'user_ids',
]);
const MANIFEST = fileURLToPath(new URL('../manifest.yml', import.meta.url));
const PERMALINK_BASE = 'https://firebreak-sim.slack.com';

/** Scopes a method needs; a function when it depends on the conversation (public vs private). */
type ScopeRule = string | null | ((args: Args, sim: SimulatorImpl) => string | null);

const convScope =
  (pub: string, priv: string): ScopeRule =>
  (args, sim) => {
    const id = String(args.channel ?? args.channel_id ?? '');
    const ch = sim.ws.channels.get(id);
    if (args.is_private === true || args.is_private === 'true') return priv;
    return ch?.is_private ? (ch.is_im ? 'im:write' : priv) : pub;
  };

export interface ManifestInfo {
  scopes: string[];
  botEvents: string[];
  /** Each slash command's `should_escape` (Slack's default when absent: false). */
  commandEscape: Map<string, boolean>;
}

export function readManifest(path = MANIFEST): ManifestInfo {
  const doc = parseYaml(readFileSync(path, 'utf8')) as {
    oauth_config?: { scopes?: { bot?: string[] } };
    settings?: { event_subscriptions?: { bot_events?: string[] } };
    features?: { slash_commands?: { command?: string; should_escape?: boolean }[] };
  };
  return {
    scopes: doc.oauth_config?.scopes?.bot ?? [],
    botEvents: doc.settings?.event_subscriptions?.bot_events ?? [],
    commandEscape: new Map(
      (doc.features?.slash_commands ?? [])
        .filter((c) => typeof c.command === 'string')
        .map((c) => [String(c.command), c.should_escape === true]),
    ),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function parseFields(raw: Buffer, contentType: string): Args {
  const text = raw.toString('utf8');
  let args: Args = {};
  if (contentType.startsWith('application/json')) {
    args = text ? (JSON.parse(text) as Args) : {};
    return args;
  }
  if (contentType.startsWith('multipart/form-data')) {
    for (const part of parseMultipart(raw, contentType))
      args[part.name] = part.filename !== undefined ? part.data : part.data.toString('utf8');
  } else {
    for (const [k, v] of new URLSearchParams(text)) args[k] = v;
  }
  for (const k of Object.keys(args)) {
    const v = args[k];
    if (JSON_FIELDS.has(k) && typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try {
        args[k] = JSON.parse(v);
      } catch {
        // Slack answers invalid_json-like errors per method; keep the string so the method refuses it.
      }
    }
  }
  return args;
}

function parseMultipart(
  raw: Buffer,
  contentType: string,
): { name: string; filename?: string; data: Buffer }[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return [];
  const sep = Buffer.from(`--${boundary}`);
  const parts: { name: string; filename?: string; data: Buffer }[] = [];
  let pos = raw.indexOf(sep);
  while (pos !== -1) {
    const start = pos + sep.length;
    const next = raw.indexOf(sep, start);
    if (next === -1) break;
    const chunk = raw.subarray(start + 2, next - 2); // skip CRLF after boundary and before next
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = chunk.subarray(0, headerEnd).toString('utf8');
      const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? '';
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      parts.push({
        name,
        ...(filename !== undefined ? { filename } : {}),
        data: chunk.subarray(headerEnd + 4),
      });
    }
    pos = next;
  }
  return parts;
}

const asString = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
const asBool = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;

/** Cursor paging (sim/paging.ts); its refusals become Slack's error answers. */
function page<T>(all: T[], a: Args, defaultLimit: number, keep?: (item: T) => boolean) {
  try {
    const { items, next_cursor } = cursorPage(all, a, defaultLimit, keep);
    return { items, response_metadata: { next_cursor } };
  } catch (e) {
    if (e instanceof PagingError) fail(e.error);
    throw e;
  }
}

/** The `view.state.values` entry an element starts with (its initial value, or empty). */
export function initialStateValue(el: Obj): StateValue | undefined {
  const type = String(el.type);
  switch (type) {
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input':
      return { type, value: asString(el.initial_value) ?? null };
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: isObj(el.initial_option) ? el.initial_option : null };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { type, selected_options: Array.isArray(el.initial_options) ? el.initial_options : [] };
    case 'users_select':
      return { type, selected_user: asString(el.initial_user) ?? null };
    case 'multi_users_select':
      return { type, selected_users: Array.isArray(el.initial_users) ? el.initial_users : [] };
    case 'conversations_select':
      return { type, selected_conversation: asString(el.initial_conversation) ?? null };
    case 'multi_conversations_select':
      return {
        type,
        selected_conversations: Array.isArray(el.initial_conversations) ? el.initial_conversations : [],
      };
    case 'channels_select':
      return { type, selected_channel: asString(el.initial_channel) ?? null };
    case 'multi_channels_select':
      return { type, selected_channels: Array.isArray(el.initial_channels) ? el.initial_channels : [] };
    case 'datepicker':
      return { type, selected_date: asString(el.initial_date) ?? null };
    case 'timepicker':
      return {
        type,
        selected_time: asString(el.initial_time) ?? null,
        ...(el.timezone !== undefined ? { timezone: el.timezone } : {}),
      };
    case 'datetimepicker':
      return {
        type,
        selected_date_time: typeof el.initial_date_time === 'number' ? el.initial_date_time : null,
      };
    case 'rich_text_input':
      return { type, rich_text_value: el.initial_value ?? { type: 'rich_text', elements: [] } };
    default:
      return undefined;
  }
}

/** Stateful elements of blocks: [block_id, action_id, element]. */
export function statefulElements(blocks: readonly AnyBlock[]): [string, string, Obj][] {
  const out: [string, string, Obj][] = [];
  for (const b of blocks) {
    const els: unknown[] =
      b.type === 'input'
        ? [b.element]
        : b.type === 'actions' && Array.isArray(b.elements)
          ? b.elements
          : b.type === 'section'
            ? [b.accessory]
            : [];
    for (const el of els)
      if (isObj(el) && typeof el.action_id === 'string' && initialStateValue(el) !== undefined)
        out.push([String(b.block_id), el.action_id, el]);
  }
  return out;
}

/** Slack fills in block_id / action_id the app left out; so does the simulator. */
function assignIds(blocks: AnyBlock[]): void {
  const gen = () => randomBytes(3).toString('base64url').slice(0, 4);
  for (const b of blocks) {
    if (b.block_id === undefined) b.block_id = gen();
    const els: unknown[] =
      b.type === 'input'
        ? [b.element]
        : b.type === 'actions' && Array.isArray(b.elements)
          ? b.elements
          : b.type === 'section'
            ? [b.accessory]
            : [];
    for (const el of els)
      if (isObj(el) && el.type !== 'image' && el.action_id === undefined) el.action_id = gen();
  }
}

type LostAnswerFault = Extract<Fault, { afterEffect: true } | { dropAfterEffect: true }>;

interface FaultEntry {
  method: string;
  fault: Fault;
  remaining: number;
  when?: (args: Args) => boolean;
}

export class SimulatorImpl implements Simulator {
  readonly ws: Workspace;
  /** Canvases (sim/canvases.ts): content as the bot wrote it, and who may open each. */
  readonly canvasStore: CanvasStore;
  url = '';
  apiUrl = '';
  readonly token: string;
  readonly clock: Clock;
  readonly scopes: Set<string>;
  readonly botEvents: Set<string>;
  /** should_escape per slash command, from the manifest (the sender encodes command text by it). */
  readonly commandEscape: Map<string, boolean>;
  private server: Server;
  private faults: FaultEntry[] = [];
  /** Requests whose effect happens but whose answer is replaced by a 5xx or a dropped connection. */
  private lostAnswer = new WeakMap<ServerResponse, LostAnswerFault>();
  /** Answers to a call made with the valid token: they carry the token's scopes (see answer()). */
  private authed = new WeakSet<ServerResponse>();
  private log: CallRecord[] = [];
  private inflight = 0;
  private deliver: ((event: Obj) => Promise<unknown>) | undefined;
  private readonly started = performance.now();
  private readonly triggerTtlMs: number;
  private readonly uploadShareDelayMs: number;
  private triggerSeq = 0;
  /** Slack's per-method rate limits, when the test switched them on (sim/rate-limits.ts). */
  private readonly limiter: RateLimiter | undefined;
  private readonly limiterOnClock: boolean = false;
  /** With retryAfterOnClock: when (clock ms) each 429 fault's Retry-After runs out, by key. */
  private readonly retryAfterUntil: Map<string, number> | undefined;
  /** Errors raised while delivering events in the background (e.g. a slow answer). */
  readonly deliveryErrors: Error[] = [];

  constructor(opts: SimulatorOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.ws = new Workspace(this.clock, opts.prefs);
    this.canvasStore = new CanvasStore({
      fail,
      visibleChannel: (id) => this.visibleChannel(id),
      nextId: (prefix) => this.ws.nextId(prefix),
      nowSeconds: () => this.ws.nowSeconds(),
      botUser: WS.botUser,
      prefs: this.ws.prefs,
    });
    this.token = opts.token ?? DEFAULT_TOKEN;
    const manifest = readManifest(opts.manifestPath);
    this.scopes = new Set(opts.scopes ?? manifest.scopes);
    this.botEvents = new Set(manifest.botEvents);
    this.commandEscape = new Map([...manifest.commandEscape, ...(opts.commandEscape ?? [])]);
    this.triggerTtlMs = opts.triggerTtlMs ?? 3000;
    this.uploadShareDelayMs = opts.uploadShareDelayMs ?? 1;
    if (opts.rateLimits) {
      const { timeScale, onClock } = opts.rateLimits === true ? {} : opts.rateLimits;
      this.limiter = new RateLimiter({
        ...(timeScale !== undefined ? { timeScale } : {}),
        ...(onClock ? { slackNow: () => this.clock.now().getTime() } : {}),
      });
      this.limiterOnClock = onClock === true;
    }
    if (opts.retryAfterOnClock) this.retryAfterUntil = new Map();
    this.server = createServer((req, res) => {
      this.inflight++;
      this.route(req, res)
        .catch((e: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`simulator error: ${e instanceof Error ? e.message : String(e)}`);
        })
        .finally(() => {
          this.inflight--;
        });
    });
    this.server.keepAliveTimeout = 1000;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/`;
    this.apiUrl = `${this.url}api/`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  connect(deliver: (event: Obj) => Promise<unknown>): void {
    this.deliver = deliver;
  }

  get inFlight(): number {
    return this.inflight;
  }

  // ---------------------------------------------------------------- faults & log

  fault(method: string, fault: Fault, opts: FaultOptions = {}): void {
    this.faults.push({
      method,
      fault,
      remaining: opts.times ?? 1,
      ...(opts.when ? { when: opts.when } : {}),
    });
  }
  clearFaults(): void {
    this.faults = [];
  }
  calls(method?: string): CallRecord[] {
    return method === undefined ? [...this.log] : this.log.filter((c) => c.method === method);
  }
  clearCalls(): void {
    this.log = [];
  }

  private takeFault(method: string, args: Args): Fault | undefined {
    const f = this.faults.find(
      (x) => (x.method === method || x.method === '*') && x.remaining > 0 && (x.when?.(args) ?? true),
    );
    if (!f) return undefined;
    f.remaining--;
    if (f.remaining <= 0) this.faults.splice(this.faults.indexOf(f), 1);
    return f.fault;
  }

  // ---------------------------------------------------------------- HTTP routing

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const raw = await readBody(req);
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    if (path.startsWith('/api/')) return this.handleApi(path.slice(5), req, raw, res);
    if (path.startsWith('/upload/')) return this.handleUpload(path.slice(8), req, raw, res);
    if (path.startsWith('/response/')) return this.handleResponseUrl(path.slice(10), req, raw, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  private async handleApi(
    method: string,
    req: IncomingMessage,
    raw: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const contentType = String(req.headers['content-type'] ?? 'application/x-www-form-urlencoded');
    let args: Args;
    try {
      args = parseFields(raw, contentType);
    } catch {
      return this.answer(res, method, {}, 200, { ok: false, error: 'invalid_json' });
    }
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : asString(args.token);
    delete args.token;

    // https://api.slack.com/docs/rate-limits: a limited call gets "a Retry-After HTTP header containing
    // the number of seconds until you can retry"; a call before then is limited again.
    const limitKey = method === 'chat.postMessage' ? `${method}:${asString(args.channel) ?? ''}` : method;
    const until = this.retryAfterUntil?.get(limitKey);
    if (until !== undefined && this.clock.now().getTime() < until) {
      const wait = Math.max(1, Math.ceil((until - this.clock.now().getTime()) / 1000));
      this.record(method, args, false, 'ratelimited', 429);
      res
        .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(wait) })
        .end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    let fault = this.takeFault(method, args);
    const delayMs = fault && 'delayMs' in fault ? fault.delayMs : 0;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (fault && ('afterEffect' in fault || 'dropAfterEffect' in fault)) {
      // The call runs as usual; only its answer is lost (see answer()).
      this.lostAnswer.set(res, fault);
      fault = undefined;
    }
    if (fault && 'status' in fault) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.status === 429) {
        headers['retry-after'] = String(fault.retryAfter ?? 1);
        this.retryAfterUntil?.set(limitKey, this.clock.now().getTime() + (fault.retryAfter ?? 1) * 1000);
      }
      this.record(
        method,
        args,
        false,
        fault.status === 429 ? 'ratelimited' : `http_${fault.status}`,
        fault.status,
      );
      res.writeHead(fault.status, headers).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (fault && 'error' in fault)
      return this.answer(res, method, args, 200, { ok: false, error: fault.error });

    if (token === undefined || token === '')
      return this.answer(res, method, args, 200, { ok: false, error: 'not_authed' });
    if (token !== this.token)
      return this.answer(res, method, args, 200, { ok: false, error: 'invalid_auth' });
    this.authed.add(res);

    const handler = this.methods[method];
    if (!handler) return this.answer(res, method, args, 200, { ok: false, error: 'unknown_method' });
    // https://api.slack.com/docs/rate-limits: over its tier a call is refused with HTTP 429 and
    // Retry-After, and nothing is done.
    const retryAfter = this.limiter?.take(method, args);
    if (retryAfter !== undefined) {
      this.record(method, args, false, 'ratelimited', 429);
      res
        .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfter) })
        .end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const rule = SCOPES[method];
    const needed = typeof rule === 'function' ? rule(args, this) : rule;
    if (needed) {
      const anyOf = needed.split('|');
      if (!anyOf.some((s) => this.scopes.has(s)))
        return this.answer(res, method, args, 200, {
          ok: false,
          error: 'missing_scope',
          needed: anyOf[0],
          provided: [...this.scopes].join(','),
        });
    }
    try {
      const result = handler(args);
      return this.answer(res, method, args, 200, { ok: true, ...result });
    } catch (e) {
      if (e instanceof ApiError)
        return this.answer(res, method, args, 200, { ok: false, error: e.error, ...e.extra });
      throw e;
    }
  }

  private record(method: string, args: Args, ok: boolean, error: string | undefined, status: number): void {
    this.log.push({
      method,
      args,
      ok,
      ...(error !== undefined ? { error } : {}),
      status,
      at: Math.round(performance.now() - this.started),
      ...(this.limiter && this.limiterOnClock ? { slackAt: this.limiter.time() } : {}),
    });
  }

  private answer(res: ServerResponse, method: string, args: Args, status: number, body: Obj): void {
    const lost = this.lostAnswer.get(res);
    if (lost) {
      // Slack did the work (or refused it) but the bot never hears which.
      const dropped = 'dropAfterEffect' in lost;
      this.record(
        method,
        args,
        false,
        dropped ? 'connection_dropped' : `http_${lost.status}`,
        dropped ? 0 : lost.status,
      );
      if (dropped) res.destroy();
      else
        res
          .writeHead(lost.status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: false, error: 'fatal_error' }));
      return;
    }
    this.record(method, args, body.ok === true, body.ok === true ? undefined : String(body.error), status);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    // Slack answers every Web API call made with a valid token with the scopes that token was granted
    // in the X-OAuth-Scopes header, comma-separated ("Legacy: OAuth scopes", Working with scopes:
    // https://api.slack.com/legacy/oauth-scopes; @slack/web-api reads it into
    // response_metadata.scopes, WebClient.buildResult).
    if (this.authed.has(res)) headers['x-oauth-scopes'] = [...this.scopes].join(',');
    res.writeHead(status, headers).end(JSON.stringify(body));
  }

  // ---------------------------------------------------------------- shapes

  channelObj(ch: SimChannel, extra: Obj = {}): Obj {
    return {
      id: ch.id,
      name: ch.name,
      is_channel: !ch.is_private && !ch.is_im,
      is_group: ch.is_private && !ch.is_im,
      is_im: ch.is_im,
      is_mpim: false,
      is_private: ch.is_private,
      created: ch.created,
      is_archived: ch.is_archived,
      is_general: ch.is_general,
      unlinked: 0,
      name_normalized: ch.name,
      is_shared: false,
      is_org_shared: false,
      is_ext_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      pending_connected_team_ids: [],
      shared_team_ids: [WS.team],
      context_team_id: WS.team,
      updated: ch.created * 1000,
      creator: ch.creator,
      is_member: ch.members.includes(WS.botUser),
      topic: { ...ch.topic },
      purpose: { ...ch.purpose },
      previous_names: [...ch.previous_names],
      ...extra,
    };
  }

  fileObj(f: SimFile): Obj {
    return {
      id: f.id,
      created: f.created,
      timestamp: f.created,
      name: f.name,
      title: f.title,
      mimetype: f.mimetype,
      filetype: f.filetype,
      user: f.user,
      size: f.size,
      url_private: f.url_private,
      permalink: f.permalink,
      ...(f.alt_txt !== undefined ? { alt_txt: f.alt_txt } : {}),
    };
  }

  /**
   * A message as the Web API returns it. `update`: chat.update's `message` (no ts or thread fields);
   * `payload`: inside an interaction payload (reactions without users), following Slack's samples.
   */
  messageObj(m: SimMessage, shape: 'api' | 'update' | 'payload' = 'api', withMetadata = false): Obj {
    const all = this.ws.messages.get(m.channel) ?? [];
    const replies = all.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts && !r.deleted);
    const out: Obj = { type: 'message' };
    if (m.subtype) out.subtype = m.subtype;
    out.text = m.text;
    out.user = m.user;
    if (m.bot_id) {
      out.bot_id = m.bot_id;
      out.app_id = WS.appId;
    }
    if (shape !== 'update') out.ts = m.ts;
    out.team = WS.team;
    if (m.username && shape !== 'update') out.username = m.username;
    if (m.blocks) out.blocks = m.blocks;
    if (shape !== 'update') {
      if (m.thread_ts) out.thread_ts = m.thread_ts;
      if (m.thread_ts && m.thread_ts !== m.ts) {
        const parent = this.ws.findMessage(m.channel, m.thread_ts);
        if (parent) out.parent_user_id = parent.user;
      }
      if (replies.length > 0) {
        out.thread_ts = m.ts;
        out.reply_count = replies.length;
        out.reply_users_count = new Set(replies.map((r) => r.user)).size;
        out.reply_users = [...new Set(replies.map((r) => r.user))];
        out.latest_reply = replies.at(-1)?.ts;
      }
    }
    if (m.files) out.files = m.files.map((f) => this.fileObj(f));
    if (m.edited) out.edited = { ...m.edited };
    if (m.reactions.length > 0 && shape !== 'update')
      out.reactions = m.reactions.map((r) =>
        shape === 'payload'
          ? { name: r.name, count: r.users.length }
          : { name: r.name, users: [...r.users], count: r.users.length },
      );
    // Slack returns metadata to its poster, and in history/replies only with include_all_metadata.
    if (withMetadata && m.metadata !== undefined) out.metadata = m.metadata;
    return out;
  }

  /** A view as the Web API returns it; inside interaction payloads Slack's samples carry no blocks. */
  viewObj(v: SimView, shape: 'api' | 'payload' = 'api'): Obj {
    return {
      id: v.id,
      team_id: v.team_id,
      type: v.type,
      ...(v.title ? { title: v.title } : {}),
      ...(v.submit ? { submit: v.submit } : {}),
      ...(v.close ? { close: v.close } : {}),
      ...(shape === 'api' ? { blocks: v.blocks } : {}),
      private_metadata: v.private_metadata,
      callback_id: v.callback_id,
      external_id: v.external_id,
      state: v.state,
      hash: v.hash,
      clear_on_close: v.clear_on_close,
      notify_on_close: v.notify_on_close,
      submit_disabled: v.submit_disabled,
      root_view_id: v.root_view_id,
      previous_view_id: v.previous_view_id,
      app_id: v.app_id,
      app_installed_team_id: v.app_installed_team_id,
      bot_id: v.bot_id,
    };
  }

  userObj(u: SimUser): Obj {
    return {
      id: u.id,
      team_id: WS.team,
      name: u.name,
      deleted: u.deleted === true,
      color: '9f69e7',
      real_name: u.real_name,
      tz: u.tz,
      tz_label: u.tz_label,
      tz_offset: u.tz_offset,
      profile: {
        real_name: u.real_name,
        real_name_normalized: u.real_name,
        display_name: u.name,
        display_name_normalized: u.name,
        team: WS.team,
        image_48: `${PERMALINK_BASE}/avatars/${u.id}.png`,
        ...(u.is_bot ? { bot_id: WS.botId, api_app_id: WS.appId, always_active: true } : {}),
      },
      is_admin: false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: u.is_restricted === true || u.is_ultra_restricted === true,
      is_ultra_restricted: u.is_ultra_restricted === true,
      is_bot: u.is_bot,
      is_app_user: false,
      updated: this.ws.nowSeconds(),
    };
  }

  permalink(channel: string, ts: string, threadTs?: string): string {
    const base = `${PERMALINK_BASE}/archives/${channel}/p${ts.replace('.', '')}`;
    return threadTs && threadTs !== ts ? `${base}?thread_ts=${threadTs}&cid=${channel}` : base;
  }

  // ---------------------------------------------------------------- checks

  /** A conversation the bot can see: private ones only when it is a member. */
  private visibleChannel(idArg: unknown): SimChannel {
    const id = asString(idArg);
    if (!id) return fail('channel_not_found');
    const ch = this.ws.channels.get(id);
    if (!ch || (ch.is_private && !ch.members.includes(WS.botUser))) return fail('channel_not_found');
    return ch;
  }

  /**
   * A conversation the bot must be a member of. `chat:write.public` lets an app post with
   * chat.postMessage where it is not a member (https://docs.slack.dev/reference/scopes/chat:write.public,
   * https://docs.slack.dev/reference/methods/chat.postMessage) and does nothing else: reading history
   * (https://docs.slack.dev/reference/methods/conversations.history), pinning
   * (https://docs.slack.dev/reference/methods/pins.add), reacting
   * (https://docs.slack.dev/reference/methods/reactions.add) and sharing a file there
   * (https://docs.slack.dev/reference/methods/files.completeUploadExternal) answer `not_in_channel`;
   * the app joins first (conversations.join, scope channels:join) or is invited.
   */
  private memberChannel(idArg: unknown): SimChannel {
    const ch = this.visibleChannel(idArg);
    if (!ch.members.includes(WS.botUser)) fail('not_in_channel');
    return ch;
  }

  /** conversations.setTopic and conversations.setPurpose: the same rules for either text. */
  private setChannelText(a: Args, field: 'topic' | 'purpose'): Obj {
    const ch = this.memberChannel(a.channel);
    if (ch.is_archived) fail('is_archived');
    const value = asString(a[field]) ?? '';
    if (value.length > 250) fail('too_long');
    ch[field] = { value, creator: WS.botUser, last_set: this.ws.nowSeconds() };
    // https://api.slack.com/events/message/channel_topic and …/channel_purpose: the change is a
    // message with that subtype, heard by every member subscribed to the channel's messages,
    // the bot that made it included.
    if (this.subscribedToMessages(ch)) {
      const ts = this.ws.nextTs();
      const verb = field === 'topic' ? 'set the channel topic' : 'set the channel purpose';
      this.background(() =>
        this.emit({
          type: 'message',
          subtype: field === 'topic' ? 'channel_topic' : 'channel_purpose',
          ts,
          user: WS.botUser,
          text: `<@${WS.botUser}> ${verb}: ${value}`,
          [field]: value,
          channel: ch.id,
          event_ts: ts,
          channel_type: this.channelType(ch),
        }),
      );
    }
    return { channel: this.channelObj(ch) };
  }

  /**
   * Where chat.postMessage may post: a user id means the bot's DM with that person. A public channel
   * the bot is not in only with chat:write.public (https://docs.slack.dev/reference/methods/chat.postMessage,
   * "not_in_channel" / https://docs.slack.dev/reference/scopes/chat:write.public).
   */
  private postTarget(idArg: unknown): SimChannel {
    const id = asString(idArg);
    if (id && /^[UW]/.test(id)) {
      if (!this.ws.users.has(id)) fail('channel_not_found');
      return this.ws.dmWith(id);
    }
    const ch = this.visibleChannel(id);
    if (ch.is_archived) fail('is_archived');
    if (!ch.members.includes(WS.botUser) && !(this.scopes.has('chat:write.public') && !ch.is_private))
      fail('not_in_channel');
    return ch;
  }

  private checkMessageBlocks(args: Args): AnyBlock[] | undefined {
    if (args.blocks === undefined || args.blocks === '') return undefined;
    if (typeof args.blocks === 'string') fail('invalid_blocks_format');
    const errors = validateBlocks(args.blocks, 'message');
    if (errors.length > 0)
      fail('invalid_blocks', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
    if (blockTextLength(args.blocks) > 12_000) fail('msg_blocks_too_long');
    const blocks = structuredClone(args.blocks) as AnyBlock[];
    assignIds(blocks);
    return blocks;
  }

  private checkViewArg(v: unknown, surface: Surface): Obj {
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch {
        fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] failed to parse view'] } });
      }
    }
    if (!isObj(v)) return fail('invalid_arguments');
    if (JSON.stringify(v).length > 250_000) fail('view_too_large');
    if (surface === 'home' && v.type !== 'home')
      fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] must be a home view [json-pointer:/view/type]'] },
      });
    if (surface === 'modal' && v.type !== 'modal')
      fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] must be a modal view [json-pointer:/view/type]'] },
      });
    const errors = validateView(v);
    if (errors.length > 0)
      fail('invalid_arguments', { response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
    return structuredClone(v);
  }

  private consumeTrigger(idArg: unknown): string {
    const id = asString(idArg);
    if (!id) return fail('invalid_trigger_id');
    const t = this.ws.triggers.get(id);
    if (!t) return fail('invalid_trigger_id');
    if (t.used) fail('exchanged_trigger_id');
    if (t.expired || performance.now() - t.issuedAt > this.triggerTtlMs) fail('expired_trigger_id');
    t.used = true;
    return t.user;
  }

  private buildView(user: string, v: Obj, prev?: SimView): SimView {
    const blocks = (Array.isArray(v.blocks) ? v.blocks : []) as AnyBlock[];
    assignIds(blocks);
    const values: SimView['state']['values'] = {};
    for (const [blockId, actionId, el] of statefulElements(blocks)) {
      const kept = prev?.state.values[blockId]?.[actionId];
      const init = initialStateValue(el);
      if (!init) continue;
      values[blockId] ??= {};
      (values[blockId] as Record<string, StateValue>)[actionId] =
        kept && kept.type === init.type ? kept : init;
    }
    const id = prev?.id ?? this.ws.nextId('V');
    const t = (x: unknown) => (isObj(x) ? (x as SimView['title']) : undefined);
    const view: SimView = {
      id,
      team_id: WS.team,
      type: v.type === 'home' ? 'home' : 'modal',
      user,
      callback_id: asString(v.callback_id) ?? '',
      external_id: asString(v.external_id) ?? '',
      blocks,
      private_metadata: asString(v.private_metadata) ?? '',
      notify_on_close: asBool(v.notify_on_close),
      clear_on_close: asBool(v.clear_on_close),
      submit_disabled: asBool(v.submit_disabled),
      hash: `${this.ws.nowSeconds()}.${randomBytes(4).toString('hex')}`,
      root_view_id: prev?.root_view_id ?? id,
      previous_view_id: prev?.previous_view_id ?? null,
      app_id: WS.appId,
      bot_id: WS.botId,
      app_installed_team_id: WS.team,
      state: { values },
    };
    const title = t(v.title);
    const submit = t(v.submit);
    const close = t(v.close);
    if (title) view.title = title;
    if (submit) view.submit = submit;
    if (close) view.close = close;
    return view;
  }

  private findView(viewId?: string, externalId?: string): SimView | undefined {
    for (const stack of this.ws.modals.values())
      for (const v of stack)
        if ((viewId && v.id === viewId) || (externalId && v.external_id === externalId)) return v;
    for (const v of this.ws.homes.values())
      if ((viewId && v.id === viewId) || (externalId && v.external_id === externalId)) return v;
    return undefined;
  }

  private replaceView(old: SimView, next: SimView): void {
    if (old.type === 'home') {
      this.ws.homes.set(old.user, next);
      return;
    }
    const stack = this.ws.modals.get(old.user);
    if (!stack) return;
    const i = stack.indexOf(old);
    if (i !== -1) stack[i] = next;
  }

  // ---------------------------------------------------------------- methods

  private methods: Record<string, (args: Args) => Obj> = {
    'auth.test': () => ({
      url: `${PERMALINK_BASE}/`,
      team: 'Firebreak Sim',
      user: 'firebreak',
      team_id: WS.team,
      user_id: WS.botUser,
      bot_id: WS.botId,
      is_enterprise_install: false,
      app_id: WS.appId,
    }),

    'users.info': (a) => {
      const u = this.ws.users.get(asString(a.user) ?? '');
      if (!u) return fail('user_not_found');
      return { user: this.userObj(u) };
    },

    // No sample of users.list in ../shared: members mirror users.info's user. Paging: paging.ts.
    'users.list': (a) => {
      const { items, response_metadata } = page([...this.ws.users.values()], a, 999);
      return { members: items.map((u) => this.userObj(u)), response_metadata };
    },

    'conversations.create': (a) => {
      // A Workspace Owner can limit who creates channels (Settings → Permissions → Channel management,
      // https://slack.com/help/articles/115004988303); Slack then refuses with `restricted_action`,
      // "A team preference prevents the authenticated user from creating channels"
      // (https://docs.slack.dev/reference/methods/conversations.create, errors table).
      if (this.ws.prefs.restrictChannelCreation) fail('restricted_action');
      const name = asString(a.name) ?? '';
      this.checkChannelName(name);
      const isPrivate = asBool(a.is_private);
      const ch = this.ws.addChannel(this.ws.nextId('C'), name, [WS.botUser], {
        is_private: isPrivate,
        creator: WS.botUser,
      });
      // The creator is the channel's first member: its own join comes back (see ownJoin).
      this.background(this.memberJoinedEvent(WS.botUser, ch));
      return { channel: this.channelObj(ch) };
    },

    // No sample of conversations.list in ../shared: channels mirror conversations.info's. Paging:
    // paging.ts; filters apply after the virtual page, as https://api.slack.com/methods/conversations.list says.
    'conversations.list': (a) => {
      const types = (asString(a.types) ?? 'public_channel').split(',').map((t) => t.trim());
      const all = [...this.ws.channels.values()].filter((ch) => !ch.is_im);
      const { items, response_metadata } = page(
        all,
        a,
        100,
        (ch) =>
          (ch.is_private
            ? types.includes('private_channel') && ch.members.includes(WS.botUser)
            : types.includes('public_channel')) && !(ch.is_archived && asBool(a.exclude_archived)),
      );
      return { channels: items.map((ch) => this.channelObj(ch)), response_metadata };
    },

    'conversations.rename': (a) => {
      const ch = this.memberChannel(a.channel);
      const name = asString(a.name) ?? '';
      if (name === ch.name) return { channel: this.channelObj(ch) };
      this.checkChannelName(name);
      ch.previous_names.push(ch.name);
      ch.name = name;
      return { channel: this.channelObj(ch) };
    },

    'conversations.info': (a) => {
      const ch = this.visibleChannel(a.channel);
      return {
        channel: this.channelObj(ch, asBool(a.include_num_members) ? { num_members: ch.members.length } : {}),
      };
    },

    'conversations.members': (a) => {
      const ch = this.visibleChannel(a.channel);
      // Paging: paging.ts (https://api.slack.com/methods/conversations.members, default limit 100).
      const { items, response_metadata } = page(ch.members, a, 100);
      return { members: [...items], response_metadata };
    },

    'conversations.invite': (a) => {
      const ch = this.visibleChannel(a.channel);
      if (ch.is_archived) fail('is_archived');
      if (!ch.members.includes(WS.botUser)) fail('not_in_channel');
      const users = (asString(a.users) ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== '');
      if (users.length === 0) fail('no_user');
      if (users.length > 100) fail('too_many_users');
      // Refusals per person (https://docs.slack.dev/reference/methods/conversations.invite, errors
      // table; the failure shape, `error` plus an `errors` array of { ok, error, user }, is the
      // sample's): a single-channel guest already in a channel is at `ura_max_channels` ("URA is
      // already in the maximum number of channels"); a multi-channel guest is `user_is_restricted`
      // (only admins add guests to channels); a deactivated ("removed") account is `cant_invite`
      // ("User cannot be invited to this channel").
      const errors: { ok: false; error: string; user: string }[] = [];
      const refuse = (user: string, error: string) => errors.push({ ok: false, error, user });
      for (const u of users) {
        const person = this.ws.users.get(u);
        if (u === WS.botUser) refuse(u, 'cant_invite_self');
        else if (!person) refuse(u, 'user_not_found');
        else if (ch.members.includes(u)) refuse(u, 'already_in_channel');
        else if (person.deleted) refuse(u, 'cant_invite');
        else if (
          person.is_ultra_restricted &&
          [...this.ws.channels.values()].some((c) => !c.is_im && c.members.includes(u))
        )
          refuse(u, 'ura_max_channels');
        else if (person.is_restricted || person.is_ultra_restricted) refuse(u, 'user_is_restricted');
      }
      // "Partially failed calls": when any invite fails, nobody is invited and the error comes back;
      // only people in a "removed" state fail silently, the others being invited all the same.
      // `force` invites the valid ones whatever fails (the method's `force` argument).
      const removedOnly = errors.every((e) => e.error === 'cant_invite');
      const invite = users.filter((u) => !errors.some((e) => e.user === u));
      if (errors.length === 0 || removedOnly || asBool(a.force))
        for (const u of invite) {
          ch.members.push(u);
          this.background(this.memberJoinedEvent(u, ch, WS.botUser));
        }
      if (errors.length > 0 && !asBool(a.force)) fail(errors[0]?.error ?? 'invalid_arguments', { errors });
      return { channel: this.channelObj(ch) };
    },

    'conversations.kick': (a) => {
      const ch = this.memberChannel(a.channel);
      const u = asString(a.user) ?? '';
      if (u === WS.botUser) fail('cant_kick_self');
      if (!ch.members.includes(u)) fail('not_in_channel');
      ch.members = ch.members.filter((m) => m !== u);
      return {};
    },

    'conversations.join': (a) => {
      const ch = this.visibleChannel(a.channel);
      if (ch.is_archived) fail('is_archived');
      if (ch.is_private) fail('method_not_supported_for_channel_type');
      // https://docs.slack.dev/reference/methods/conversations.join: joining a channel the app is
      // already in succeeds with the warning `already_in_channel`.
      if (ch.members.includes(WS.botUser))
        return { channel: this.channelObj(ch), warning: 'already_in_channel' };
      ch.members.push(WS.botUser);
      // https://api.slack.com/events/member_joined_channel: sent to the channel's members when
      // someone joins, the bot joining included.
      this.background(this.memberJoinedEvent(WS.botUser, ch));
      return { channel: this.channelObj(ch) };
    },

    'conversations.open': (a) => {
      const users = (asString(a.users) ?? '').split(',').filter((u) => u !== '');
      const u = users[0];
      if (!u || users.length > 1 || !this.ws.users.has(u)) fail('user_not_found');
      const dm = this.ws.dmWith(u as string);
      return { channel: { id: dm.id } };
    },

    'conversations.setTopic': (a) => this.setChannelText(a, 'topic'),

    'conversations.setPurpose': (a) => this.setChannelText(a, 'purpose'),

    'conversations.archive': (a) => {
      const ch = this.visibleChannel(a.channel);
      if (ch.is_general) fail('cant_archive_general');
      if (ch.is_archived) fail('already_archived');
      if (!ch.members.includes(WS.botUser)) fail('not_in_channel');
      ch.is_archived = true;
      this.background(() => this.archiveEvent(ch, WS.botUser, true));
      return {};
    },

    'conversations.unarchive': (a) => {
      const ch = this.visibleChannel(a.channel);
      if (!ch.is_archived) fail('not_archived');
      ch.is_archived = false;
      this.background(() => this.archiveEvent(ch, WS.botUser, false));
      return {};
    },

    'conversations.history': (a) => {
      const ch = this.memberChannel(a.channel);
      const limit = Math.min(Number(asString(a.limit) ?? 100) || 100, 999);
      const oldest = asString(a.oldest);
      const latest = asString(a.latest);
      const inclusive = asBool(a.inclusive);
      let list = (this.ws.messages.get(ch.id) ?? []).filter(
        (m) =>
          !m.deleted && (m.thread_ts === undefined || m.thread_ts === m.ts || m.reply_broadcast === true),
      );
      if (oldest) list = list.filter((m) => (inclusive ? m.ts >= oldest : m.ts > oldest));
      if (latest) list = list.filter((m) => (inclusive ? m.ts <= latest : m.ts < latest));
      list = [...list].reverse();
      const offset = Number(asString(a.cursor) ?? 0) || 0;
      const page = list.slice(offset, offset + limit);
      const more = offset + limit < list.length;
      return {
        messages: page.map((m) => this.messageObj(m, 'api', asBool(a.include_all_metadata))),
        has_more: more,
        pin_count: ch.pins.length,
        response_metadata: { next_cursor: more ? String(offset + limit) : '' },
      };
    },

    'conversations.replies': (a) => {
      const ch = this.memberChannel(a.channel);
      const ts = asString(a.ts) ?? '';
      const parent = this.ws.findMessage(ch.id, ts);
      if (!parent || parent.deleted) return fail('thread_not_found');
      const root = parent.thread_ts ?? parent.ts;
      const list = (this.ws.messages.get(ch.id) ?? []).filter(
        (m) => !m.deleted && (m.ts === root || m.thread_ts === root),
      );
      // Paging: paging.ts (https://api.slack.com/methods/conversations.replies, default limit 1000,
      // which is over the documented maximum, so the default is read as the largest accepted).
      const { items, response_metadata } = page(list, a, 999);
      return {
        messages: items.map((m) => this.messageObj(m, 'api', asBool(a.include_all_metadata))),
        has_more: response_metadata.next_cursor !== '',
        response_metadata,
      };
    },

    'chat.postMessage': (a) => {
      const ch = this.postTarget(a.channel);
      const blocks = this.checkMessageBlocks(a);
      let text = asString(a.text) ?? '';
      if (text === '' && !blocks && a.attachments === undefined) fail('no_text');
      let warning: string | undefined;
      if (text.length > 40_000) {
        text = text.slice(0, 40_000);
        warning = 'message_truncated';
      }
      const threadTs = asString(a.thread_ts);
      if (threadTs) {
        const parent = this.ws.findMessage(ch.id, threadTs);
        if (!parent || parent.deleted) fail('thread_not_found');
      }
      const m = this.ws.addMessage({
        channel: ch.id,
        ts: this.ws.nextTs(),
        user: WS.botUser,
        bot_id: WS.botId,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(asBool(a.reply_broadcast) ? { reply_broadcast: true } : {}),
        ...(a.metadata !== undefined ? { metadata: a.metadata } : {}),
        ...(asString(a.username) ? { username: asString(a.username) } : {}),
        reactions: [],
        history: [],
        deleted: false,
      });
      this.echoOwnMessage(ch, m);
      // Slack reports the cut as a warning; the sample's key for it is response_metadata.messages.
      return {
        channel: ch.id,
        ts: m.ts,
        message: this.messageObj(m, 'api', true),
        ...(warning ? { response_metadata: { messages: [`[WARN] ${warning}`] } } : {}),
      };
    },

    'chat.postEphemeral': (a) => {
      const user = asString(a.user) ?? '';
      const id = asString(a.channel) ?? '';
      const ch = /^[UW]/.test(id) ? this.ws.dmWith(id) : this.visibleChannel(id);
      if (ch.is_archived) fail('is_archived');
      if (!ch.members.includes(WS.botUser) && !(this.scopes.has('chat:write.public') && !ch.is_private))
        fail('not_in_channel');
      if (!this.ws.users.has(user)) fail('user_not_found');
      if (!ch.members.includes(user)) fail('user_not_in_channel');
      const blocks = this.checkMessageBlocks(a);
      const text = asString(a.text) ?? '';
      if (text === '' && !blocks) fail('no_text');
      const ts = this.ws.nextTs();
      const threadTs = asString(a.thread_ts);
      this.ws.ephemerals.push({
        user,
        channel: ch.id,
        ts,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        source: 'chat.postEphemeral',
      });
      return { message_ts: ts };
    },

    'chat.update': (a) => {
      const ch = this.visibleChannel(a.channel);
      if (ch.is_archived) fail('is_archived');
      const m = this.ws.findMessage(ch.id, asString(a.ts) ?? '');
      if (!m || m.deleted) return fail('message_not_found');
      if (m.user !== WS.botUser) fail('cant_update_message');
      const text = asString(a.text);
      if (text !== undefined && text.length > 4000) fail('msg_too_long');
      const blocks = this.checkMessageBlocks(a);
      m.history.push({
        text: m.text,
        ...(m.blocks ? { blocks: m.blocks } : {}),
        replacedAt: this.ws.nextTs(),
      });
      if (text !== undefined) m.text = text;
      if (blocks) m.blocks = blocks;
      else if (a.blocks !== undefined) delete m.blocks;
      m.edited = { user: WS.botUser, ts: this.ws.nextTs() };
      return { channel: ch.id, ts: m.ts, text: m.text, message: this.messageObj(m, 'update') };
    },

    'chat.delete': (a) => {
      const ch = this.visibleChannel(a.channel);
      const m = this.ws.findMessage(ch.id, asString(a.ts) ?? '');
      if (!m || m.deleted) return fail('message_not_found');
      if (m.user !== WS.botUser) fail('cant_delete_message');
      m.deleted = true;
      return { channel: ch.id, ts: m.ts };
    },

    'chat.getPermalink': (a) => {
      const ch = this.visibleChannel(a.channel);
      const m = this.ws.findMessage(ch.id, asString(a.message_ts) ?? '');
      if (!m || m.deleted) return fail('message_not_found');
      return { channel: ch.id, permalink: this.permalink(ch.id, m.ts, m.thread_ts) };
    },

    'pins.add': (a) => {
      const ch = this.memberChannel(a.channel);
      if (ch.is_archived) fail('is_archived');
      const m = this.ws.findMessage(ch.id, asString(a.timestamp) ?? '');
      if (!m || m.deleted) return fail('message_not_found');
      if (ch.pins.includes(m.ts)) fail('already_pinned');
      if (ch.pins.length >= 100) fail('too_many_pins');
      ch.pins.push(m.ts);
      // https://api.slack.com/events/pin_added: sent to the channel's members, the pinner included.
      if (this.botEvents.has('pin_added'))
        this.background(() => this.emit(this.pinEvent('pin_added', WS.botUser, ch, m)));
      return {};
    },

    'pins.remove': (a) => {
      const ch = this.memberChannel(a.channel);
      const ts = asString(a.timestamp) ?? '';
      if (!ch.pins.includes(ts)) fail('no_pin');
      ch.pins = ch.pins.filter((p) => p !== ts);
      const m = this.ws.findMessage(ch.id, ts);
      if (m && this.botEvents.has('pin_removed'))
        this.background(() => this.emit(this.pinEvent('pin_removed', WS.botUser, ch, m)));
      return {};
    },

    'pins.list': (a) => {
      const ch = this.memberChannel(a.channel);
      return {
        items: ch.pins
          .map((ts) => this.ws.findMessage(ch.id, ts))
          .filter((m): m is SimMessage => m !== undefined && !m.deleted)
          .map((m) => ({ type: 'message', channel: ch.id, message: this.messageObj(m) })),
      };
    },

    'bookmarks.add': (a) => {
      const ch = this.memberChannel(a.channel_id);
      if (ch.is_archived) fail('is_archived');
      const title = asString(a.title) ?? '';
      const type = asString(a.type) ?? '';
      const link = asString(a.link) ?? '';
      if (title === '') fail('invalid_title');
      if (type !== 'link') fail('invalid_bookmark_type');
      if (!/^https?:\/\//.test(link)) fail('invalid_link');
      const b: SimBookmark = {
        id: this.ws.nextId('Bk'),
        channel_id: ch.id,
        title,
        link,
        emoji: asString(a.emoji) ?? '',
        type,
        date_created: this.ws.nowSeconds(),
      };
      ch.bookmarks.push(b);
      return {
        bookmark: {
          id: b.id,
          channel_id: b.channel_id,
          title: b.title,
          link: b.link,
          emoji: b.emoji,
          type: b.type,
          date_created: b.date_created,
          date_updated: b.date_created,
          rank: String(ch.bookmarks.length),
          last_updated_by_user_id: WS.botUser,
          app_id: WS.appId,
        },
      };
    },

    'conversations.canvases.create': (a) => this.canvasStore.conversationsCanvasesCreate(a),
    'canvases.create': (a) => this.canvasStore.canvasesCreate(a),
    'canvases.edit': (a) => this.canvasStore.canvasesEdit(a),
    'canvases.access.set': (a) => this.canvasStore.canvasesAccessSet(a),
    'canvases.delete': (a) => this.canvasStore.canvasesDelete(a),

    'bookmarks.list': (a) => {
      const ch = this.memberChannel(a.channel_id);
      return { bookmarks: ch.bookmarks.map((b) => ({ ...b })) };
    },

    'reactions.add': (a) => {
      const ch = this.memberChannel(a.channel);
      if (ch.is_archived) fail('is_archived');
      const m = this.ws.findMessage(ch.id, asString(a.timestamp) ?? '');
      if (!m || m.deleted) return fail('message_not_found');
      const name = (asString(a.name) ?? '').replace(/:/g, '');
      if (name === '') fail('invalid_name');
      const r = m.reactions.find((x) => x.name === name);
      if (r?.users.includes(WS.botUser)) fail('already_reacted');
      if (r) r.users.push(WS.botUser);
      else m.reactions.push({ name, users: [WS.botUser] });
      // https://api.slack.com/events/reaction_added: every reaction in a channel the app is in,
      // its own included (user = the bot).
      if (this.botEvents.has('reaction_added'))
        this.background(() =>
          this.emit({
            type: 'reaction_added',
            user: WS.botUser,
            item: { type: 'message', channel: ch.id, ts: m.ts },
            reaction: name,
            item_user: m.user,
            event_ts: this.ws.nextTs(),
          }),
        );
      return {};
    },

    'reactions.remove': (a) => {
      const ch = this.memberChannel(a.channel);
      const m = this.ws.findMessage(ch.id, asString(a.timestamp) ?? '');
      if (!m || m.deleted) return fail('message_not_found');
      const name = (asString(a.name) ?? '').replace(/:/g, '');
      const r = m.reactions.find((x) => x.name === name);
      if (!r?.users.includes(WS.botUser)) fail('no_reaction');
      if (r) r.users = r.users.filter((u) => u !== WS.botUser);
      m.reactions = m.reactions.filter((x) => x.users.length > 0);
      return {};
    },

    'reactions.get': (a) => {
      const ch = this.memberChannel(a.channel);
      const m = this.ws.findMessage(ch.id, asString(a.timestamp) ?? '');
      if (!m || m.deleted) return fail('message_not_found');
      return { type: 'message', channel: ch.id, message: this.messageObj(m) };
    },

    'views.open': (a) => {
      const v = this.checkViewArg(a.view, 'modal');
      const user = this.consumeTrigger(a.trigger_id);
      const view = this.buildView(user, v);
      this.ws.modals.set(user, [view]);
      return { view: this.viewObj(view) };
    },

    'views.push': (a) => {
      const v = this.checkViewArg(a.view, 'modal');
      const user = this.consumeTrigger(a.trigger_id);
      const stack = this.ws.modals.get(user);
      if (!stack || stack.length === 0) return fail('not_found');
      if (stack.length >= 3) fail('push_limit_reached');
      const view = this.buildView(user, v);
      view.root_view_id = stack[0]?.id ?? view.id;
      view.previous_view_id = stack.at(-1)?.id ?? null;
      stack.push(view);
      return { view: this.viewObj(view) };
    },

    'views.update': (a) => {
      const old = this.findView(asString(a.view_id), asString(a.external_id));
      if (!old) return fail('not_found');
      const v = this.checkViewArg(a.view, old.type === 'home' ? 'home' : 'modal');
      const hash = asString(a.hash);
      if (hash && hash !== old.hash) fail('hash_conflict');
      const next = this.buildView(old.user, v, old);
      this.replaceView(old, next);
      return { view: this.viewObj(next) };
    },

    'views.publish': (a) => {
      const user = asString(a.user_id) ?? '';
      if (!this.ws.users.has(user)) fail('user_not_found');
      const v = this.checkViewArg(a.view, 'home');
      const old = this.ws.homes.get(user);
      const hash = asString(a.hash);
      if (hash && old && hash !== old.hash) fail('hash_conflict');
      const view = this.buildView(user, v, old);
      this.ws.homes.set(user, view);
      return { view: this.viewObj(view) };
    },

    'files.getUploadURLExternal': (a) => {
      const filename = asString(a.filename) ?? '';
      const length = Number(asString(a.length));
      if (filename === '') fail('invalid_arguments');
      if (!Number.isFinite(length) || length <= 0) fail('invalid_arguments');
      // The image's screen-reader text is `alt_txt` (not alt_text), at most 1,000 characters:
      // https://docs.slack.dev/reference/methods/files.getUploadURLExternal (arguments; `alt_txt_too_large`).
      const altTxt = asString(a.alt_txt);
      if (altTxt !== undefined && altTxt.length > 1000) fail('alt_txt_too_large');
      const id = this.ws.nextId('F');
      this.ws.uploads.set(id, {
        id,
        filename,
        length,
        completed: false,
        ...(altTxt !== undefined ? { altTxt } : {}),
      });
      return { upload_url: `${this.url}upload/${id}`, file_id: id };
    },

    'files.completeUploadExternal': (a) => {
      const list = Array.isArray(a.files) ? (a.files as Obj[]) : undefined;
      if (!list || list.length === 0) return fail('invalid_arguments');
      const channelId = asString(a.channel_id) ?? asString(a.channels)?.split(',')[0];
      const ch = channelId ? this.memberChannel(channelId) : undefined;
      if (ch?.is_archived) fail('is_archived');
      const threadTs = asString(a.thread_ts);
      if (ch && threadTs && !this.ws.findMessage(ch.id, threadTs)) fail('invalid_thread_ts');
      const done: SimFile[] = [];
      for (const f of list) {
        const up = this.ws.uploads.get(String(f.id));
        if (!up || up.completed) return fail('file_not_found');
        if (!up.bytes) return fail('file_upload_not_found');
        up.completed = true;
        const ext = up.filename.includes('.') ? (up.filename.split('.').pop() ?? '') : 'text';
        const file: SimFile = {
          id: up.id,
          name: up.filename,
          title: asString(f.title) ?? up.filename,
          filetype: ext,
          mimetype: MIME[ext] ?? 'application/octet-stream',
          size: up.bytes.length,
          bytes: up.bytes,
          user: WS.botUser,
          created: this.ws.nowSeconds(),
          channels: ch ? [ch.id] : [],
          permalink: `${PERMALINK_BASE}/files/${WS.botUser}/${up.id}/${up.filename}`,
          url_private: `${this.url}files/${up.id}/${up.filename}`,
          ...(up.altTxt !== undefined ? { alt_txt: up.altTxt } : {}),
        };
        this.ws.files.set(file.id, file);
        done.push(file);
      }
      // Files are processed asynchronously (https://docs.slack.dev/reference/methods/files.getUploadURLExternal,
      // usage: "Files are processed asynchronously via a job handler"): the share message appears after
      // this call has answered, not during it. It counts as in flight until then, so idle() waits for it.
      if (ch) {
        const comment = asString(a.initial_comment) ?? '';
        this.afterAnswer(() => {
          this.ws.addMessage({
            channel: ch.id,
            ts: this.ws.nextTs(),
            user: WS.botUser,
            bot_id: WS.botId,
            text: comment,
            files: done,
            ...(threadTs ? { thread_ts: threadTs } : {}),
            reactions: [],
            history: [],
            deleted: false,
          });
        });
      }
      return { files: done.map((f) => ({ id: f.id, title: f.title })) };
    },
  };

  private checkChannelName(name: string): void {
    if (name === '') fail('invalid_name_required');
    if (name.length > 80) fail('invalid_name_maxlength');
    if (!/^[a-z0-9_-]+$/.test(name)) fail('invalid_name_specials');
    if (/^[-_]+$/.test(name)) fail('invalid_name_punctuation');
    for (const ch of this.ws.channels.values())
      if (!ch.is_im && (ch.name === name || ch.previous_names.includes(name))) fail('name_taken');
  }

  // ---------------------------------------------------------------- uploads & response_url

  private async handleUpload(
    id: string,
    req: IncomingMessage,
    raw: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const up = this.ws.uploads.get(id);
    if (!up || up.completed) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('file_not_found');
      return;
    }
    const ct = String(req.headers['content-type'] ?? '');
    let bytes = raw;
    if (ct.startsWith('multipart/form-data')) {
      const parts = parseMultipart(raw, ct);
      const part = parts.find((p) => p.filename !== undefined) ?? parts[0];
      bytes = part?.data ?? Buffer.alloc(0);
    } else if (ct.startsWith('application/x-www-form-urlencoded')) {
      bytes = Buffer.from(new URLSearchParams(raw.toString('utf8')).get('body') ?? '', 'utf8');
    }
    up.bytes = Buffer.from(bytes);
    this.record('(upload)', { file_id: id, bytes: up.bytes.length }, true, undefined, 200);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${up.bytes.length}`);
  }

  /** A response_url for an interaction of `user` in `channel` (the sender asks for one per payload). */
  issueResponseUrl(user: string, channel: string, original?: ResponseUrlState['original']): string {
    const id = randomUUID();
    this.ws.responseUrls.set(id, {
      user,
      channel,
      uses: 0,
      createdAt: this.clock.now().getTime(),
      ...(original ? { original } : {}),
    });
    return `${this.url}response/${id}`;
  }

  /** The state behind a response_url (to point replace_original at the command's first answer). */
  responseUrlState(url: string): ResponseUrlState | undefined {
    return this.ws.responseUrls.get(url.slice(url.lastIndexOf('/') + 1));
  }

  private async handleResponseUrl(
    id: string,
    req: IncomingMessage,
    raw: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const state = this.ws.responseUrls.get(id);
    const reply = (status: number, body: string) => {
      this.record('(response_url)', { id }, status === 200, status === 200 ? undefined : body, status);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    };
    if (!state) return reply(404, 'invalid_response_url');
    if (state.uses >= 5) return reply(404, 'used_url');
    if (this.clock.now().getTime() - state.createdAt > 30 * 60_000) return reply(404, 'expired_url');
    let body: Obj;
    try {
      body = parseFields(raw, String(req.headers['content-type'] ?? 'application/json'));
      if (typeof body.payload === 'string') body = JSON.parse(body.payload) as Obj;
    } catch {
      return reply(400, 'invalid_payload');
    }
    let blocks: AnyBlock[] | undefined;
    try {
      blocks = this.checkMessageBlocks(body);
    } catch (e) {
      if (e instanceof ApiError) return reply(400, e.error);
      throw e;
    }
    state.uses++;
    this.applyResponse(state, body, blocks);
    return reply(200, 'ok');
  }

  /** Shows a command/interaction answer (ack body or response_url post) to the person. */
  applyResponse(
    state: Pick<ResponseUrlState, 'user' | 'channel' | 'original'>,
    body: Obj,
    blocks: AnyBlock[] | undefined,
    source: SimEphemeral['source'] = 'response_url',
  ): SimEphemeral | SimMessage | undefined {
    const text = asString(body.text) ?? '';
    const orig = state.original;
    if (asBool(body.delete_original) && orig) {
      if (orig.kind === 'ephemeral') orig.ephemeral.replaced = true;
      else {
        const m = this.ws.findMessage(orig.channel, orig.ts);
        if (m) m.deleted = true;
      }
      return undefined;
    }
    if (asBool(body.replace_original) && orig) {
      if (orig.kind === 'ephemeral') {
        orig.ephemeral.text = text;
        if (blocks) orig.ephemeral.blocks = blocks;
        else delete orig.ephemeral.blocks;
        return orig.ephemeral;
      }
      const m = this.ws.findMessage(orig.channel, orig.ts);
      if (m) {
        m.history.push({
          text: m.text,
          ...(m.blocks ? { blocks: m.blocks } : {}),
          replacedAt: this.ws.nextTs(),
        });
        m.text = text;
        if (blocks) m.blocks = blocks;
        else delete m.blocks;
        m.edited = { user: WS.botUser, ts: this.ws.nextTs() };
      }
      return m;
    }
    const threadTs = asString(body.thread_ts);
    if (body.response_type === 'in_channel') {
      const ch = this.ws.channels.get(state.channel) ?? this.ws.dmWith(state.user);
      const m = this.ws.addMessage({
        channel: ch.id,
        ts: this.ws.nextTs(),
        user: WS.botUser,
        bot_id: WS.botId,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        reactions: [],
        history: [],
        deleted: false,
      });
      this.echoOwnMessage(ch, m);
      return m;
    }
    const e: SimEphemeral = {
      user: state.user,
      channel: state.channel,
      ts: this.ws.nextTs(),
      text,
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      source,
    };
    this.ws.ephemerals.push(e);
    return e;
  }

  /** Validates an ack body's blocks like a response_url post (Slack shows an error otherwise). */
  validateAckBlocks(body: Obj): AnyBlock[] | undefined {
    return this.checkMessageBlocks(body);
  }

  issueTrigger(user: string): string {
    this.triggerSeq++;
    const id = `${1000000 + this.triggerSeq}.${98765}.${randomBytes(16).toString('hex')}`;
    this.ws.triggers.set(id, { user, issuedAt: performance.now(), used: false, expired: false });
    return id;
  }

  expireTriggers(): void {
    for (const t of this.ws.triggers.values()) t.expired = true;
  }

  // ---------------------------------------------------------------- events

  private channelType(ch: SimChannel): string {
    return ch.is_im ? 'im' : ch.is_private ? 'group' : 'channel';
  }

  private subscribedToMessages(ch: SimChannel): boolean {
    const sub = ch.is_im ? 'message.im' : ch.is_private ? 'message.groups' : 'message.channels';
    return this.botEvents.has(sub) && ch.members.includes(WS.botUser);
  }

  private async emit(event: Obj): Promise<void> {
    if (!this.deliver) return;
    this.inflight++;
    try {
      await this.deliver(event);
    } finally {
      this.inflight--;
    }
  }

  /**
   * Work Slack finishes after the call has answered (an upload's share message): on a later
   * macrotask, counted as in flight until done so `idle()` waits for it.
   */
  private afterAnswer(work: () => void): void {
    this.inflight++;
    setTimeout(() => {
      try {
        work();
      } finally {
        this.inflight--;
      }
    }, this.uploadShareDelayMs);
  }

  /** Events caused by the bot's own calls are delivered after its call was answered. */
  private background(p: () => Promise<void>): void {
    this.inflight++;
    setImmediate(() => {
      p()
        .catch((e: unknown) => {
          this.deliveryErrors.push(e instanceof Error ? e : new Error(String(e)));
          process.stderr.write(`simulator: event delivery failed: ${String(e)}\n`);
        })
        .finally(() => {
          this.inflight--;
        });
    });
  }

  private memberJoinedEvent(user: string, ch: SimChannel, inviter?: string): () => Promise<void> {
    return async () => {
      if (!this.botEvents.has('member_joined_channel')) return;
      if (!ch.members.includes(WS.botUser)) return;
      await this.emit({
        type: 'member_joined_channel',
        user,
        channel: ch.id,
        channel_type: ch.is_private ? 'G' : 'C',
        team: WS.team,
        ...(inviter ? { inviter } : {}),
        event_ts: this.ws.nextTs(),
      });
    };
  }

  private personChannel(user: string, channel: string): SimChannel {
    if (!this.ws.users.has(user)) throw new Error(`simulator: no user ${user}`);
    const ch = /^[UW]/.test(channel) ? this.ws.dmWith(channel) : this.ws.findChannel(channel);
    if (!ch) throw new Error(`simulator: no channel ${channel}`);
    if (!ch.members.includes(user))
      throw new Error(`simulator: ${this.ws.users.get(user)?.name} is not a member of #${ch.name}`);
    if (ch.is_archived) throw new Error(`simulator: #${ch.name} is archived`);
    return ch;
  }

  private personMessage(channel: string, ts: string): SimMessage {
    const m = this.ws.findMessage(channel, ts);
    if (!m || m.deleted) throw new Error(`simulator: no message ${ts} in ${channel}`);
    return m;
  }

  private eventMessage(m: SimMessage, withEdited = true): Obj {
    const out: Obj = { type: 'message' };
    if (m.subtype) out.subtype = m.subtype;
    out.user = m.user;
    out.text = m.text;
    out.ts = m.ts;
    out.team = WS.team;
    if (m.bot_id) out.bot_id = m.bot_id;
    if (m.blocks) out.blocks = m.blocks;
    if (m.thread_ts) out.thread_ts = m.thread_ts;
    if (m.edited && withEdited) out.edited = { ...m.edited };
    if (m.files) out.files = m.files.map((f) => this.fileObj(f));
    return out;
  }

  async postAsUser(
    user: string,
    channel: string,
    text: string,
    opts: PostAsUserOptions = {},
  ): Promise<SimMessage> {
    const ch = this.personChannel(user, channel);
    if (opts.thread_ts) this.personMessage(ch.id, opts.thread_ts);
    const ts = this.ws.nextTs();
    const files: SimFile[] = (opts.files ?? []).map((f) => {
      const bytes = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content, 'utf8');
      const id = this.ws.nextId('F');
      const ext = f.name.includes('.') ? (f.name.split('.').pop() ?? '') : 'text';
      const file: SimFile = {
        id,
        name: f.name,
        title: f.title ?? f.name,
        filetype: ext,
        mimetype: MIME[ext] ?? 'application/octet-stream',
        size: bytes.length,
        bytes,
        user,
        created: this.ws.nowSeconds(),
        channels: [ch.id],
        permalink: `${PERMALINK_BASE}/files/${user}/${id}/${f.name}`,
        url_private: `${this.url}files/${id}/${f.name}`,
      };
      this.ws.files.set(id, file);
      return file;
    });
    const typed = encodeMessage(this.ws, text);
    const m = this.ws.addMessage({
      channel: ch.id,
      ts,
      user,
      text: typed.text,
      ...(typed.blocks.length ? { blocks: typed.blocks } : {}),
      ...(files.length ? { files, subtype: 'file_share' } : {}),
      ...(opts.thread_ts ? { thread_ts: opts.thread_ts } : {}),
      reactions: [],
      history: [],
      deleted: false,
    });
    if (this.subscribedToMessages(ch)) {
      const parent = opts.thread_ts ? this.ws.findMessage(ch.id, opts.thread_ts) : undefined;
      const { team: _team, ...fileShare } = this.eventMessage(m);
      await this.emit({
        ...(files.length ? fileShare : { ...this.eventMessage(m), client_msg_id: randomUUID() }),
        channel: ch.id,
        event_ts: ts,
        channel_type: this.channelType(ch),
        ...(parent ? { parent_user_id: parent.user } : {}),
      });
    }
    return m;
  }

  async editAsUser(user: string, channel: string, ts: string, text: string): Promise<SimMessage> {
    const ch = this.personChannel(user, channel);
    const m = this.personMessage(ch.id, ts);
    if (m.user !== user) throw new Error('simulator: people can only edit their own messages');
    const previous = this.eventMessage(m);
    m.history.push({ text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}), replacedAt: this.ws.nextTs() });
    // An edit is typed like a new message: encoded the same way (see typing.ts).
    const typed = encodeMessage(this.ws, text);
    m.text = typed.text;
    if (typed.blocks.length) m.blocks = typed.blocks;
    else delete m.blocks;
    m.edited = { user, ts: this.ws.nextTs() };
    if (this.subscribedToMessages(ch)) {
      const eventTs = this.ws.nextTs();
      await this.emit({
        type: 'message',
        subtype: 'message_changed',
        channel: ch.id,
        hidden: true,
        message: this.eventMessage(m),
        previous_message: previous,
        event_ts: eventTs,
        ts: eventTs,
        channel_type: this.channelType(ch),
      });
    }
    return m;
  }

  async deleteAsUser(user: string, channel: string, ts: string): Promise<void> {
    const ch = this.personChannel(user, channel);
    const m = this.personMessage(ch.id, ts);
    if (m.user !== user) throw new Error('simulator: people can only delete their own messages');
    m.deleted = true;
    ch.pins = ch.pins.filter((p) => p !== ts);
    if (this.subscribedToMessages(ch)) {
      const eventTs = this.ws.nextTs();
      await this.emit({
        type: 'message',
        subtype: 'message_deleted',
        channel: ch.id,
        hidden: true,
        deleted_ts: ts,
        previous_message: this.eventMessage(m),
        event_ts: eventTs,
        ts: eventTs,
        channel_type: this.channelType(ch),
      });
    }
  }

  async react(user: string, channel: string, ts: string, name: string): Promise<void> {
    const ch = this.personChannel(user, channel);
    const m = this.personMessage(ch.id, ts);
    const r = m.reactions.find((x) => x.name === name);
    if (r?.users.includes(user)) return;
    if (r) r.users.push(user);
    else m.reactions.push({ name, users: [user] });
    if (this.botEvents.has('reaction_added') && ch.members.includes(WS.botUser))
      await this.emit({
        type: 'reaction_added',
        user,
        item: { type: 'message', channel: ch.id, ts },
        reaction: name,
        item_user: m.user,
        event_ts: this.ws.nextTs(),
      });
  }

  async unreact(user: string, channel: string, ts: string, name: string): Promise<void> {
    const ch = this.personChannel(user, channel);
    const m = this.personMessage(ch.id, ts);
    const r = m.reactions.find((x) => x.name === name);
    if (!r?.users.includes(user)) return;
    r.users = r.users.filter((u) => u !== user);
    m.reactions = m.reactions.filter((x) => x.users.length > 0);
    if (this.botEvents.has('reaction_removed') && ch.members.includes(WS.botUser))
      await this.emit({
        type: 'reaction_removed',
        user,
        item: { type: 'message', channel: ch.id, ts },
        reaction: name,
        item_user: m.user,
        event_ts: this.ws.nextTs(),
      });
  }

  private pinEvent(type: 'pin_added' | 'pin_removed', user: string, ch: SimChannel, m: SimMessage): Obj {
    const now = this.ws.nowSeconds();
    // Slack's pin_added sample (samples/events/PinAddedPayload.json) carries the pinned message without
    // `blocks`: the bot's own pins (its summary, which has blocks) must not invent the key.
    const { blocks: _blocks, ...message } = this.eventMessage(m, false);
    return {
      type,
      user,
      channel_id: ch.id,
      item: {
        type: 'message',
        created: now,
        created_by: user,
        channel: ch.id,
        message: { ...message, permalink: this.permalink(ch.id, m.ts, m.thread_ts) },
      },
      item_user: m.user,
      pin_count: ch.pins.length,
      pinned_info: { channel: ch.id, pinned_by: user, pinned_ts: now },
      ...(type === 'pin_removed' ? { has_pins: ch.pins.length > 0 } : {}),
      event_ts: this.ws.nextTs(),
    };
  }

  async pin(user: string, channel: string, ts: string): Promise<void> {
    const ch = this.personChannel(user, channel);
    const m = this.personMessage(ch.id, ts);
    if (ch.pins.includes(ts)) return;
    ch.pins.push(ts);
    if (this.botEvents.has('pin_added') && ch.members.includes(WS.botUser))
      await this.emit(this.pinEvent('pin_added', user, ch, m));
  }

  async unpin(user: string, channel: string, ts: string): Promise<void> {
    const ch = this.personChannel(user, channel);
    const m = this.personMessage(ch.id, ts);
    if (!ch.pins.includes(ts)) return;
    ch.pins = ch.pins.filter((p) => p !== ts);
    if (this.botEvents.has('pin_removed') && ch.members.includes(WS.botUser))
      await this.emit(this.pinEvent('pin_removed', user, ch, m));
  }

  async join(user: string, channel: string, inviter?: string): Promise<void> {
    const ch = this.ws.findChannel(channel);
    if (!ch) throw new Error(`simulator: no channel ${channel}`);
    if (ch.is_archived) throw new Error(`simulator: #${ch.name} is archived`);
    if (ch.members.includes(user)) return;
    if (ch.is_private && !inviter) throw new Error(`simulator: #${ch.name} is private; someone must invite`);
    ch.members.push(user);
    await this.memberJoinedEvent(user, ch, inviter)();
  }

  async leave(user: string, channel: string): Promise<void> {
    const ch = this.ws.findChannel(channel);
    if (!ch?.members.includes(user)) return;
    const botWasMember = ch.members.includes(WS.botUser);
    ch.members = ch.members.filter((m) => m !== user);
    if (this.botEvents.has('member_left_channel') && botWasMember)
      await this.emit({
        type: 'member_left_channel',
        user,
        channel: ch.id,
        channel_type: ch.is_private ? 'G' : 'C',
        team: WS.team,
        event_ts: this.ws.nextTs(),
      });
  }

  async archiveAsUser(user: string, channel: string): Promise<void> {
    const ch = this.personChannel(user, channel);
    if (ch.is_general) throw new Error('simulator: #general cannot be archived');
    ch.is_archived = true;
    await this.archiveEvent(ch, user, true);
  }

  async unarchiveAsUser(user: string, channel: string): Promise<void> {
    const ch = this.ws.findChannel(channel);
    if (!ch) throw new Error(`simulator: no channel ${channel}`);
    if (!ch.members.includes(user))
      throw new Error(`simulator: ${this.ws.users.get(user)?.name} is not a member of #${ch.name}`);
    if (!ch.is_archived) throw new Error(`simulator: #${ch.name} is not archived`);
    ch.is_archived = false;
    await this.archiveEvent(ch, user, false);
  }

  /**
   * A public channel sends channel_archive / channel_unarchive
   * (https://api.slack.com/events/channel_archive); a private one group_archive / group_unarchive
   * instead (https://api.slack.com/events/group_archive, https://api.slack.com/events/group_unarchive),
   * each to the channel's members when the app subscribes to it.
   */
  private async archiveEvent(ch: SimChannel, user: string, archived: boolean): Promise<void> {
    const type = `${ch.is_private ? 'group' : 'channel'}_${archived ? 'archive' : 'unarchive'}`;
    if (!this.botEvents.has(type) || !ch.members.includes(WS.botUser)) return;
    await this.emit({ type, channel: ch.id, user, event_ts: this.ws.nextTs() });
  }

  /**
   * The bot hears itself: with message.channels / message.groups its own posts come back as
   * `message` events with `user` = the bot user and `bot_id`, no subtype
   * (https://api.slack.com/events/message, https://api.slack.com/events/message/bot_message: a
   * bot *user*'s message is an ordinary message carrying bot_id). Delivered after the call answered.
   */
  private echoOwnMessage(ch: SimChannel, m: SimMessage): void {
    if (!this.subscribedToMessages(ch)) return;
    this.background(() =>
      this.emit({
        ...this.eventMessage(m),
        channel: ch.id,
        event_ts: m.ts,
        channel_type: this.channelType(ch),
      }),
    );
  }

  async openHome(user: string): Promise<void> {
    if (!this.ws.users.has(user)) throw new Error(`simulator: no user ${user}`);
    const dm = this.ws.dmWith(user);
    const home = this.ws.homes.get(user);
    if (this.botEvents.has('app_home_opened'))
      await this.emit({
        type: 'app_home_opened',
        user,
        channel: dm.id,
        tab: 'home',
        event_ts: this.ws.nextTs(),
        ...(home ? { view: this.viewObj(home, 'payload') } : {}),
      });
  }

  // ---------------------------------------------------------------- inspection

  user(id: string): SimUser | undefined {
    return this.ws.users.get(id);
  }
  channel(idOrName: string): SimChannel | undefined {
    return this.ws.findChannel(idOrName);
  }
  channels(): SimChannel[] {
    return [...this.ws.channels.values()].filter((c) => !c.is_im);
  }
  private need(idOrName: string): SimChannel {
    const ch = this.ws.findChannel(idOrName);
    if (!ch) throw new Error(`simulator: no channel ${idOrName}`);
    return ch;
  }
  members(channel: string): string[] {
    return [...this.need(channel).members];
  }
  topic(channel: string): string {
    return this.need(channel).topic.value;
  }
  purpose(channel: string): string {
    return this.need(channel).purpose.value;
  }
  pins(channel: string): SimMessage[] {
    const ch = this.need(channel);
    return ch.pins
      .map((ts) => this.ws.findMessage(ch.id, ts))
      .filter((m): m is SimMessage => !!m && !m.deleted);
  }
  bookmarks(channel: string): SimBookmark[] {
    return [...this.need(channel).bookmarks];
  }
  messages(channel: string, opts: { includeDeleted?: boolean } = {}): SimMessage[] {
    const ch = this.need(channel);
    return (this.ws.messages.get(ch.id) ?? []).filter(
      (m) =>
        (opts.includeDeleted === true || !m.deleted) &&
        (m.thread_ts === undefined || m.thread_ts === m.ts || m.reply_broadcast === true),
    );
  }
  lastMessage(channel: string): SimMessage | undefined {
    return this.messages(channel).at(-1);
  }
  message(channel: string, ts: string): SimMessage | undefined {
    const ch = this.ws.findChannel(channel);
    return ch ? this.ws.findMessage(ch.id, ts) : undefined;
  }
  replies(channel: string, threadTs: string): SimMessage[] {
    const ch = this.need(channel);
    return (this.ws.messages.get(ch.id) ?? []).filter(
      (m) => m.thread_ts === threadTs && m.ts !== threadTs && !m.deleted,
    );
  }
  ephemerals(user: string, channel?: string): SimEphemeral[] {
    const chId = channel === undefined ? undefined : (this.ws.findChannel(channel)?.id ?? channel);
    return this.ws.ephemerals.filter(
      (e) => e.user === user && !e.replaced && (chId === undefined || e.channel === chId),
    );
  }
  dms(user: string): SimMessage[] {
    const ch = this.ws.channels.get(`D${user.slice(1)}`);
    return ch ? (this.ws.messages.get(ch.id) ?? []).filter((m) => !m.deleted) : [];
  }
  views(user: string): SimView[] {
    return [...(this.ws.modals.get(user) ?? [])];
  }
  topView(user: string): SimView | undefined {
    return this.ws.modals.get(user)?.at(-1);
  }
  home(user: string): SimView | undefined {
    return this.ws.homes.get(user);
  }
  canvas(id: string): SimCanvas | undefined {
    const c = this.canvasStore.canvases.get(id);
    return c && !c.deleted ? c : undefined;
  }
  canvases(channel?: string): SimCanvas[] {
    if (channel === undefined) return [...this.canvasStore.canvases.values()].filter((c) => !c.deleted);
    const chId = this.ws.findChannel(channel)?.id ?? channel;
    return this.canvasStore.inChannel(chId);
  }
  channelCanvas(channel: string): SimCanvas | undefined {
    return this.canvasStore.channelCanvas(this.ws.findChannel(channel)?.id ?? channel);
  }
  canOpenCanvas(id: string, user: string): boolean {
    const c = this.canvasStore.canvases.get(id);
    return !!c && this.canvasStore.canOpen(c, user, (ch) => this.ws.channels.get(ch)?.members ?? []);
  }
  files(channel?: string): SimFile[] {
    const chId = channel === undefined ? undefined : (this.ws.findChannel(channel)?.id ?? channel);
    return [...this.ws.files.values()].filter((f) => chId === undefined || f.channels.includes(chId));
  }
  render(channel: string): string {
    const ch = this.ws.findChannel(channel);
    return renderChannel(this.ws, ch?.id ?? channel);
  }
  renderBlocks(blocks: readonly AnyBlock[] | undefined, fallbackText = '', resolve = false): string {
    return renderBlocks(this.ws, blocks, fallbackText, resolve);
  }

  /** Used by the person: closes the top modal (or all with clear). */
  popView(user: string, all = false): SimView | undefined {
    const stack = this.ws.modals.get(user);
    if (!stack) return undefined;
    const top = stack.pop();
    if (all || stack.length === 0) this.ws.modals.delete(user);
    return top;
  }

  /** Applies a view_submission answer to the person's screen. */
  applyViewAnswer(
    user: string,
    view: SimView,
    body: Obj | undefined,
  ): { errors?: Record<string, string>; action?: string } {
    const action = asString(body?.response_action);
    const stack = this.ws.modals.get(user) ?? [];
    if (action === 'errors') {
      const errors = (isObj(body?.errors) ? body.errors : {}) as Record<string, string>;
      // Each key is "the block_id of the erroneous input block", the value the plain-text message
      // shown under it (https://docs.slack.dev/surfaces/modals#displaying_errors): an error for a
      // block the view lacks, or for a block that is not an input, has nowhere to be shown.
      const inputIds = new Set(view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id));
      for (const k of Object.keys(errors))
        if (!inputIds.has(k))
          throw new Error(`simulator: response_action errors names "${k}", not an input block of the view`);
      view.errors = errors;
      return { errors, action };
    }
    if (action === 'update' || action === 'push') {
      const v = this.checkViewArg(body?.view, 'modal');
      if (action === 'update') {
        const next = this.buildView(user, v, view);
        const i = stack.indexOf(view);
        if (i !== -1) stack[i] = next;
      } else {
        if (stack.length >= 3) throw new Error('simulator: push_limit_reached (response_action push)');
        const next = this.buildView(user, v);
        next.root_view_id = stack[0]?.id ?? next.id;
        next.previous_view_id = view.id;
        stack.push(next);
      }
      return { action };
    }
    if (action === 'clear') {
      this.ws.modals.delete(user);
      return { action };
    }
    // An empty 200 closes the submitted view.
    const i = stack.indexOf(view);
    if (i !== -1) stack.splice(i, 1);
    if (stack.length === 0) this.ws.modals.delete(user);
    return action !== undefined ? { action } : {};
  }
}

const MIME: Record<string, string> = {
  md: 'text/markdown',
  txt: 'text/plain',
  text: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  png: 'image/png',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  html: 'text/html',
};

/** Scope each method needs (`a|b`: either). Checked before the method runs, like Slack. */
const SCOPES: Record<string, ScopeRule> = {
  'auth.test': null,
  'users.info': 'users:read',
  'users.list': 'users:read',
  'conversations.create': (a) => (asBool(a.is_private) ? 'groups:write' : 'channels:manage'),
  'conversations.rename': convScope('channels:manage', 'groups:write'),
  'conversations.invite': convScope('channels:manage', 'groups:write'),
  'conversations.kick': convScope('channels:manage', 'groups:write'),
  'conversations.setTopic': convScope('channels:manage', 'groups:write'),
  'conversations.setPurpose': convScope('channels:manage', 'groups:write'),
  'conversations.archive': convScope('channels:manage', 'groups:write'),
  'conversations.unarchive': convScope('channels:manage', 'groups:write'),
  'conversations.join': 'channels:join',
  'conversations.open': 'im:write',
  'conversations.info': convScope('channels:read', 'groups:read'),
  'conversations.list': (a) =>
    (asString(a.types) ?? '').includes('private_channel') ? 'groups:read' : 'channels:read',
  'conversations.members': convScope('channels:read', 'groups:read'),
  'conversations.history': convScope('channels:history', 'groups:history'),
  'conversations.replies': convScope('channels:history', 'groups:history'),
  'chat.postMessage': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.update': 'chat:write',
  'chat.delete': 'chat:write',
  'chat.getPermalink': null,
  'pins.add': 'pins:write',
  'pins.remove': 'pins:write',
  'pins.list': 'pins:read',
  'bookmarks.add': 'bookmarks:write',
  'bookmarks.list': 'bookmarks:read',
  // Each canvas method's page, "Scopes": bot token canvases:write.
  'conversations.canvases.create': 'canvases:write',
  'canvases.create': 'canvases:write',
  'canvases.edit': 'canvases:write',
  'canvases.access.set': 'canvases:write',
  'canvases.delete': 'canvases:write',
  'reactions.add': 'reactions:write',
  'reactions.remove': 'reactions:write',
  'reactions.get': 'reactions:read',
  'views.open': null,
  'views.push': null,
  'views.update': null,
  'views.publish': null,
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
};

/** Starts the local Slack Web API on 127.0.0.1 (random port). */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<SimulatorImpl> {
  const sim = new SimulatorImpl(opts);
  await sim.listen();
  return sim;
}
