import type { alertGroups, alerts } from '../db/schema.js';

/** The senders Firebreak takes alerts from; each is a path under /alerts/. */
export const ALERT_SOURCES = ['alertmanager', 'grafana', 'pagerduty', 'opsgenie', 'generic'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export type AlertStatus = 'firing' | 'resolved';

/** One alert as a sender described it, in Firebreak's terms (the parsers' output). */
export interface IncomingAlert {
  source: AlertSource;
  /** The sender's identity of the alert: the same value twice is the same alert. */
  fingerprint: string;
  status: AlertStatus;
  title: string;
  description: string;
  severity: string | null;
  service: string | null;
  labels: Record<string, string>;
  url: string | null;
  startsAt: Date;
  endsAt: Date | null;
  /** The sender's own grouping (Alertmanager's groupKey, a PagerDuty service …): one card per group. */
  groupKey: string | null;
  /**
   * A new severity for an alert already stored, not a firing event (Opsgenie's UpdatePriority): it
   * re-rates a stored alert that is still firing and never creates, fires again or resolves one.
   */
  reRateOnly?: boolean;
}

/** What a payload held: alerts, or a reason it held none worth storing (a ping, an ack). */
export interface ParsedPayload {
  alerts: IncomingAlert[];
  ignored?: string;
}

export type Alert = typeof alerts.$inferSelect;
export type AlertGroup = typeof alertGroups.$inferSelect;

/** A payload Firebreak cannot read: the message says which field and why (HTTP 400). */
export class PayloadError extends Error {
  override name = 'PayloadError';
}

/** Longest text kept per field: alert bodies can be huge, a card shows far less. */
export const ALERT_TITLE_MAX = 300;
export const ALERT_DESCRIPTION_MAX = 3000;
export const LABELS_MAX = 50;
export const LABEL_VALUE_MAX = 500;
