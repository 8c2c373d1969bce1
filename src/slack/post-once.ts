import {
  type ChatPostMessageArguments,
  ErrorCode,
  LogLevel,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import { waitsOfFetch } from './rate-gate.js';

/**
 * chat.postMessage for messages that must exist once (the digest, the pinned summary, the
 * announcement). Slack has no idempotency keys, and when it performs a post but the answer is
 * lost (a 5xx after the work, a reset connection, the process dying right after the call) a plain
 * retry posts a second copy. So every such post carries `metadata` naming its key, and a retry
 * that may follow a lost answer first looks for a message of ours with that key and adopts it.
 * Files carry no metadata: uploadOnce (the digest's chart) looks in the thread for its file name.
 *
 * Retries happen here (callOnce, also used for conversations.create), not in the WebClient: its
 * own retry of a 5xx would repeat the call blindly.
 */

export const POST_EVENT_TYPE = 'firebreak_post';
/** Slack's clock and ours may differ a little: look somewhat before the first attempt started. */
export const LOOKBACK_MARGIN_MS = 2 * 60 * 1000;
const PAGE_SIZE = 200;
/** How far back a lookup pages. A key's message is usually on the first page (it is recent). */
const MAX_PAGES = 5;

export type PostOnceArgs = ChatPostMessageArguments & {
  channel: string;
  /** Names the message; the same key on a retry means the same message. */
  key: string;
  /** When the first attempt for this key started (recorded before that attempt called Slack). */
  since: Date;
  /**
   * An earlier attempt for this key may have reached Slack (the effect row was left pending or
   * failed): look before posting. False on a first attempt, so the common path costs no extra call.
   */
  resume: boolean;
};

export interface Posted {
  channel: string;
  ts: string;
  /** True when an earlier attempt's message was found and adopted instead of posting. */
  adopted: boolean;
}

interface RetryPolicy {
  retries: number;
  factor: number;
  minTimeout: number;
  maxTimeout: number;
}
const DEFAULT_POLICY: RetryPolicy = { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 10_000 };

export async function postOnce(client: WebClient, args: PostOnceArgs): Promise<Posted> {
  const { key, since, resume, ...message } = args;
  const where = { channel: args.channel, threadTs: args.thread_ts, key, since };
  const body = {
    ...message,
    metadata: { event_type: POST_EVENT_TYPE, event_payload: { key } },
  } as ChatPostMessageArguments;
  return callOnce<Posted>(client, {
    resume,
    async call(shot) {
      const res = await shot.chat.postMessage(body);
      if (!res.ts) throw new Error('chat.postMessage returned no ts');
      return { channel: res.channel ?? args.channel, ts: res.ts, adopted: false };
    },
    async find() {
      const found = await findPosted(client, where);
      return found ? { ...found, adopted: true } : null;
    },
  });
}

export interface CallOnce<T> {
  /** An earlier attempt may have done it: `find` before the first call. */
  resume: boolean;
  /** The Web API call, made with a client that does not retry by itself. */
  call(shot: WebClient): Promise<T>;
  /** What an earlier call whose answer was lost did, or null when it did nothing. */
  find(): Promise<T | null>;
}

/**
 * Makes a call that must take effect once, with the client's retry budget: a 429 is waited out and
 * repeated (Slack did nothing); after a 5xx or a lost connection (Slack may have done it) `find`
 * runs before the next try; an `ok: false` answer is final.
 */
export async function callOnce<T>(client: WebClient, op: CallOnce<T>): Promise<T> {
  const shot = singleShot(client);
  const policy = retryPolicy(client);
  let uncertain = op.resume;
  let lastError: unknown;
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    if (uncertain) {
      const found = await op.find();
      if (found !== null) return found;
    }
    try {
      return await op.call(shot);
    } catch (e) {
      lastError = e;
      const err = e as { code?: string; retryAfter?: number };
      if (err.code === ErrorCode.RateLimitedError) {
        // A 429 means Slack did nothing: wait as told and try again, no lookup needed. The wait is on
        // the rate gate's time, like the gate's own waits (a test's FakeClock, or real time).
        await waitsOfFetch(fetchOf(client)).sleep((err.retryAfter ?? 1) * 1000);
        continue;
      }
      // An `ok: false` answer is Slack refusing: nothing was done and a retry would be refused too.
      if (err.code !== ErrorCode.HTTPError && err.code !== ErrorCode.RequestError) throw e;
      uncertain = true;
      if (attempt < policy.retries)
        await sleep(Math.min(policy.maxTimeout, policy.minTimeout * policy.factor ** attempt));
    }
  }
  throw lastError;
}

