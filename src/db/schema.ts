import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The whole data model of Firebreak. Times are UTC, stored as epoch milliseconds.
 * Change it only together with `npm run db:generate`; a test compares it with migrations/.
 */
const ms = (name: string) => integer(name, { mode: 'timestamp_ms' });
const bool = (name: string) => integer(name, { mode: 'boolean' });
const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const incidents = sqliteTable(
  'incidents',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /**
     * The human number: INC-<number>, in declaration order. Imported incidents live in a separate,
     * negative space (-1, -2, …) so history never uses up INC numbers; they are shown by
     * `external_key` instead, and the next INC is max(number) over the positive ones.
     */
    number: integer('number').notNull().unique(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    /** 1 (most severe) … 4. */
    severity: integer('severity').notNull(),
    /** investigating | identified | monitoring | resolved | closed */
    status: text('status').notNull().default('investigating'),
    isPrivate: bool('is_private').notNull().default(false),
    services: text('services', { mode: 'json' }).$type<string[]>().notNull().default([]),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default([]),
    channelId: text('channel_id'),
    channelName: text('channel_name'),
    /** The pinned summary message in the incident channel, edited in place. */
    summaryTs: text('summary_ts'),
    announcementChannel: text('announcement_channel'),
    announcementTs: text('announcement_ts'),
    /** Set when channel setup failed after the incident was stored; cleared on success. */
    setupError: text('setup_error'),
    declaredBy: text('declared_by').notNull(),
    leadId: text('lead_id'),
    /** The message an incident was declared from (message shortcut). */
    sourceChannel: text('source_channel'),
    sourceTs: text('source_ts'),
    sourcePermalink: text('source_permalink'),
    startedAt: ms('started_at').notNull(),
    declaredAt: ms('declared_at').notNull(),
    acknowledgedAt: ms('acknowledged_at'),
    mitigatedAt: ms('mitigated_at'),
    resolvedAt: ms('resolved_at'),
    closedAt: ms('closed_at'),
    archivedAt: ms('archived_at'),
    rootCauseSummary: text('root_cause_summary'),
    rootCauseCategory: text('root_cause_category'),
    contributingFactors: text('contributing_factors', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default([]),
    /** Resolved with "not known yet": the lead is reminded until a root cause is written. */
    rootCausePending: bool('root_cause_pending').notNull().default(false),
    resolutionSummary: text('resolution_summary'),
    imported: bool('imported').notNull().default(false),
    /**
     * Dedupe key of an imported record, for idempotent re-imports: `<source>:<key>` (the Firebreak
     * format keeps its bare `id`, as before).
     */
    externalId: text('external_id').unique(),
    /** Where an imported incident came from: jira | pagerduty | opsgenie | incident-io | firebreak. */
    importSource: text('import_source'),
    /** Its key in that tool (OPS-123, PD #4711, INC-88), shown instead of an INC number. */
    externalKey: text('external_key'),
    /** Its page in that tool (http/https only), linked from warnings and digests. */
    externalUrl: text('external_url'),
    createdAt: ms('created_at').notNull().default(now),
    updatedAt: ms('updated_at').notNull().default(now),
  },
  (t) => [
    index('incidents_status_idx').on(t.status),
    index('incidents_declared_idx').on(t.declaredAt),
    index('incidents_resolved_idx').on(t.resolvedAt),
    uniqueIndex('incidents_channel_idx').on(t.channelId),
  ],
);

export const incidentRoles = sqliteTable(
  'incident_roles',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    /** comms | scribe (the lead lives on incidents.lead_id) */
    role: text('role').notNull(),
    userId: text('user_id').notNull(),
    assignedBy: text('assigned_by').notNull(),
    assignedAt: ms('assigned_at').notNull(),
  },
  (t) => [uniqueIndex('incident_roles_unique').on(t.incidentId, t.role)],
);

