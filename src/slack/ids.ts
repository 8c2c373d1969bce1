/**
 * Every slash command, callback_id, action_id and block_id Firebreak uses, in one place.
 * manifest.yml and the registered listeners are checked against this file by a test.
 */
export const COMMAND = '/incident';

/** Shortcuts declared in manifest.yml (callback_id). */
export const SHORTCUT = {
  declareGlobal: 'declare_incident',
  declareFromMessage: 'declare_incident_from_message',
  addToTimeline: 'add_to_timeline',
} as const;

/** Modal callback_ids (view_submission). */
export const VIEW = {
  declare: 'declare_modal',
  update: 'status_update_modal',
  severity: 'severity_modal',
  pickIncident: 'pick_incident_modal',
  resolve: 'resolve_modal',
  rootCause: 'root_cause_modal',
  followUp: 'follow_up_modal',
  snooze: 'snooze_modal',
  followUpEdit: 'follow_up_edit_modal',
  editDetails: 'edit_details_modal',
} as const;

/** Button and select action_ids. */
export const ACTION = {
  acknowledge: 'incident_acknowledge',
  openUpdate: 'incident_open_update',
  openSeverity: 'incident_open_severity',
  openEditDetails: 'incident_open_edit_details',
  openResolve: 'incident_open_resolve',
  retrySetup: 'incident_retry_setup',
  openChannel: 'incident_open_channel',
  homeDeclare: 'home_declare',
  timelinePage: 'timeline_page',
  openRootCause: 'root_cause_open',
  followUpDone: 'follow_up_done',
  followUpSnooze: 'follow_up_snooze',
  followUpEdit: 'follow_up_edit',
  followUpTicket: 'follow_up_ticket',
  recurrenceSame: 'recurrence_same',
  recurrenceUnrelated: 'recurrence_unrelated',
  recurrenceJoin: 'recurrence_join',
  /** Alert triage card (src/alerts/slack/). */
  alertDeclare: 'alert_declare',
  alertAttach: 'alert_attach',
  alertDismiss: 'alert_dismiss',
  /** In an incident channel: an alert came in above the incident's severity (value `<incident id>:<n>`). */
  alertRaiseSeverity: 'alert_raise_severity',
  /** The Postmortem button on the resolution message: the postmortem canvas. */
  postmortemCanvas: 'postmortem_canvas',
  /** Offered when the canvas is refused: the same draft as a Markdown file. */
  postmortemExport: 'postmortem_export',
} as const;

/** Modal input block_ids (also the keys of inline `errors`) and their element action_ids. */
export const BLOCK = {
  title: 'title',
  severity: 'severity',
  services: 'services',
  /** Free-form services typed in the declare modal, beside the select of known ones. */
  servicesNew: 'services_new',
  description: 'description',
  lead: 'lead',
  private: 'private',
  startedAt: 'started_at',
  status: 'status',
  updateText: 'update_text',
  incident: 'incident',
  resolution: 'resolution',
  rootCause: 'root_cause',
  rootCauseUnknown: 'root_cause_unknown',
  category: 'category',
  factors: 'factors',
  resolvedAt: 'resolved_at',
  followUpText: 'follow_up_text',
  followUpOwner: 'follow_up_owner',
  followUpDue: 'follow_up_due',
  snoozeUntil: 'snooze_until',
  summaryActions: 'summary_actions',
  /** Prefix: one block per shown recurrence match, `recurrence_match:<link id>`. */
  recurrenceMatch: 'recurrence_match',
  /** Prefix: the triage card's buttons, `alert_actions:<group id>`. */
  alertActions: 'alert_actions',
} as const;

/** Events API subscriptions (manifest bot_events) and the event types they deliver. */
export const BOT_EVENTS = [
  'app_home_opened',
  'reaction_added',
  'reaction_removed',
  'pin_added',
  'pin_removed',
  'message.channels',
  'message.groups',
  'member_joined_channel',
  'member_left_channel',
  'channel_archive',
  'group_archive',
] as const;
