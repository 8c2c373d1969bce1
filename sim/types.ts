/**
 * Public shapes of the local Slack simulator: what tests and the demo inspect. The Web API
 * answers with Slack's own shapes (keys of ../shared/slack/samples/api); these are the
 * simulator's records of what people would see.
 */

/** A Block Kit block as the bot sent it (validated, otherwise untyped). */
export type AnyBlock = Record<string, unknown> & { type: string; block_id?: string };

export interface SimUser {
  id: string;
  name: string;
  real_name: string;
  tz: string;
  tz_label: string;
  /** Seconds east of UTC (Slack's users.info `tz_offset`), computed for the simulator's clock. */
  tz_offset: number;
  is_bot: boolean;
  /** A multi-channel guest (users.info `is_restricted`). */
  is_restricted?: boolean;
  /** A single-channel guest (users.info `is_ultra_restricted`). */
  is_ultra_restricted?: boolean;
  /** A deactivated account (users.info `deleted`). */
  deleted?: boolean;
}

export interface SimReaction {
  name: string;
  users: string[];
}

export interface SimFile {
  id: string;
  name: string;
  title: string;
  filetype: string;
  mimetype: string;
  size: number;
  /** The uploaded bytes, exactly as received. */
  bytes: Buffer;
  /** The uploader (the bot's user id for files.uploadV2). */
  user: string;
  created: number;
  channels: string[];
  permalink: string;
  url_private: string;
  /** Screen-reader description given to files.getUploadURLExternal as `alt_txt`. */
  alt_txt?: string;
}

/** One version of a message, kept when it is edited. */
export interface SimMessageVersion {
  text: string;
  blocks?: AnyBlock[];
  /** When this version was replaced (message ts format). */
  replacedAt: string;
}

export interface SimMessage {
  channel: string;
  ts: string;
  /** Author: a person's user id, or the bot's user id (U0FIREBRK) for the bot. */
  user: string;
  /** Set on messages the bot posted. */
  bot_id?: string;
  subtype?: string;
  text: string;
  blocks?: AnyBlock[];
  /** Set on thread replies (and on a thread's parent once it has replies, as Slack does). */
  thread_ts?: string;
  reply_broadcast?: boolean;
  files?: SimFile[];
  reactions: SimReaction[];
  edited?: { user: string; ts: string };
  /** Earlier versions, oldest first; empty when never edited. */
  history: SimMessageVersion[];
  deleted: boolean;
  /** Extra metadata passed to chat.postMessage, if any. */
  metadata?: unknown;
  /** Custom username / icon the bot posted with, if any. */
  username?: string;
}

/** Something only one person sees: chat.postEphemeral, a command's ack body, a response_url post. */
export interface SimEphemeral {
  user: string;
  channel: string;
  ts: string;
  text: string;
  blocks?: AnyBlock[];
  thread_ts?: string;
  source: 'chat.postEphemeral' | 'ack' | 'response_url';
  /** Set when a response_url post with replace_original replaced it. */
  replaced?: boolean;
}

export interface SimBookmark {
  id: string;
  channel_id: string;
  title: string;
  link: string;
  emoji: string;
  type: string;
  date_created: number;
}

export interface SimChannel {
  id: string;
  name: string;
  is_private: boolean;
  /** A direct-message conversation between the bot and `dmUser`. */
  is_im: boolean;
  dmUser?: string;
  is_archived: boolean;
  is_general: boolean;
  created: number;
  creator: string;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
  members: string[];
  /** ts of pinned messages, in pin order. */
  pins: string[];
  bookmarks: SimBookmark[];
  previous_names: string[];
}

export interface SimView {
  id: string;
  team_id: string;
  type: 'modal' | 'home';
  /** Whose screen it is on. */
  user: string;
  callback_id: string;
  external_id: string;
  title?: { type: 'plain_text'; text: string; emoji?: boolean };
  submit?: { type: 'plain_text'; text: string; emoji?: boolean };
  close?: { type: 'plain_text'; text: string; emoji?: boolean };
  blocks: AnyBlock[];
  private_metadata: string;
  notify_on_close: boolean;
  clear_on_close: boolean;
  submit_disabled: boolean;
  hash: string;
  root_view_id: string;
  previous_view_id: string | null;
  app_id: string;
  bot_id: string;
  app_installed_team_id: string;
  /** `view.state` as Slack sends it in view_submission; the simulated person fills it. */
  state: { values: Record<string, Record<string, StateValue>> };
  /** Inline errors from the last `response_action: 'errors'`, by block_id. */
  errors?: Record<string, string>;
}

/** One element's value in `view.state.values[block_id][action_id]`, per element type. */
export type StateValue = { type: string } & Record<string, unknown>;

/** Injected failure for one Web API method (or `*` for every method). */
export type Fault =
  | { status: 429; retryAfter?: number }
  | { status: 500 | 502 | 503 }
  /** The call takes effect, then the bot gets this HTTP status instead of the answer. */
  | { status: 500 | 502 | 503; afterEffect: true }
  /** The call takes effect, then the connection is closed without an answer. */
  | { dropAfterEffect: true }
  | { delayMs: number }
  | { error: string };

export interface CallRecord {
  method: string;
  /** Form fields as received, with JSON strings (blocks, view, files…) parsed. Token removed. */
  args: Record<string, unknown>;
  ok: boolean;
  error?: string;
  /** HTTP status the simulator answered with. */
  status: number;
  /** Milliseconds since the simulator started (real time). */
  at: number;
  /** With rate limits on the simulator's clock: Slack's time of the call, in that clock's ms. */
  slackAt?: number;
}

/** The answer the bot gave to one request the sender delivered. */
export interface SendResult {
  status: number;
  /** Raw response body. */
  body: string;
  /** Parsed JSON body when the bot answered JSON, else undefined. */
  json?: unknown;
  /** Wall-clock milliseconds until the answer. */
  ms: number;
}
