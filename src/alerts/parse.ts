import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  ALERT_DESCRIPTION_MAX,
  ALERT_TITLE_MAX,
  type AlertSource,
  type IncomingAlert,
  LABEL_VALUE_MAX,
  LABELS_MAX,
  type ParsedPayload,
  PayloadError,
} from './model.js';

/**
 * One parser per sender, each reading that sender's documented webhook payload (the fixtures in
 * test/fixtures/<sender>/ are the docs' own samples). Unknown extra fields are allowed, as senders
 * add fields over time; missing or mistyped fields the alert needs are refused with their path.
 */

const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** Labels as a flat string map, bounded: a sender's label set is not a place to store a blob. */
function cleanLabels(raw: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === null || v === undefined || typeof v === 'object') continue;
    if (n++ >= LABELS_MAX) break;
    out[cut(k, 100)] = cut(String(v), LABEL_VALUE_MAX);
  }
  return out;
}

/** Go's zero time ("0001-01-01T00:00:00Z") is how Alertmanager and Grafana say "not ended". */
function optionalTime(raw: string | undefined | null, path: string): Date | null {
  if (!raw || raw.startsWith('0001-01-01')) return null;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) throw new PayloadError(`${path}: "${cut(raw, 40)}" is not an RFC 3339 time`);
  return d;
}

function requiredTime(raw: string, path: string): Date {
  const d = optionalTime(raw, path);
  if (!d) throw new PayloadError(`${path}: a start time is required`);
  return d;
}

/** The first thing zod refused, as "field.path: what was expected". */
function describe(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (!issue) return 'the payload is not valid';
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
  const where = [prefix, path].filter(Boolean).join('.');
  return `${where || 'body'}: ${issue.message}`;
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown, prefix = ''): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new PayloadError(describe(r.error, prefix));
  return r.data;
}

/** A stable identity for alerts that carry none (old Alertmanager versions): their sorted labels. */
export function labelFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
  return createHash('sha256').update(sorted).digest('hex').slice(0, 16);
}

const stringMap = z.record(z.string(), z.unknown());
const status = z.enum(['firing', 'resolved'], { error: 'expected "firing" or "resolved"' });

// Prometheus Alertmanager, webhook_config: "The Alertmanager will send HTTP POST requests in the
// following JSON format" (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
// Grafana's webhook contact point sends the same shape plus orgId, title, state, message
// (https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/).
const amAlert = z.looseObject({
  status,
  labels: stringMap,
  annotations: stringMap.optional(),
  startsAt: z.string({ error: 'expected an RFC 3339 time' }),
  endsAt: z.string().optional().nullable(),
  generatorURL: z.string().optional().nullable(),
  fingerprint: z.string().optional(),
  // Grafana's extras: links to the dashboard and panel.
  dashboardURL: z.string().optional().nullable(),
  panelURL: z.string().optional().nullable(),
});
const amPayload = z.looseObject({
  version: z.string().optional(),
  groupKey: z.string().optional(),
  status: status.optional(),
  receiver: z.string().optional(),
  alerts: z.array(amAlert, { error: 'expected an array of alerts' }),
});

function fromAlertmanagerShape(source: AlertSource, body: unknown): ParsedPayload {
  const p = parseWith(amPayload, body);
  const alerts = p.alerts.map((a, i): IncomingAlert => {
    const labels = cleanLabels(a.labels);
    const ann = cleanLabels(a.annotations);
    const title = ann.summary ?? labels.alertname ?? ann.title ?? 'Alert';
    const url = [a.panelURL, a.dashboardURL, a.generatorURL].find((u) => typeof u === 'string' && u !== '');
    return {
      source,
      fingerprint: a.fingerprint || labelFingerprint(labels),
      status: a.status,
      title: cut(title, ALERT_TITLE_MAX),
      description: cut(ann.description ?? ann.message ?? '', ALERT_DESCRIPTION_MAX),
      severity: labels.severity ?? null,
      service: labels.service ?? labels.job ?? null,
      labels,
      url: url ?? null,
      startsAt: requiredTime(a.startsAt, `alerts[${i}].startsAt`),
      endsAt: a.status === 'resolved' ? optionalTime(a.endsAt, `alerts[${i}].endsAt`) : null,
      groupKey: p.groupKey ?? null,
    };
  });
  return { alerts };
}

export const parseAlertmanager = (body: unknown): ParsedPayload =>
  fromAlertmanagerShape('alertmanager', body);
export const parseGrafana = (body: unknown): ParsedPayload => fromAlertmanagerShape('grafana', body);

