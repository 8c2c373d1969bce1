import { DEFAULT_SEVERITY, type Severity, severityLabel } from '../incidents/model.js';
import type { AlertSource } from './model.js';

/**
 * The sender's own severity, read as SEV1–SEV4 when no route sets one. Each sender has its own
 * vocabulary; a word not listed here keeps the default (SEV3) and the card says so, rather than
 * guessing. A route's `severity` always wins, and a route's `severity_map` is read before these.
 */

type Table = Readonly<Record<string, Severity>>;

/**
 * Alertmanager and Grafana: `labels.severity`. This is a convention, not a standard: "Prometheus
 * alerts deliberately allow users to define their own schema for names, labels, and annotations".
 * The values are the monitoring mixins' style guide, "Guidelines for alert names, labels, and
 * annotations" (https://monitoring.mixins.dev/#guidelines-for-alert-names-labels-and-annotations):
 * `critical` "require immediate action … will usually hit a pager", `warning` "require action
 * eventually but not urgently enough to wake someone up", `info` "do not require any action by
 * itself". Grafana-managed alerts carry whatever labels their rule sets; the same convention is read.
 */
const LABEL_CONVENTION: Table = { critical: 1, warning: 3, info: 4 };

/**
 * PagerDuty v3 webhooks carry the incident's `priority` (a priority reference whose `summary` is its
 * name) and `urgency` (https://developer.pagerduty.com/docs/webhooks/v3-overview/, "Event Data
 * Types → incident"). Priority names are set per account, "usually P1 through P5 … the lower the
 * number, the higher the impact" (https://support.pagerduty.com/docs/incident-priority); urgency is
 * `high` ("requires immediate attention") or `low` ("it can wait")
 * (https://support.pagerduty.com/docs/service-settings, "Enable Urgencies"). A high urgency alone is
 * not an outage, so it reads as SEV2; a priority, when the account uses them, says more and wins.
 */
const PD_PRIORITY: Table = { p1: 1, p2: 2, p3: 3, p4: 4, p5: 4 };
const PD_URGENCY: Table = { high: 2, low: 4 };

/**
 * Opsgenie: `priority` is P1–P5, "importance level decreases from P1 to P5", default P3
 * (https://docs.opsgenie.com/docs/priority-field; https://docs.opsgenie.com/docs/alert-api, "Create
 * Alert": "Possible values are P1, P2, P3, P4 and P5. Default value is P3").
 */
const OG_PRIORITY: Table = { p1: 1, p2: 2, p3: 3, p4: 4, p5: 4 };

/** The generic endpoint's `severity` (README, "Generic alerts"): sev1–sev4, 1–4, or a word. */
const GENERIC_WORDS: Table = { critical: 1, high: 2, medium: 3, low: 4, info: 4 };

export interface SeverityInput {
  source: string;
  severity: string | null;
  labels: Record<string, string>;
}

/** Where a group's severity came from, for the card. */
export type SeverityOrigin =
  | { kind: 'route'; route: string }
  | { kind: 'route-map'; route: string; field: string; value: string }
  | { kind: 'alert'; field: string; value: string }
  | { kind: 'unknown'; field: string; value: string }
  | { kind: 'none' };

export interface SeverityDecision {
  severity: Severity;
  origin: SeverityOrigin;
}

const norm = (s: string): string => s.trim().toLowerCase();

/** The sender's severity words an alert carries, most telling first: [field name, value]. */
function candidates(a: SeverityInput): [string, string][] {
  const out: [string, string][] = [];
  const push = (field: string, v: string | null | undefined) => {
    if (v !== undefined && v !== null && v.trim() !== '') out.push([field, v]);
  };
  if (a.source === 'pagerduty') {
    push('priority', a.labels.priority);
    push('urgency', a.labels.urgency);
    if (out.length === 0) push('severity', a.severity);
  } else if (a.source === 'opsgenie') {
    push('priority', a.labels.priority ?? a.severity);
  } else {
    push('severity', a.severity);
  }
  return out;
}

function builtIn(source: string, field: string, value: string): Severity | undefined {
  const v = norm(value);
  switch (source as AlertSource) {
    case 'alertmanager':
    case 'grafana':
      return LABEL_CONVENTION[v];
    case 'pagerduty':
      return field === 'urgency' ? PD_URGENCY[v] : PD_PRIORITY[v];
    case 'opsgenie':
      return OG_PRIORITY[v];
    case 'generic': {
      const m = /^(?:sev[-\s]?)?([1-4])$/.exec(v);
      if (m) return Number(m[1]) as Severity;
      return GENERIC_WORDS[v];
    }
    default:
      return undefined;
  }
}

export interface RouteSeverity {
  name: string;
  /** The route's fixed severity, when it sets one. */
  severity?: number | undefined;
  /** The route's own reading of the sender's words (lower-cased keys), before the built-in table. */
  severity_map?: Record<string, number> | undefined;
}

/** The incident severity for an alert: route's fixed one, else the sender's word, else the default. */
export function decideSeverity(a: SeverityInput, route: RouteSeverity | undefined): SeverityDecision {
  if (route?.severity !== undefined)
    return { severity: route.severity as Severity, origin: { kind: 'route', route: route.name } };
  const words = candidates(a);
  if (route?.severity_map) {
    for (const [field, value] of words) {
      const s = route.severity_map[norm(value)];
      if (s !== undefined)
        return {
          severity: s as Severity,
          origin: { kind: 'route-map', route: route.name, field, value },
        };
    }
  }
  for (const [field, value] of words) {
    const s = builtIn(a.source, field, value);
    if (s !== undefined) return { severity: s, origin: { kind: 'alert', field, value } };
  }
  const first = words[0];
  if (first)
    return { severity: DEFAULT_SEVERITY, origin: { kind: 'unknown', field: first[0], value: first[1] } };
  return { severity: DEFAULT_SEVERITY, origin: { kind: 'none' } };
}

/**
 * The card's words for it, e.g. "SEV1 from the alert's severity `critical`". `code` renders the
 * sender's word (escaped by the caller's formatter: it is sender text).
 */
export function severityReason(d: SeverityDecision, code: (s: string) => string): string {
  const sev = severityLabel(d.severity);
  const o = d.origin;
  switch (o.kind) {
    case 'route':
      return `${sev}, set by route ${code(o.route)}`;
    case 'route-map':
      return `${sev} from the alert's ${o.field} ${code(o.value)} (route ${code(o.route)}'s severity_map)`;
    case 'alert':
      return `${sev} from the alert's ${o.field} ${code(o.value)}`;
    case 'unknown':
      return `${sev}, the default: the alert's ${o.field} ${code(o.value)} is not one I know`;
    case 'none':
      return `${sev}, the default: the alert gives no severity`;
  }
}
