import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { isSeverity } from '../incidents/model.js';
import { normalizeServices } from '../lifecycle/declare.js';
import { ALERT_SOURCES, type IncomingAlert } from './model.js';
import { decideSeverity, type SeverityDecision, type SeverityInput } from './severity.js';

/**
 * Alert routing rules (ALERT_ROUTES, a YAML file; the README documents it and
 * alert-routes.example.yml shows one). Routes are tried in order; the first whose `match` fits the
 * alert decides the channel of its triage card, the incident severity and services, and whether
 * the incident is declared at once. An alert no route matches uses the defaults.
 */

const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
const list = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const matchSchema = z.strictObject({
  /** Every label given must be present with one of the values listed. */
  labels: z.record(z.string(), list).optional(),
  /** The alert's service is one of these (case-insensitive). */
  service: list.optional(),
  /** The alert's severity (as the sender names it: critical, P1, high …) is one of these. */
  severity: list.optional(),
  /** Which sender it came from. */
  source: z
    .array(z.enum(ALERT_SOURCES))
    .or(z.enum(ALERT_SOURCES).transform((s) => [s]))
    .optional(),
});

const routeSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  match: matchSchema.default({}),
  channel: z.string().regex(CHANNEL_ID, 'a Slack channel ID such as C0123ABCD').optional(),
  // Unset: the sender's own severity decides (src/alerts/severity.ts), else SEV3.
  severity: z
    .number()
    .int()
    .refine((n) => isSeverity(n), '1 (critical) to 4 (low)')
    .optional(),
  /** The sender's words read this route's way (`{ warning: 2 }`), before the built-in table. */
  severity_map: z
    .record(
      z.string().min(1).max(100),
      z
        .number()
        .int()
        .refine((n) => isSeverity(n), '1 (critical) to 4 (low)'),
    )
    .transform((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k.trim().toLowerCase(), v])))
    .optional(),
  services: z.array(z.string()).max(20).default([]),
  auto_declare: z.boolean().default(false),
});

const fileSchema = z.strictObject({ routes: z.array(routeSchema).max(200) });

export type AlertRoute = z.infer<typeof routeSchema>;

/** Where an alert goes: the route's decision with the defaults filled in. */
export interface RouteDecision {
  /** The route's name; null = no route matched. */
  name: string | null;
  channel: string;
  severity: number;
  /** Why that severity (route, the sender's word, or the default), for the card. */
  severityOrigin: SeverityDecision['origin'];
  services: string[];
  autoDeclare: boolean;
}

export interface AlertRouting {
  routes: AlertRoute[];
  defaultChannel: string | null;
  route(alert: IncomingAlert): RouteDecision | null;
  /**
   * The severity an alert gets under the named route (null = no route), recomputed for the card's
   * explanation from what is stored.
   */
  severityFor(alert: SeverityInput, routeName: string | null): SeverityDecision;
}

const lower = (s: string) => s.trim().toLowerCase();

export function routeMatches(route: AlertRoute, a: IncomingAlert): boolean {
  const m = route.match;
  if (m.source && !m.source.includes(a.source)) return false;
  if (m.severity && (a.severity === null || !m.severity.map(lower).includes(lower(a.severity)))) return false;
  if (m.service) {
    const svc = a.service ?? a.labels.service;
    if (svc === undefined || svc === null || !m.service.map(lower).includes(lower(svc))) return false;
  }
  for (const [k, values] of Object.entries(m.labels ?? {})) {
    const v = a.labels[k];
    if (v === undefined || !values.includes(v)) return false;
  }
  return true;
}

/** The alert's own service as an incident service, when it is a usable one. */
function alertServices(a: IncomingAlert): string[] {
  if (!a.service) return [];
  try {
    return normalizeServices([a.service]);
  } catch {
    return [];
  }
}

/**
 * The routing for a set of routes and the default channel (ALERT_CHANNEL, else ANNOUNCE_CHANNEL).
 * `route` returns null when the alert has nowhere to go (no matching route names a channel and
 * there is no default): the alert is still stored, and the answer says so.
 */
export function createRouting(routes: AlertRoute[], defaultChannel: string | null): AlertRouting {
  return {
    routes,
    defaultChannel,
    route(a) {
      const r = routes.find((x) => routeMatches(x, a));
      const channel = r?.channel ?? defaultChannel;
      if (!channel) return null;
      const sev = decideSeverity(a, r);
      return {
        name: r?.name ?? null,
        channel,
        severity: sev.severity,
        severityOrigin: sev.origin,
        services: r?.services.length ? r.services : alertServices(a),
        autoDeclare: r?.auto_declare ?? false,
      };
    },
    severityFor(a, routeName) {
      return decideSeverity(a, routeName === null ? undefined : routes.find((x) => x.name === routeName));
    },
  };
}

/** Where a YAML path is in the file, for a message a person can act on. */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  path: PropertyKey[],
): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return null;
}

const pathText = (path: PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');

/** Parses and checks a routes file's text; throws ConfigError naming the file, line and field. */
export function parseAlertRoutes(text: string, file: string): AlertRoute[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0]?.line ?? counter.linePos(yamlError.pos[0]).line;
    throw new ConfigError(
      `ALERT_ROUTES ${file} line ${line}: not valid YAML: ${yamlError.message.split('\n')[0]}`,
    );
  }
  const r = fileSchema.safeParse(doc.toJS() ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path ?? [];
    const line = lineOf(doc, counter, path);
    throw new ConfigError(
      `ALERT_ROUTES ${file}${line ? ` line ${line}` : ''}: ${pathText(path) || 'the file'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const names = new Set<string>();
  for (const [i, route] of r.data.routes.entries()) {
    if (names.has(route.name)) {
      const line = lineOf(doc, counter, ['routes', i, 'name']);
      throw new ConfigError(
        `ALERT_ROUTES ${file}${line ? ` line ${line}` : ''}: routes[${i}].name: "${route.name}" is used twice`,
      );
    }
    names.add(route.name);
    try {
      route.services = normalizeServices(route.services);
    } catch (e) {
      throw new ConfigError(`ALERT_ROUTES ${file}: routes[${i}].services: ${(e as Error).message}`);
    }
  }
  return r.data.routes;
}

/** Reads ALERT_ROUTES at start-up (unset: no routes). */
export function loadAlertRoutes(file: string | undefined): AlertRoute[] {
  if (file === undefined) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `ALERT_ROUTES ${file} could not be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseAlertRoutes(text, file);
}