// PagerDuty v3 webhooks: one event per payload, `event.event_type` and `event.data`
// (https://developer.pagerduty.com/docs/webhooks/v3-overview/, "Webhook Payload" and "Event Types").
const pdRef = z.looseObject({ id: z.string().optional(), summary: z.string().optional() }).nullable();
const pdIncident = z.looseObject({
  id: z.string({ error: 'expected the PagerDuty incident id' }),
  type: z.literal('incident').optional(),
  title: z.string({ error: 'expected the incident title' }),
  status: z.string().optional(),
  html_url: z.string().optional(),
  incident_key: z.string().optional().nullable(),
  created_at: z.string().optional(),
  urgency: z.string().optional(),
  service: pdRef.optional(),
  priority: pdRef.optional(),
  escalation_policy: pdRef.optional(),
  teams: z.array(z.looseObject({ summary: z.string().optional() })).optional(),
});
const pdPayload = z.looseObject({
  event: z.looseObject({
    id: z.string().optional(),
    event_type: z.string({ error: 'expected the event type (such as incident.triggered)' }),
    resource_type: z.string().optional(),
    occurred_at: z.string().optional(),
    data: z.unknown(),
  }),
});
/** Incident events that say it is firing (or still is) and the one that says it is over. */
const PD_FIRING = new Set([
  'incident.triggered',
  'incident.reopened',
  'incident.unacknowledged',
  'incident.acknowledged',
  'incident.escalated',
  'incident.reassigned',
  'incident.delegated',
  // "Sent when the priority of an incident has changed" (same page, "Event Types"): for an incident
  // already stored, the store replaces its priority and re-rates its group (ingestAlerts, "updated").
  'incident.priority_updated',
]);
const PD_RESOLVED = 'incident.resolved';

export function parsePagerDuty(body: unknown): ParsedPayload {
  const p = parseWith(pdPayload, body);
  const type = p.event.event_type;
  if (type !== PD_RESOLVED && !PD_FIRING.has(type)) {
    // pagey.ping (the subscription test), service.*, incident notes and responders: not an alert state.
    return { alerts: [], ignored: `event type ${cut(type, 60)} carries no alert state` };
  }
  const d = parseWith(pdIncident, p.event.data, 'event.data');
  const occurred = optionalTime(p.event.occurred_at, 'event.occurred_at');
  const started = optionalTime(d.created_at, 'event.data.created_at') ?? occurred;
  if (!started) throw new PayloadError('event.data.created_at: a start time is required');
  const labels = cleanLabels({
    service: d.service?.summary,
    urgency: d.urgency,
    priority: d.priority?.summary,
    escalation_policy: d.escalation_policy?.summary,
    team:
      d.teams
        ?.map((t) => t.summary)
        .filter(Boolean)
        .join(', ') || undefined,
    incident_key: d.incident_key ?? undefined,
  });
  const resolved = type === PD_RESOLVED;
  return {
    alerts: [
      {
        source: 'pagerduty',
        fingerprint: d.id,
        status: resolved ? 'resolved' : 'firing',
        title: cut(d.title, ALERT_TITLE_MAX),
        description: '',
        severity: d.priority?.summary ?? d.urgency ?? null,
        service: d.service?.summary ?? null,
        labels,
        url: d.html_url ?? null,
        startsAt: started,
        endsAt: resolved ? (occurred ?? null) : null,
        groupKey: d.service?.id ?? null,
      },
    ],
  };
}

// Opsgenie outgoing webhook integration: `action` and a subset of the alert
// (https://support.atlassian.com/opsgenie/docs/integrate-opsgenie-with-outgoing-webhooks/;
// "Description and Details fields are truncated to 1000 characters").
const ogPayload = z.looseObject({
  action: z.string({ error: 'expected the alert action (Create, Close …)' }),
  alert: z.looseObject({
    alertId: z.string({ error: 'expected the Opsgenie alert id' }),
    message: z.string().optional(),
    alias: z.string().optional().nullable(),
    tinyId: z.string().optional(),
    entity: z.string().optional().nullable(),
    tags: z.array(z.string()).optional(),
    description: z.string().optional().nullable(),
    details: stringMap.optional().nullable(),
    priority: z.string().optional().nullable(),
    source: z.string().optional().nullable(),
    createdAt: z.number().optional(),
    updatedAt: z.number().optional(),
  }),
  source: z.looseObject({ name: z.string().optional(), type: z.string().optional() }).optional(),
  integrationName: z.string().optional(),
});
const OG_FIRING = new Set(['Create']);
const OG_RESOLVED = new Set(['Close', 'Delete']);
// "Update Priority" is one of the alert actions whose data the Webhook integration posts: the same
// alert object, with `action` naming what happened (Opsgenie's "Alert action data", sections
// "Acknowledge" … "Update Priority": https://docs.opsgenie.com/v1.0/docs/sample-alert-action-data, now
// https://operations-help.atlassian.net/wiki/spaces/OPSHELP/pages/16941093/Alert+action+data; "For the
// Webhook integration, alert action data is contained in the JSON body of the webhook request").
// It says the priority changed, not that the alert fires: read as a Create it would re-fire a closed
// alert, so the store only re-rates an alert it holds that is still firing (IncomingAlert.reRateOnly).
const OG_PRIORITY = 'UpdatePriority';

