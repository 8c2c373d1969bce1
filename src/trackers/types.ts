/**
 * The port every tracker adapter implements (github.ts, jira.ts, linear.ts). Adapters speak HTTP
 * with fetch and nothing else; what to create, when to retry and what to tell people is the
 * sync's business (queue.ts), so the three trackers behave the same from Slack.
 */

export type TrackerName = 'github' | 'jira' | 'linear';

export interface TicketDraft {
  title: string;
  /** Plain text, paragraphs separated by blank lines; each adapter turns it into its own format. */
  body: string;
  /** The backlink, also put in the body; adapters that know links (Jira ADF) make it one. */
  link: { text: string; url: string | null };
  /** The tracker's user (GitHub login, Jira accountId, Linear user id), from TRACKER_USERS. */
  assignee: string | null;
  /** YYYY-MM-DD; ignored by trackers without due dates (GitHub). */
  dueDate: string | null;
}

export interface TicketRef {
  /** The tracker's own id: GitHub issue number, Jira issue id, Linear issue UUID. */
  ref: string;
  /** What people read: #12, OPS-12, ENG-12. */
  key: string;
  url: string;
}

/** A ticket as the tracker sees it now (polling, webhooks). */
export interface RemoteTicket {
  ref: string;
  closed: boolean;
  assignee: string | null;
  /** undefined: the tracker has no due dates. */
  dueDate?: string | null;
  /**
   * Webhooks only: whether this delivery reports a change of the ticket's state (GitHub `reopened` /
   * `closed`, a Jira changelog item on `status`, Linear `updatedFrom.stateId`). A delivery about
   * something else (an assignee set before the close, arriving late) must not reopen a follow-up.
   * Undefined (a poll reads the ticket as it is now): the state is trusted as read.
   */
  stateChanged?: boolean;
  /**
   * The tracker's own time of what this tells: a webhook's event time (GitHub `issue.updated_at`,
   * Jira `timestamp`, Linear `data.updatedAt`), or a read's time of the ticket's last update.
   * A delivery older than the follow-up's last known state change is stale and ignored; a delivery
   * without it is checked against a fresh read before it may change anything.
   */
  at?: Date;
}

/** What `npm run doctor` reports about the tracker: its answer to the cheapest authenticated read. */
export interface TrackerCheck {
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What to change when it is not ok (never the token itself). */
  fix?: string;
}

export interface Tracker {
  readonly name: TrackerName;
  /** Shown to people: "GitHub", "Jira", "Linear". */
  readonly label: string;
  readonly hasDueDates: boolean;
  create(draft: TicketDraft): Promise<TicketRef>;
  /** Resolves to the tracker's time of the close when its answer says (GitHub, Linear), else undefined. */
  close(ref: string): Promise<Date | undefined>;
  /** Resolves to the tracker's time of the change when its answer says (GitHub, Linear), else undefined. */
  update(
    ref: string,
    fields: { assignee?: string | null; dueDate?: string | null },
  ): Promise<Date | undefined>;
  fetch(ref: string): Promise<RemoteTicket | null>;
  /**
   * A webhook delivery: null when its signature is wrong (the route answers 401), otherwise the
   * tickets it tells about (often none: an event this bot does not care about).
   */
  verifyWebhook(raw: string, headers: Record<string, string | undefined>, now: Date): RemoteTicket[] | null;
  /**
   * Reads, never writes: does the tracker accept the token, and can it see the configured
   * repository, project or team? A refusal is a result; an unreachable tracker throws TrackerError.
   */
  check(): Promise<TrackerCheck>;
}

/**
 * A tracker refused or failed. `retryable` says whether the same request may succeed later
 * (429, 5xx, network); `retryAfterMs` is the tracker's own hint when it gave one.
 */
export class TrackerError extends Error {
  override name = 'TrackerError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** The tracker said the ticket (or what a request referred to) does not exist. */
    readonly notFound = false,
  ) {
    super(message);
  }
}