export const timelineEvents = sqliteTable(
  'timeline_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    /** declared | acknowledged | status | severity | role | lead | renamed | update | note | message |
     *  resolved | reopened | closed | root_cause | follow_up | recurrence | … */
    kind: text('kind').notNull(),
    text: text('text').notNull().default(''),
    authorId: text('author_id'),
    /** Structured detail of a change: { from, to, … }. */
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
    sourceChannel: text('source_channel'),
    sourceTs: text('source_ts'),
    permalink: text('permalink'),
    files: text('files', { mode: 'json' }).$type<string[]>().notNull().default([]),
    /** When it happened (a message's own time, a backdated note's time). */
    occurredAt: ms('occurred_at').notNull(),
    /** When Firebreak stored it. */
    recordedAt: ms('recorded_at').notNull(),
    /** Deduplicates captures: `msg:<channel>:<ts>` for a Slack message. */
    sourceKey: text('source_key'),
    /** How it was captured: shortcut | reaction | pin | command | auto | declare */
    capturedVia: text('captured_via'),
    redacted: bool('redacted').notNull().default(false),
    editedAt: ms('edited_at'),
    /** Unpinned / reaction removed / message deleted: kept, marked removed. */
    removedAt: ms('removed_at'),
    removedReason: text('removed_reason'),
  },
  (t) => [
    index('timeline_incident_idx').on(t.incidentId, t.occurredAt),
    uniqueIndex('timeline_source_unique').on(t.incidentId, t.sourceKey),
    index('timeline_source_idx').on(t.sourceChannel, t.sourceTs),
  ],
);

/** Earlier versions of a timeline entry's text: every edit and deletion keeps what was there. */
export const timelineEdits = sqliteTable(
  'timeline_edits',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    eventId: integer('event_id')
      .notNull()
      .references(() => timelineEvents.id, { onDelete: 'cascade' }),
    /** edited | deleted | removed */
    change: text('change').notNull(),
    previousText: text('previous_text').notNull(),
    changedAt: ms('changed_at').notNull(),
    changedBy: text('changed_by'),
  },
  (t) => [index('timeline_edits_event_idx').on(t.eventId)],
);

export const followUps = sqliteTable(
  'follow_ups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    ownerId: text('owner_id'),
    /** Calendar date YYYY-MM-DD, read in the owner's time zone. */
    dueDate: text('due_date'),
    /** open | done | cancelled */
    status: text('status').notNull().default('open'),
    createdBy: text('created_by').notNull(),
    createdAt: ms('created_at').notNull(),
    doneAt: ms('done_at'),
    doneBy: text('done_by'),
    snoozedUntil: text('snoozed_until'),
    /** Deduplicates follow-ups made from a message (`:fast_forward:`). */
    sourceKey: text('source_key'),
    sourceChannel: text('source_channel'),
    sourceTs: text('source_ts'),
    /** The follow-up's ticket in the configured tracker (src/trackers): github | jira | linear. */
    ticketTracker: text('ticket_tracker'),
    /** The tracker's own id (GitHub issue number, Jira issue id, Linear issue UUID). */
    ticketRef: text('ticket_ref'),
    /** What people read: #12, OPS-12, ENG-12. */
    ticketKey: text('ticket_key'),
    ticketUrl: text('ticket_url'),
    /** open | closed: the ticket's state as last written or read, so echoes are not sent back. */
    ticketState: text('ticket_state'),
    /** The tracker's assignee and due date as last written or read (loop guard, like ticketState). */
    ticketAssignee: text('ticket_assignee'),
    ticketDue: text('ticket_due'),
    /**
     * The tracker's own time up to which ticketState is known to be current (the latest state change
     * or read applied): a webhook delivery older than this is stale, so it cannot undo a newer change.
     */
    ticketStateAt: ms('ticket_state_at'),
    /**
     * The same for ticketAssignee and ticketDue: the tracker's time up to which they are known (the
     * latest delivery, read or own update applied), so a late delivery cannot undo a newer owner or
     * due date. Separate from ticketStateAt: one delivery can be stale about one and news about the other.
     */
    ticketFieldsAt: ms('ticket_fields_at'),
  },
  (t) => [
    index('follow_ups_ticket_idx').on(t.ticketTracker, t.ticketRef),
    index('follow_ups_incident_idx').on(t.incidentId),
    index('follow_ups_owner_idx').on(t.ownerId, t.status),
    uniqueIndex('follow_ups_source_unique').on(t.incidentId, t.sourceKey),
  ],
);

/** One row per reminder slot, claimed before sending, so no slot is sent twice, even across restarts. */
export const reminders = sqliteTable(
  'reminders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** root_cause | follow_up */
    kind: text('kind').notNull(),
    subjectId: integer('subject_id').notNull(),
    /** The local date (YYYY-MM-DD) in the recipient's time zone the reminder is for. */
    slot: text('slot').notNull(),
    userId: text('user_id').notNull(),
    /** claimed | sent | failed */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    claimedAt: ms('claimed_at').notNull(),
    sentAt: ms('sent_at'),
    messageTs: text('message_ts'),
  },
  (t) => [uniqueIndex('reminders_slot_unique').on(t.kind, t.subjectId, t.slot)],
);