export function parseOpsgenie(body: unknown): ParsedPayload {
  const p = parseWith(ogPayload, body);
  const a = p.alert;
  const reRate = p.action === OG_PRIORITY;
  if (!reRate && !OG_FIRING.has(p.action) && !OG_RESOLVED.has(p.action)) {
    return { alerts: [], ignored: `action ${cut(p.action, 60)} does not change whether the alert fires` };
  }
  if (reRate && !a.priority?.trim())
    throw new PayloadError('alert.priority: an UpdatePriority action needs the new priority (P1–P5)');
  const title = a.message?.trim();
  if (OG_FIRING.has(p.action) && !title)
    throw new PayloadError('alert.message: a created alert needs a message');
  const details = cleanLabels(a.details ?? undefined);
  const labels: Record<string, string> = { ...details };
  if (a.tags?.length) labels.tags = cut(a.tags.join(', '), LABEL_VALUE_MAX);
  if (a.entity) labels.entity = cut(a.entity, LABEL_VALUE_MAX);
  if (a.priority) labels.priority = a.priority;
  if (a.tinyId) labels.tinyId = a.tinyId;
  const startsAt = a.createdAt !== undefined ? new Date(a.createdAt) : new Date(Number.NaN);
  return {
    alerts: [
      {
        source: 'opsgenie',
        fingerprint: a.alias || a.alertId,
        status: OG_RESOLVED.has(p.action) ? 'resolved' : 'firing',
        title: cut(title || a.alias || a.alertId, ALERT_TITLE_MAX),
        description: cut(a.description ?? '', ALERT_DESCRIPTION_MAX),
        severity: a.priority ?? null,
        service: details.service ?? a.entity ?? null,
        labels,
        url: null,
        // createdAt is optional in the payload: without it, the time it reached us stands in (see store).
        startsAt,
        endsAt: null,
        groupKey: a.source ?? p.source?.name ?? p.integrationName ?? null,
        ...(reRate ? { reRateOnly: true } : {}),
      },
    ],
  };
}

// Firebreak's own shape, for anything else (documented in the README, "Generic alerts").
const genericAlert = z.strictObject({
  id: z
    .string({ error: 'expected a string: the alert’s identity (the same id twice is the same alert)' })
    .min(1)
    .max(500),
  status: status.default('firing'),
  title: z.string({ error: 'expected a string' }).trim().min(1, 'must not be empty').max(1000),
  description: z.string().max(20_000).optional(),
  severity: z.string().max(100).optional(),
  service: z.string().max(200).optional(),
  labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  url: z.url('expected an http(s) URL').optional(),
  startsAt: z.iso
    .datetime({ offset: true, error: 'expected an ISO 8601 time with a zone, such as 2026-12-06T21:00:00Z' })
    .optional(),
  endsAt: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time with a zone' }).optional(),
  group: z.string().max(500).optional(),
});
const genericBatch = z.strictObject({
  alerts: z
    .array(genericAlert, { error: 'expected an array of alerts' })
    .min(1, 'must hold at least one alert')
    .max(5000),
});

export function parseGeneric(body: unknown): ParsedPayload {
  const isBatch = typeof body === 'object' && body !== null && 'alerts' in body;
  const list = isBatch ? parseWith(genericBatch, body).alerts : [parseWith(genericAlert, body)];
  return {
    alerts: list.map((a, i) => ({
      source: 'generic',
      fingerprint: a.id,
      status: a.status,
      title: cut(a.title, ALERT_TITLE_MAX),
      description: cut(a.description ?? '', ALERT_DESCRIPTION_MAX),
      severity: a.severity ?? null,
      service: a.service ?? null,
      labels: cleanLabels(a.labels),
      url: a.url ?? null,
      startsAt: a.startsAt ? requiredTime(a.startsAt, `alerts[${i}].startsAt`) : new Date(Number.NaN),
      endsAt: a.status === 'resolved' && a.endsAt ? optionalTime(a.endsAt, `alerts[${i}].endsAt`) : null,
      groupKey: a.group ?? null,
    })),
  };
}

export const PARSERS: Record<AlertSource, (body: unknown) => ParsedPayload> = {
  alertmanager: parseAlertmanager,
  grafana: parseGrafana,
  pagerduty: parsePagerDuty,
  opsgenie: parseOpsgenie,
  generic: parseGeneric,
};
