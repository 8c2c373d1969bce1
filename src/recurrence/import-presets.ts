import type { Severity } from '../incidents/model.js';

/**
 * What each tool's export calls the fields Firebreak keeps, and how its priority / urgency /
 * severity scale maps to SEV1–SEV4. Column names are matched case-insensitively; the first
 * candidate present in the file wins, so a preset lists the CSV header and the JSON (API) path
 * for the same field. `--map field=column` replaces a field's candidates.
 *
 * Where a tool's documentation did not list the CSV headers precisely, the comment says so and
 * the preset accepts the variants known; `--map` covers the rest.
 */

export const IMPORT_SOURCES = ['jira', 'pagerduty', 'opsgenie', 'incident-io', 'firebreak'] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

export const FIELDS = [
  'key',
  'title',
  'description',
  'declared',
  'started',
  'acknowledged',
  'resolved',
  'ack_after',
  'resolve_after',
  'severity',
  'services',
  'tags',
  'url',
  'root_cause',
  'category',
  'resolution',
] as const;
export type Field = (typeof FIELDS)[number];

/** Without these a row cannot become an incident. */
export const REQUIRED: readonly Field[] = ['title', 'declared'];

export const FIELD_MEANING: Record<Field, string> = {
  key: 'its id in the tool (dedupe key, shown instead of an INC number)',
  title: 'title',
  description: 'description',
  declared: 'declared / created time',
  started: 'impact start time',
  acknowledged: 'acknowledged time',
  resolved: 'resolved time',
  ack_after: 'time to acknowledge (a duration)',
  resolve_after: 'time to resolve (a duration)',
  severity: 'severity / priority / urgency',
  services: 'services / components',
  tags: 'labels / tags',
  url: 'link to the incident in the tool',
  root_cause: 'root cause',
  category: 'root-cause category',
  resolution: 'what fixed it',
};

export interface Preset {
  source: ImportSource;
  label: string;
  columns: Partial<Record<Field, string[]>>;
  /** A value of the severity column (already trimmed) → SEV, or null when not on the scale. */
  severity: (raw: string) => Severity | null;
  /** Tried after ISO 8601, in the zone given by --tz (UTC by default). date-fns tokens. */
  dateFormats: string[];
  /** The unit of `ack_after` / `resolve_after`, in ms. */
  durationUnitMs: number;
  /** How the key is shown in Slack (it must not read like one of our INC numbers). */
  displayKey: (raw: string) => string;
  /** Reshapes one JSON object before it is flattened (incident.io's named timestamps). */
  jsonTransform?: (o: Record<string, unknown>) => Record<string, unknown>;
}

/** `P1`…`P5`, `SEV0`…`SEV4`, `Sev 2`, `1`…`5`: the scales most tools and teams share. */
export function genericSeverity(raw: string): Severity | null {
  const t = raw.trim().toLowerCase();
  let m = /^sev(?:erity)?[\s-]?([0-5])\b/.exec(t);
  if (m) return clampSev(Number(m[1]));
  m = /^p([0-5])\b/.exec(t);
  if (m) return clampSev(Number(m[1]));
  m = /^([0-5])$/.exec(t);
  if (m) return clampSev(Number(m[1]));
  return null;
}

/** 0 and 1 are both the worst we have; 5 and below are the mildest. */
const clampSev = (n: number): Severity => Math.min(4, Math.max(1, n)) as Severity;

const table =
  (words: Record<string, Severity>) =>
  (raw: string): Severity | null =>
    words[raw.trim().toLowerCase()] ?? genericSeverity(raw);

/**
 * Jira priorities: the default scheme of Jira Cloud (Highest … Lowest) and the older one of Jira
 * Server / Data Center (Blocker … Trivial). "P1"-style custom schemes fall through to the generic
 * scale.
 */
export const JIRA_SEVERITY: Record<string, Severity> = {
  highest: 1,
  blocker: 1,
  critical: 1,
  high: 2,
  major: 2,
  medium: 3,
  minor: 3,
  low: 4,
  lowest: 4,
  trivial: 4,
};

