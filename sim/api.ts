import type { Clock } from '../src/runtime/clock.js';
import type { CanvasPrefs, SimCanvas } from './canvases.js';
import type {
  AnyBlock,
  CallRecord,
  Fault,
  SendResult,
  SimBookmark,
  SimChannel,
  SimEphemeral,
  SimFile,
  SimMessage,
  SimUser,
  SimView,
} from './types.js';

/**
 * The interfaces of the simulator's three parts. Tests program against these; the classes in
 * web-api.ts, sender.ts and person.ts implement them.
 */

/** Workspace fixture ids (tests use these). */
export const WS = {
  team: 'T0FIREBRK',
  teamDomain: 'firebreak-sim',
  appId: 'A0FIREBRK',
  botUser: 'U0FIREBRK',
  botId: 'B0FIREBRK',
  users: { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL', dave: 'U0DAVE' },
  /**
   * People Slack refuses to add to a channel (conversations.invite): a multi-channel guest, a
   * single-channel guest already in #random, and a deactivated account. Kept apart from `users`
   * (the full members every channel starts with).
   */
  refused: { gina: 'U0GINA', sam: 'U0SAM', rex: 'U0REX' },
  channels: { general: 'C0GENERAL', announce: 'C0ANNOUNCE', digest: 'C0DIGEST', random: 'C0RANDOM' },
} as const;

export interface FaultOptions {
  /** How many matching calls the fault hits (default 1). */
  times?: number;
  /** Only calls whose arguments (as parsed, token removed) satisfy this are hit. */
  when?: (args: Record<string, unknown>) => boolean;
}

export interface SimulatorOptions {
  /** Source of message ts / event_time (the harness passes the bot's FakeClock). Default: system clock. */
  clock?: Clock;
  /** Bot token the Web API accepts. Default `xoxb-firebreak-sim`. */
  token?: string;
  /** Path of manifest.yml whose bot scopes the token has. Default: the repo's manifest.yml. */
  manifestPath?: string;
  /** Override the granted scopes (tests of missing_scope). */
  scopes?: string[];
  /** How long a trigger_id stays valid, real milliseconds. Default 3000 (Slack's). */
  triggerTtlMs?: number;
  /**
   * Enforce Slack's per-method rate tiers (sim/rate-limits.ts): over its limit a call gets
   * HTTP 429 with Retry-After. Off by default, so tests that replay hours of Slack traffic in seconds
   * keep running; `{ timeScale: 10 }` plays Slack's minute ten times faster. `onClock: true` measures
   * Slack's minute on the simulator's `clock` (a test's FakeClock) instead of on real time, so whether
   * a burst exceeds a tier does not depend on the machine's speed; Retry-After is then the Slack wait
   * ÷ timeScale in real seconds (see RateLimitOptions.slackNow).
   */
  rateLimits?: boolean | { timeScale?: number; onClock?: boolean };
  /**
   * A 429 fault's Retry-After is kept on `clock`: until that many seconds have passed on it, calls of
   * the method (of chat.postMessage: into that channel) are refused again with the time still to
   * wait, so a bot that does not wait is caught. For tests whose bot waits Retry-After out on the same
   * clock (StackOptions.slackWaitsOnClock); a bot waiting in real time would be refused forever.
   */
  retryAfterOnClock?: boolean;
  /** Override a slash command's manifest `should_escape` (tests of both settings), e.g. `[['/incident', false]]`. */
  commandEscape?: [string, boolean][];
  /** Workspace preferences (what a Workspace Owner set in Settings & permissions). */
  prefs?: Partial<WorkspacePrefs>;
  /**
   * How long after files.completeUploadExternal has answered its share message appears, real
   * milliseconds. Default 1: Slack processes uploads asynchronously; a test that checks the share is
   * not there yet sets a longer delay, so a loaded machine cannot run the share before the check.
   */
  uploadShareDelayMs?: number;
}

export interface WorkspacePrefs extends CanvasPrefs {
  /**
   * Channel management restricts who can create channels, and the bot user is not among them:
   * conversations.create answers `restricted_action`. Default false.
   */
  restrictChannelCreation: boolean;
}

export interface PostAsUserOptions {
  thread_ts?: string;
  /** Files shared with the message (subtype file_share). */
  files?: { name: string; content: string | Buffer; title?: string }[];
}

/** The local Slack: Web API server, workspace state, and the people's side of things. */
export interface Simulator {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** `http://127.0.0.1:<port>/api/` — the bot's SLACK_API_URL. */
  readonly apiUrl: string;
  readonly token: string;
  readonly clock: Clock;

  // --- fault injection and the call log ---
  /** The next `times` (default 1) calls of `method` (or '*') fail/slow down as described. */
  fault(method: string, fault: Fault, opts?: FaultOptions): void;
  clearFaults(): void;
  /** Every Web API call so far (optionally of one method), oldest first. */
  calls(method?: string): CallRecord[];
  /** Forget the call log (not the workspace). */
  clearCalls(): void;
  /** Web API / upload / response_url requests currently being handled. */
  readonly inFlight: number;

  // --- inspection: what people would see ---
  user(id: string): SimUser | undefined;
  /** By id (`C0…`) or by name (`inc-4-checkout`, with or without `#`). */
  channel(idOrName: string): SimChannel | undefined;
  channels(): SimChannel[];
  members(channel: string): string[];
  topic(channel: string): string;
  purpose(channel: string): string;
  /** Pinned messages of a channel, in pin order. */
  pins(channel: string): SimMessage[];
  bookmarks(channel: string): SimBookmark[];
  /** Top-level messages (not thread replies), oldest first; deleted ones only with includeDeleted. */
  messages(channel: string, opts?: { includeDeleted?: boolean }): SimMessage[];
  /** Latest top-level message of a channel. */
  lastMessage(channel: string): SimMessage | undefined;
  /** A message (top-level or reply) by ts. */
  message(channel: string, ts: string): SimMessage | undefined;
  /** Replies in a thread (without the parent), oldest first. */
  replies(channel: string, threadTs: string): SimMessage[];
  /** Ephemerals shown to a person (optionally in one channel), oldest first. */
  ephemerals(user: string, channel?: string): SimEphemeral[];
  /** Messages the bot sent a person by DM (chat.postMessage with channel = user id or DM id). */
  dms(user: string): SimMessage[];
  /** The modal stack open on a person's screen, bottom first (≤ 3). */
  views(user: string): SimView[];
  /** The top modal on a person's screen. */
  topView(user: string): SimView | undefined;
  /** The App Home the bot published for a person. */
  home(user: string): SimView | undefined;
  /** A canvas by id (not deleted): its Markdown, title, channel and access (sim/canvases.ts). */
  canvas(id: string): SimCanvas | undefined;
  /** Every canvas, or those shared with a channel (its channel canvas and canvases tabbed there). */
  canvases(channel?: string): SimCanvas[];
  /** The channel canvas of a channel (conversations.canvases.create), if any. */
  channelCanvas(channel: string): SimCanvas | undefined;
  /** Whether a person could open a canvas: its creator, people granted access, members of channels granted it. */
  canOpenCanvas(id: string, user: string): boolean;
  /** Every uploaded file (completed uploads only). */
  files(channel?: string): SimFile[];
  /** Plain-text rendering of a channel as a person sees it, mentions resolved (the demo; failure messages). */
  render(channel: string): string;
  /**
   * Text of any blocks, one line per block (headers `== … ==`, buttons `[Label]`). mrkdwn is kept raw
   * (`<@U0BOB>`, `<#C…>`, `&lt;`) so tests can assert on what the bot sent; `resolve` shows it as a person
   * would read it (`@bob`, `#inc-1-…`).
   */
  renderBlocks(blocks: readonly AnyBlock[] | undefined, fallbackText?: string, resolve?: boolean): string;

  // --- what people do (events reach the bot when it is subscribed and a member) ---
  /**
   * `text` is what the person types; Slack stores and sends it encoded (`&amp;`, `<@U…>` for `@bob`,
   * `<#C…|name>`, `<https://…>`, `[label](https://…)` as `<https://…|label>`) with a `rich_text`
   * block that keeps the characters as typed (sim/typing.ts).
   */
  postAsUser(user: string, channel: string, text: string, opts?: PostAsUserOptions): Promise<SimMessage>;
  editAsUser(user: string, channel: string, ts: string, text: string): Promise<SimMessage>;
  deleteAsUser(user: string, channel: string, ts: string): Promise<void>;
  react(user: string, channel: string, ts: string, name: string): Promise<void>;
  unreact(user: string, channel: string, ts: string, name: string): Promise<void>;
  pin(user: string, channel: string, ts: string): Promise<void>;
  unpin(user: string, channel: string, ts: string): Promise<void>;
  /** A person joins (or is added to) a channel: member_joined_channel. */
  join(user: string, channel: string, inviter?: string): Promise<void>;
  leave(user: string, channel: string): Promise<void>;
  /** A person archives a channel: channel_archive (group_archive for a private channel). */
  archiveAsUser(user: string, channel: string): Promise<void>;
  /** A person unarchives a channel: channel_unarchive (group_unarchive for a private channel). */
  unarchiveAsUser(user: string, channel: string): Promise<void>;
  /** A person opens the bot's Home tab: app_home_opened. */
  openHome(user: string): Promise<void>;
  /** A fresh trigger_id for this person (the sender issues one per command/shortcut/action). */
  issueTrigger(user: string): string;
  /** Makes every trigger_id issued so far expired (tests of expired_trigger_id without waiting 3 s). */
  expireTriggers(): void;

  /** Where events are delivered (the harness connects the sender). */
  connect(deliver: (event: Record<string, unknown>) => Promise<unknown>): void;
  close(): Promise<void>;
}

export interface CommandResult extends SendResult {
  /** The ephemeral text the person saw as the command's answer (ack body or first response_url post). */
  reply?: SimEphemeral;
}

export interface ViewResult extends SendResult {
  /** Inline errors when the bot answered `response_action: 'errors'`, keyed by block_id. */
  errors?: Record<string, string>;
  /** `response_action` the bot answered with, if any. */
  responseAction?: string;
}

export interface SendOptions {
  /** Override the signature (forged) or `null` to send none. */
  signature?: string | null;
  /** Override X-Slack-Request-Timestamp (seconds); default real now. */
  timestamp?: number;
  /** Skip the 3-second check (for tests that expect a slow or failing answer). */
  allowSlow?: boolean;
}

export interface EventOptions extends SendOptions {
  /** Reuse an event_id (retries). Default: a fresh one. */
  eventId?: string;
  /** Sets X-Slack-Retry-Num (1..3) and X-Slack-Retry-Reason. */
  retryNum?: number;
  retryReason?: string;
}

/**
 * Delivers to the bot what Slack delivers, signed with v0 HMAC. Every answer is timed; one slower
 * than 3 s throws (Slack would have shown an error / retried) unless `allowSlow`.
 */
export interface Sender {
  readonly botUrl: string;
  /** `/incident <text>` (or another command) typed by `user` in `channel`. */
  command(
    user: string,
    channel: string,
    text: string,
    opts?: SendOptions & { command?: string },
  ): Promise<CommandResult>;
  globalShortcut(user: string, callbackId: string, opts?: SendOptions): Promise<SendResult>;
  messageShortcut(
    user: string,
    channel: string,
    messageTs: string,
    callbackId: string,
    opts?: SendOptions,
  ): Promise<SendResult>;
  /** A block_actions payload for one action in a message (channel+ts) or a view (viewId). */
  blockAction(
    user: string,
    where: { channel: string; ts: string; ephemeral?: boolean } | { viewId: string },
    action: Record<string, unknown>,
    opts?: SendOptions,
  ): Promise<SendResult>;
  /** Submits the person's top view with its current state. Applies the response_action to the screen. */
  viewSubmission(user: string, view: SimView, opts?: SendOptions): Promise<ViewResult>;
  viewClosed(user: string, view: SimView, opts?: SendOptions): Promise<SendResult>;
  /** An Events API envelope around `event`. */
  event(event: Record<string, unknown>, opts?: EventOptions): Promise<SendResult & { eventId: string }>;
  /** `url_verification` handshake. */
  urlVerification(challenge: string, opts?: SendOptions): Promise<SendResult>;
  /** Anything, signed (unless opts.signature says otherwise), with an exact content type. */
  raw(
    body: string,
    contentType: string,
    opts?: SendOptions & { headers?: Record<string, string> },
  ): Promise<SendResult>;
}

/** What a person types into a modal input, by element type. */
export type FillValue =
  /** plain_text_input/number/email/url: the text; selects/radios: option text or value; users_select: U… id or name; datepicker 'YYYY-MM-DD'; timepicker 'HH:mm' */
  | string
  /** multi selects / checkboxes: option texts or values; multi_users_select: ids or names */
  | string[]
  /** a single checkbox: ticked or not */
  | boolean
  /** datetimepicker: the instant */
  | Date;

/** A simulated person: types commands, fills modals by their labels, clicks buttons by their text. */
export interface Person {
  readonly id: string;
  /** `/incident <text>` in a channel (default #general). */
  command(text: string, channel?: string): Promise<CommandResult>;
  shortcut(callbackId: string): Promise<SendResult>;
  messageShortcut(callbackId: string, channel: string, messageTs: string): Promise<SendResult>;
  say(channel: string, text: string, opts?: PostAsUserOptions): Promise<SimMessage>;
  reply(channel: string, threadTs: string, text: string): Promise<SimMessage>;
  edit(channel: string, ts: string, text: string): Promise<SimMessage>;
  delete(channel: string, ts: string): Promise<void>;
  react(channel: string, ts: string, name: string): Promise<void>;
  unreact(channel: string, ts: string, name: string): Promise<void>;
  pin(channel: string, ts: string): Promise<void>;
  unpin(channel: string, ts: string): Promise<void>;
  join(channel: string): Promise<void>;
  openHome(): Promise<void>;

  /** The modal on top of this person's screen; throws if none is open. */
  view(): SimView;
  /** True when a modal is open. */
  hasView(): boolean;
  /**
   * Fills the top modal's inputs by their label text (exact, case-insensitive; or block_id).
   * Throws when no input has that label or a value does not fit (unknown option, user, format).
   */
  fill(values: Record<string, FillValue>): this;
  /**
   * Submits the top modal like the Slack client: refuses (throws) when a required input is empty or
   * a text is shorter/longer than min/max_length; otherwise sends view_submission and shows the answer.
   */
  submit(): Promise<ViewResult>;
  fillAndSubmit(values: Record<string, FillValue>): Promise<ViewResult>;
  /** Closes the top modal (view_closed is sent only when notify_on_close). */
  closeView(): Promise<void>;
  /**
   * Clicks the button whose text matches (exact, case-insensitive; or its action_id). Where:
   * `'view'` (top modal), `'home'`, or a message `{ channel, ts }`; default: the newest message in
   * any channel, ephemeral or DM of this person that has such a button.
   */
  click(text: string, where?: 'view' | 'home' | { channel: string; ts: string }): Promise<SendResult>;
  /** Picks an option in a select/overflow of a message or view (dispatches block_actions). */
  choose(
    selectLabelOrActionId: string,
    option: string,
    where?: 'view' | 'home' | { channel: string; ts: string },
  ): Promise<SendResult>;

  /** What this person sees: ephemerals (optionally in a channel), the latest one, DMs, Home. */
  ephemerals(channel?: string): SimEphemeral[];
  lastEphemeral(channel?: string): SimEphemeral | undefined;
  dms(): SimMessage[];
  home(): SimView | undefined;
}