export interface PostedWhere {
  channel: string;
  /** Set for a thread reply: the lookup reads the thread (conversations.replies). */
  threadTs?: string | undefined;
  key: string;
  since: Date;
}

/** Our message carrying `key`, posted since `since` (less a margin); null when there is none. */
export async function findPosted(
  client: WebClient,
  where: PostedWhere,
): Promise<{ channel: string; ts: string } | null> {
  const me = await botIdentity(client);
  const m = await findMessage(client, where, true, (m) => isOurs(m, me) && hasKey(m, where.key));
  return m?.ts ? { channel: where.channel, ts: m.ts } : null;
}

/** Pages back through the channel (or the thread) since `where.since` for the first message that matches. */
async function findMessage(
  client: WebClient,
  where: Omit<PostedWhere, 'key'>,
  withMetadata: boolean,
  matches: (m: LookedUpMessage) => boolean,
): Promise<LookedUpMessage | null> {
  const oldest = slackTs(where.since.getTime() - LOOKBACK_MARGIN_MS);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const common = {
      channel: where.channel,
      oldest,
      limit: PAGE_SIZE,
      ...(withMetadata ? { include_all_metadata: true } : {}),
      ...(cursor ? { cursor } : {}),
    };
    const res = where.threadTs
      ? await client.conversations.replies({ ...common, ts: where.threadTs })
      : await client.conversations.history(common);
    const found = ((res.messages ?? []) as LookedUpMessage[]).find((m) => m.ts && matches(m));
    if (found) return found;
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return null;
  }
  // Not in the last MAX_PAGES pages: so much was said since that posting is the lesser risk.
  return null;
}

interface LookedUpMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
  files?: { id?: string; name?: string; title?: string }[];
}

const isOurs = (m: LookedUpMessage, me: Identity): boolean => m.user === me.userId || m.bot_id === me.botId;

const hasKey = (m: LookedUpMessage, key: string): boolean =>
  m.metadata?.event_type === POST_EVENT_TYPE && m.metadata.event_payload?.key === key;

export interface UploadOnceArgs {
  channel: string;
  /** The thread the file is shared into; the lookup reads it. */
  threadTs: string;
  file: Buffer;
  /** Names the upload: files carry no metadata, so the name must be unique within the thread. */
  filename: string;
  title: string;
  altText: string;
  /** When the first attempt at this upload started. */
  since: Date;
  /** An earlier attempt may have shared the file: look in the thread before uploading. */
  resume: boolean;
}

export interface Uploaded {
  fileId: string;
  /** True when an earlier attempt's file was found in the thread and adopted instead of uploading. */
  adopted: boolean;
}

/**
 * The files upload flow (getUploadURLExternal, the upload, completeUploadExternal) for a file that must be
 * shared once. Only completeUploadExternal shares the file, and its answer can be lost like a post's;
 * the earlier steps are harmless to repeat, so a retry redoes the whole flow after looking in the
 * thread for a file of ours with this name.
 */
export async function uploadOnce(client: WebClient, args: UploadOnceArgs): Promise<Uploaded> {
  const { channel, threadTs, since, filename, title } = args;
  return callOnce<Uploaded>(client, {
    resume: args.resume,
    async call(shot) {
      const fileId = await uploadFile(shot, {
        channel,
        threadTs,
        file: args.file,
        filename,
        title,
        altText: args.altText,
      });
      return { fileId, adopted: false };
    },
    async find() {
      const me = await botIdentity(client);
      const named = (m: LookedUpMessage) =>
        (m.files ?? []).find((f) => f.id && (f.name === filename || f.title === title));
      const m = await findMessage(
        client,
        { channel, threadTs, since },
        false,
        (m) => isOurs(m, me) && !!named(m),
      );
      const fileId = m && named(m)?.id;
      return fileId ? { fileId, adopted: true } : null;
    },
  });
}