/**
 * PagerDuty: the account's priority (P1–P5) when set, else urgency. High urgency pages someone
 * now but is not by itself an outage, hence SEV2; low urgency waits for working hours, SEV4.
 */
export const PAGERDUTY_SEVERITY: Record<string, Severity> = { high: 2, low: 4 };

/** Opsgenie priorities P1 (critical) … P5 (informational); P4 and P5 are both SEV4. */
export const OPSGENIE_SEVERITY: Record<string, Severity> = {
  critical: 1,
  high: 2,
  moderate: 3,
  low: 4,
  informational: 4,
};

/** incident.io's default severities (Critical, Major, Minor); custom "SEV1"/"P1" names fall through. */
export const INCIDENT_IO_SEVERITY: Record<string, Severity> = {
  critical: 1,
  major: 2,
  minor: 3,
  low: 4,
};

/** Jira's default date-time format in exports is `dd/MMM/yy h:mm a` ("12/Mar/24 3:04 PM"). */
const JIRA_DATES = ['dd/MMM/yy h:mm a', 'dd/MMM/yy hh:mm a', 'dd/MMM/yyyy h:mm a', 'dd/MMM/yy H:mm'];
/** What spreadsheet round-trips and US-locale exports usually turn times into. */
const COMMON_DATES = [
  'yyyy-MM-dd HH:mm:ss',
  'yyyy-MM-dd HH:mm',
  'MM/dd/yyyy HH:mm:ss',
  'MM/dd/yyyy h:mm a',
  'MM/dd/yyyy HH:mm',
];

const asIs = (k: string): string => k;