export const recurrenceLinks = sqliteTable(
  'recurrence_links',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The newer incident (the one the warning was shown in). */
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    /** The earlier (or concurrently open) incident it resembles. */
    relatedId: integer('related_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    score: real('score').notNull(),
    /** warning | possible | open_duplicate | root_cause | manual */
    level: text('level').notNull(),
    explanation: text('explanation', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    shownAt: ms('shown_at'),
    messageChannel: text('message_channel'),
    messageTs: text('message_ts'),
    /** same | unrelated | null */
    feedback: text('feedback'),
    feedbackBy: text('feedback_by'),
    feedbackAt: ms('feedback_at'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('recurrence_pair_unique').on(t.incidentId, t.relatedId),
    index('recurrence_related_idx').on(t.relatedId),
  ],
);

/**
 * Events API inbox: an event id is stored (with its payload) before the 2xx goes out,
 * so a Slack retry is processed once and a crash mid-work is resumed at start-up.
 */
export const slackEvents = sqliteTable(
  'slack_events',
  {
    eventId: text('event_id').primaryKey(),
    type: text('type').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** pending | done | failed */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    receivedAt: ms('received_at').notNull(),
    processedAt: ms('processed_at'),
  },
  (t) => [index('slack_events_status_idx').on(t.status)],
);

/**
 * Slack side effects that must happen exactly once (create a channel, post the announcement …),
 * keyed so that a retry resumes rather than repeats, with their outcome recorded.
 */
export const effects = sqliteTable(
  'effects',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull().unique(),
    incidentId: integer('incident_id').references(() => incidents.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    /** pending | done | failed */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    result: text('result', { mode: 'json' }).$type<Record<string, unknown>>(),
    lastError: text('last_error'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [index('effects_status_idx').on(t.status)],
);

/** One row per digest week (the Monday it starts, in DIGEST_TZ), claimed before posting. */
export const digestRuns = sqliteTable('digest_runs', {
  weekStart: text('week_start').primaryKey(),
  /** claimed | posted | failed */
  status: text('status').notNull(),
  attempts: integer('attempts').notNull().default(0),
  claimedAt: ms('claimed_at').notNull(),
  /** A claim older than this lease can be taken over (the claimer died). */
  leaseUntil: ms('lease_until').notNull(),
  postedAt: ms('posted_at'),
  channel: text('channel'),
  ts: text('ts'),
  lastError: text('last_error'),
});

/** What Slack told us about people: time zone and name, refreshed now and then. */
export const slackUsers = sqliteTable('slack_users', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  tz: text('tz').notNull().default('UTC'),
  isBot: bool('is_bot').notNull().default(false),
  fetchedAt: ms('fetched_at').notNull(),
  /** The handle (`name` in users.list) and real name, for resolving a typed `@alice` or `Alice Archer`. */
  handle: text('handle'),
  realName: text('real_name'),
  /** Set on every row of one complete users.list walk (all the same value): the directory's age. */
  listedAt: ms('listed_at'),
});

/**
 * Alerts from monitoring (POST /alerts/*), grouped into one triage card per storm: a group is what
 * a Slack card shows, and what Declare / Attach / Dismiss act on (src/alerts/).
 */
export const alertGroups = sqliteTable(
  'alert_groups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Sender and its grouping (Alertmanager's groupKey, the PagerDuty service …) and the route. */
    groupKey: text('group_key').notNull(),
    source: text('source').notNull(),
    /** The route that matched the group's first alert (its name in ALERT_ROUTES), null = default. */
    routeName: text('route_name'),
    channel: text('channel').notNull(),
    severity: integer('severity').notNull(),
    services: text('services', { mode: 'json' }).$type<string[]>().notNull().default([]),
    autoDeclare: bool('auto_declare').notNull().default(false),
    /** The triage card, once posted; edited in place after. */
    cardChannel: text('card_channel'),
    cardTs: text('card_ts'),
    /**
     * When the first attempt to post the card began, written before it called Slack. Set while
     * `cardTs` is not: an attempt may have posted (its answer lost, or the process died before the
     * ts was saved), so the next one looks for that card before posting.
     */
    cardPostStartedAt: ms('card_post_started_at'),
    /** Bumped on every change; the card shows `renderedVersion`, and is due while the two differ. */
    version: integer('version').notNull().default(1),
    renderedVersion: integer('rendered_version').notNull().default(0),
    incidentId: integer('incident_id').references(() => incidents.id, { onDelete: 'set null' }),
    /** declared | attached | auto (how the group reached its incident) */
    handledVia: text('handled_via'),
    handledBy: text('handled_by'),
    dismissedUntil: ms('dismissed_until'),
    dismissedBy: text('dismissed_by'),
    /** The last time the card failed to post or update, and why (retried on the next change). */
    cardError: text('card_error'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    index('alert_groups_key_idx').on(t.groupKey, t.updatedAt),
    index('alert_groups_incident_idx').on(t.incidentId),
    index('alert_groups_due_idx').on(t.version, t.renderedVersion),
  ],
);

export const alerts = sqliteTable(
  'alerts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** alertmanager | grafana | pagerduty | opsgenie | generic */
    source: text('source').notNull(),
    /** The sender's own identity of the alert (fingerprint, dedup key, alias): one row per value. */
    fingerprint: text('fingerprint').notNull(),
    /** firing | resolved */
    status: text('status').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    severity: text('severity'),
    service: text('service'),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull().default({}),
    url: text('url'),
    /** When the current episode started (the sender's time), and when it resolved. */
    startsAt: ms('starts_at').notNull(),
    endsAt: ms('ends_at'),
    /** How many times it has fired (re-firing after a resolve counts again). */
    fireCount: integer('fire_count').notNull().default(1),
    groupId: integer('group_id')
      .notNull()
      .references(() => alertGroups.id),
    incidentId: integer('incident_id').references(() => incidents.id, { onDelete: 'set null' }),
    firstSeenAt: ms('first_seen_at').notNull(),
    lastSeenAt: ms('last_seen_at').notNull(),
  },
  (t) => [
    uniqueIndex('alerts_fingerprint_unique').on(t.source, t.fingerprint),
    index('alerts_group_idx').on(t.groupId, t.status),
    index('alerts_incident_idx').on(t.incidentId, t.status),
  ],
);

/**
 * The Slack canvas holding an incident's postmortem (/incident postmortem): a second run edits this
 * canvas instead of making another. `kind` is `channel` (the incident channel's own canvas) or
 * `tabbed` (a canvas tabbed in the channel, when the channel already had a canvas of its own).
 */
export const postmortemCanvases = sqliteTable('postmortem_canvases', {
  incidentId: integer('incident_id')
    .primaryKey()
    .references(() => incidents.id, { onDelete: 'cascade' }),
  canvasId: text('canvas_id').notNull(),
  channelId: text('channel_id').notNull(),
  kind: text('kind').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
});

/**
 * Work for the tracker (src/trackers/store.ts, sync.ts): create, close, update a follow-up's ticket. Stored
 * before anything is sent and retried with backoff, so a tracker outage or a restart loses nothing.
 */
export const trackerOps = sqliteTable(
  'tracker_ops',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    followUpId: integer('follow_up_id')
      .notNull()
      .references(() => followUps.id, { onDelete: 'cascade' }),
    /** create | close | update */
    action: text('action').notNull(),
    /** pending | done | gave_up */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAt: ms('next_at').notNull(),
    lastError: text('last_error'),
    /** Who is told about failures and the final outcome (a Slack user ID). */
    requestedBy: text('requested_by'),
    /** Tell requestedBy when it succeeds (the Create ticket button), not only when it failed first. */
    announce: bool('announce').notNull().default(false),
    /** The person was told it failed; tell them again when it finally succeeds. */
    failureNoticed: bool('failure_noticed').notNull().default(false),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    index('tracker_ops_due_idx').on(t.status, t.nextAt),
    index('tracker_ops_follow_up_idx').on(t.followUpId),
  ],
);

/** Singleton (id 1): how far the tracker sync has read the timeline (its outbox) and when it last polled. */
export const trackerCursor = sqliteTable('tracker_cursor', {
  id: integer('id').primaryKey(),
  timelineId: integer('timeline_id').notNull(),
  polledAt: ms('polled_at'),
});