/**
 * The three steps of files.uploadV2, done here because web-api 8's uploadV2 sends the image's
 * description as `alt_text`, a name Slack ignores: files.getUploadURLExternal takes `alt_txt`
 * (https://docs.slack.dev/reference/methods/files.getUploadURLExternal).
 */
async function uploadFile(
  shot: WebClient,
  f: { channel: string; threadTs: string; file: Buffer; filename: string; title: string; altText: string },
): Promise<string> {
  const url = (await shot.apiCall('files.getUploadURLExternal', {
    filename: f.filename,
    length: f.file.length,
    alt_txt: f.altText,
  })) as { upload_url?: string; file_id?: string };
  if (!url.upload_url || !url.file_id) throw new Error('files.getUploadURLExternal returned no upload URL');
  const put = await fetch(url.upload_url, {
    method: 'POST',
    headers: { authorization: `Bearer ${shot.token}`, 'content-type': 'application/octet-stream' },
    body: f.file,
  }).catch((e: unknown) => {
    throw uploadError(`the file upload failed: ${e instanceof Error ? e.message : String(e)}`);
  });
  // Nothing is shared until completeUploadExternal, so a failed byte upload is simply tried again.
  if (put.status !== 200) throw uploadError(`the file upload answered HTTP ${put.status}`);
  const done = await shot.files.completeUploadExternal({
    files: [{ id: url.file_id, title: f.title }],
    channel_id: f.channel,
    thread_ts: f.threadTs,
  });
  const fileId = done.files?.[0]?.id;
  if (!fileId) throw new Error('files.completeUploadExternal returned no file id');
  return fileId;
}

/** A failed byte upload, coded like a request error so callOnce retries it. */
const uploadError = (message: string) => Object.assign(new Error(message), { code: ErrorCode.RequestError });

export interface Identity {
  userId?: string | undefined;
  botId?: string | undefined;
}
const identities = new WeakMap<WebClient, Promise<Identity>>();

/** The bot's own ids (auth.test), once per client; only lookups need them. */
export function botIdentity(client: WebClient): Promise<Identity> {
  let p = identities.get(client);
  if (!p) {
    p = client.auth.test().then((r) => ({ userId: r.user_id, botId: r.bot_id }));
    p.catch(() => identities.delete(client));
    identities.set(client, p);
  }
  return p;
}

const singleShots = new WeakMap<WebClient, WebClient>();

/** The fetch a WebClient was made with (WebClient keeps it private). */
function fetchOf(client: WebClient): WebClientOptions['fetch'] | undefined {
  return (client as unknown as { fetchFn?: WebClientOptions['fetch'] }).fetchFn;
}

/** The same token and API URL without the client's own retries, so each post is one decision here. */
function singleShot(client: WebClient): WebClient {
  let c = singleShots.get(client);
  if (!c) {
    // Reusing the client's fetch keeps the per-method 429 waits (rate-gate.ts) and counts each call
    // for GET /metrics.
    const fetchFn = fetchOf(client);
    c = new WebClient(client.token, {
      slackApiUrl: client.slackApiUrl,
      ...(fetchFn ? { fetch: fetchFn } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      // Failures are handled (and reported by the caller) here; the client's own warnings are noise.
      logLevel: LogLevel.ERROR,
    });
    singleShots.set(client, c);
  }
  return c;
}

/** The client's configured retry budget (production's bounded one, the harness's quick one). */
function retryPolicy(client: WebClient): RetryPolicy {
  // WebClient keeps retryConfig private; reading it keeps one policy for all calls.
  const cfg = (client as unknown as { retryConfig?: Partial<RetryPolicy> }).retryConfig ?? {};
  return {
    retries: cfg.retries ?? DEFAULT_POLICY.retries,
    factor: cfg.factor ?? DEFAULT_POLICY.factor,
    minTimeout: cfg.minTimeout ?? DEFAULT_POLICY.minTimeout,
    maxTimeout: cfg.maxTimeout ?? DEFAULT_POLICY.maxTimeout,
  };
}

/** A Slack message timestamp ("seconds.micros") for a time in milliseconds. */
export const slackTs = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(6);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