export const PRESETS: Record<ImportSource, Preset> = {
  /**
   * Jira issue search → Export → "Export Excel CSV (all fields)" or "(my defaults)". Headers are the
   * fields' display names: "Summary", "Issue key", "Issue id", "Issue Type", "Status", "Priority",
   * "Resolution", "Created", "Updated", "Resolved", "Description", and one "Labels" /
   * "Component/s" column per value (the export repeats the header). Atlassian's own pages in our
   * search corpus do not list the CSV headers verbatim; the names above are the Jira field names as
   * export guides quote them (e.g. mattcarp/betabase docs/data-collection/JIRA-EXPORT-GUIDE.md:
   * "Issue key / Key, Summary, Created, Updated, Description, Status, Priority") and the export
   * endpoints are `sr/jira.issueviews:searchrequest-csv-all-fields` / `-current-fields`
   * (atlassian-api/atlassian-python-api PR #603). Also accepted: the Jira Data Pipeline export's
   * snake_case columns (key, url, summary, description, priority, created, resolution_date —
   * confluence.atlassian.com/adminjiraserver0816/data-pipeline-export-schema) and the REST API
   * search response (`{issues: [{key, self, fields: {summary, created, resolutiondate, priority:
   * {name}, labels, components: [{name}]}}]}`).
   */
  jira: {
    source: 'jira',
    label: 'Jira',
    columns: {
      key: ['Issue key', 'Key', 'key'],
      title: ['Summary', 'fields.summary'],
      description: ['Description', 'fields.description', 'fields.description.content.content.text'],
      declared: ['Created', 'fields.created'],
      resolved: ['Resolved', 'Resolution date', 'resolution_date', 'fields.resolutiondate'],
      severity: ['Priority', 'fields.priority.name', 'Severity'],
      services: ['Component/s', 'Components', 'fields.components.name'],
      tags: ['Labels', 'fields.labels'],
      url: ['url', 'Issue URL'],
      root_cause: ['Root cause', 'Custom field (Root cause)', 'Custom field (Root Cause)'],
      resolution: ['Custom field (Resolution summary)', 'Resolution summary'],
    },
    severity: table(JIRA_SEVERITY),
    dateFormats: [...JIRA_DATES, ...COMMON_DATES],
    durationUnitMs: 1000,
    displayKey: asIs,
  },
  /**
   * PagerDuty. JSON: the REST API's `GET /incidents` response (`{incidents: [{id, incident_number,
   * title, description, created_at, resolved_at, urgency, html_url, service: {summary}, priority:
   * {summary}, acknowledgements: [{at}]}]}` — incident fields as listed by
   * pagerduty-provider.stackql.io/services/incidents/incidents and hexdocs.pm/pagerduty
   * PagerDuty.Incident), and the Analytics raw incident data (`/analytics/raw/incidents`:
   * id, incident_number, description, created_at, resolved_at, service_name, urgency,
   * priority_name, seconds_to_first_ack, seconds_to_resolve — the AnalyticsRawIncident model in
   * Yuyz0112/public-api-skills apis/pagerduty). CSV: the web app's incident and Analytics
   * downloads are not documented column by column in the sources we found, so the preset accepts
   * the snake_case names above and the title-case variants seen in those downloads ("Incident
   * ID", "#", "Incident Number", "Title", "Description", "Created On", "Resolved On", "Urgency",
   * "Priority", "Service Name", "Acknowledged On").
   */
  pagerduty: {
    source: 'pagerduty',
    label: 'PagerDuty',
    columns: {
      key: ['incident_number', 'Incident Number', '#', 'Number', 'id', 'Incident ID', 'ID'],
      title: ['title', 'Title', 'description', 'Description', 'summary', 'Summary'],
      description: ['body.details', 'Details'],
      declared: ['created_at', 'Created On', 'Created At', 'Created'],
      acknowledged: ['acknowledgements.at', 'Acknowledged On', 'Acknowledged At', 'first_ack_at'],
      resolved: ['resolved_at', 'Resolved On', 'Resolved At', 'Resolved'],
      ack_after: ['seconds_to_first_ack', 'Seconds to First Ack'],
      resolve_after: ['seconds_to_resolve', 'Seconds to Resolve'],
      severity: [
        'priority.summary',
        'priority.name',
        'priority_name',
        'Priority',
        'Priority Name',
        'urgency',
        'Urgency',
      ],
      services: ['service.summary', 'service_name', 'Service Name', 'Service'],
      tags: ['team_name', 'Team Name', 'teams.summary'],
      url: ['html_url', 'URL', 'Incident URL', 'Link'],
    },
    severity: table(PAGERDUTY_SEVERITY),
    dateFormats: COMMON_DATES,
    durationUnitMs: 1000,
    displayKey: (k) => (/^\d+$/.test(k) ? `PagerDuty #${k}` : `PagerDuty ${k}`),
  },
  /**
   * Opsgenie. JSON: the Alert API `GET /v2/alerts` (`{data: [{id, tinyId, alias, message, status,
   * acknowledged, createdAt, priority, tags, report: {ackTime, closeTime}}]}` — alert fields per
   * Opsgenie's alert schema, report per the OpenAPI AlertReport model, e.g. docs.rs opsgenie-rs
   * models/alert_report.rs; ackTime / closeTime are durations in ms after createdAt) and the
   * Incident API `GET /v1/incidents` (`{data: [{id, tinyId, message, description, status, tags,
   * priority, createdAt, impactStartDate, impactEndDate, ownerTeam}]}` — docs.opsgenie.com/docs/
   * incident-api, opsgenie-python-sdk docs/BaseIncident.md). CSV: Opsgenie's alert-list export is not
   * documented column by column in the sources we found; the preset accepts the API names and their
   * title-case forms ("TinyId", "Tiny Id", "Message", "Priority", "Created At", "Tags", "Owner Team").
   */
  opsgenie: {
    source: 'opsgenie',
    label: 'Opsgenie',
    columns: {
      key: ['tinyId', 'Tiny Id', 'TinyID', 'id', 'ID', 'Alias', 'alias'],
      title: ['message', 'Message'],
      description: ['description', 'Description'],
      declared: ['createdAt', 'Created At', 'CreatedAt', 'Created'],
      started: ['impactStartDate', 'Impact Start Date'],
      resolved: ['impactEndDate', 'Impact End Date', 'Closed At', 'closedAt', 'Resolved At'],
      acknowledged: ['Acknowledged At', 'acknowledgedAt'],
      ack_after: ['report.acktime', 'Ack Time'],
      resolve_after: ['report.closetime', 'Close Time'],
      severity: ['priority', 'Priority'],
      // The APIs give service and team ids here (impactedServices, ownerTeam), not names: CSV only.
      services: ['Impacted Services', 'Owner Team', 'Teams'],
      tags: ['tags', 'Tags'],
      url: ['links.web', 'URL', 'Link'],
    },
    severity: table(OPSGENIE_SEVERITY),
    dateFormats: COMMON_DATES,
    durationUnitMs: 1,
    displayKey: (k) => (/^\d+$/.test(k) ? `Opsgenie #${k}` : `Opsgenie ${k}`),
  },
  /**
   * incident.io. JSON: the API's `GET /v2/incidents` (`{incidents: [{id, reference, name, summary,
   * permalink, severity: {name}, incident_status: {name, category}, created_at,
   * incident_timestamp_values: [{incident_timestamp: {name}, value: {value}}]}]}` — docs.incident.io/
   * api-reference/incidents-v2/list). Named timestamps ("Reported at", "Accepted at",
   * "Resolved at", "Closed at" …) are lifted to `timestamps.<name>` here. CSV: the Incidents page's
   * CSV export is not documented column by column in the sources we found; the preset accepts the
   * headers it is known to use ("ID", "Reference", "Name", "Severity", "Status", "Reported at",
   * "Resolved at", "Summary") and close variants.
   */
  'incident-io': {
    source: 'incident-io',
    label: 'incident.io',
    columns: {
      key: ['reference', 'Reference', 'ID', 'id', 'External ID'],
      title: ['name', 'Name', 'Title'],
      description: ['summary', 'Summary', 'Description'],
      declared: ['timestamps.reported at', 'Reported at', 'Created at', 'created_at', 'Declared at'],
      started: ['timestamps.impact started at', 'Impact started at', 'Started at'],
      acknowledged: ['timestamps.accepted at', 'Accepted at', 'Acknowledged at'],
      resolved: ['timestamps.resolved at', 'Resolved at', 'timestamps.closed at', 'Closed at'],
      severity: ['severity.name', 'Severity'],
      services: ['Affected services', 'Services', 'Affected Services'],
      tags: ['Incident type', 'incident_type.name', 'Tags'],
      url: ['permalink', 'Permalink', 'URL', 'Link'],
      root_cause: ['Root cause', 'Root Cause'],
    },
    severity: table(INCIDENT_IO_SEVERITY),
    dateFormats: COMMON_DATES,
    durationUnitMs: 1000,
    displayKey: (k) => `incident.io ${k}`,
    jsonTransform: (o) => {
      const values = o.incident_timestamp_values;
      if (!Array.isArray(values)) return o;
      const timestamps: Record<string, string> = {};
      for (const v of values as { incident_timestamp?: { name?: unknown }; value?: { value?: unknown } }[]) {
        const name = v?.incident_timestamp?.name;
        const at = v?.value?.value;
        if (typeof name === 'string' && typeof at === 'string') timestamps[name.toLowerCase()] = at;
      }
      return { ...o, timestamps };
    },
  },
  /** Firebreak's own format (../shared/eval/README.md, JSONL or CSV), plus the fields it lacked. */
  firebreak: {
    source: 'firebreak',
    label: 'Firebreak',
    columns: {
      key: ['id', 'external_id'],
      title: ['title'],
      description: ['description'],
      declared: ['date', 'declared_at'],
      started: ['started_at'],
      acknowledged: ['acknowledged_at'],
      resolved: ['resolved_at'],
      severity: ['severity'],
      services: ['services'],
      tags: ['tags'],
      url: ['url'],
      root_cause: ['root_cause'],
      category: ['root_cause_category', 'category'],
      resolution: ['resolution'],
    },
    severity: genericSeverity,
    dateFormats: COMMON_DATES,
    durationUnitMs: 1000,
    displayKey: asIs,
  },
};

export function isImportSource(s: string): s is ImportSource {
  return (IMPORT_SOURCES as readonly string[]).includes(s);
}

export function isField(s: string): s is Field {
  return (FIELDS as readonly string[]).includes(s);
}
