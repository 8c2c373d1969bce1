import type { z } from 'zod';
import type { Db } from '../db/client.js';
import type { Clock } from '../runtime/clock.js';
import type { ApiEffects } from './effects.js';
import { incidentOut, timelineEntryOut } from './present.js';
import {
  ChangeResultSchema,
  DeclareRequestSchema,
  IdempotencyKeySchema,
  IncidentListSchema,
  IncidentSchema,
  ListQuerySchema,
  NoteRequestSchema,
  ReopenRequestSchema,
  ResolveRequestSchema,
  RolesRequestSchema,
  RolesResultSchema,
  SeverityRequestSchema,
  StatusRequestSchema,
  TimelineEntrySchema,
  TimelineQuerySchema,
  TimelineSchema,
} from './schemas.js';
import {
  type ApiScope,
  addNoteViaApi,
  changeSeverityViaApi,
  changeStatusViaApi,
  declareViaApi,
  listIncidents,
  reopenViaApi,
  resolveViaApi,
  setRolesViaApi,
  timelineOf,
  visibleIncident,
} from './service.js';

/**
 * The API's endpoints as data: the router (routes.ts) dispatches on this table and the OpenAPI
 * document (openapi.ts) is built from it, so what is documented is what is served and validated.
 */
export interface ApiDeps {
  db: Db;
  clock: Clock;
  effects: ApiEffects;
  /** ROOT_CAUSE_CATEGORIES: a resolve's category is one of them, as in the Slack form. */
  categories: readonly string[];
}

export interface Call {
  deps: ApiDeps;
  scope: ApiScope;
  params: Record<string, string>;
  /** Request headers the endpoint declares (`headers`), lower-case names. */
  headers: Record<string, string | undefined>;
  query: unknown;
  body: unknown;
}

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Endpoint {
  method: 'GET' | 'POST';
  /** Below /api/v1, OpenAPI-style: `/incidents/{number}`. */
  path: string;
  operationId: string;
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Request headers it reads, each a string schema. */
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  /** The success answer's status and schema. */
  ok: { status: number; schema: z.ZodType; description: string };
  /** Other success answers. */
  alsoOk?: { status: number; schema: z.ZodType; description: string }[];
  /** Error statuses this endpoint can answer besides 400/401/413/415. */
  errors: number[];
  handle(call: Call): Answer | Promise<Answer>;
}

const incidentParam = (call: Call) => visibleIncident(call.deps.db, call.scope, call.params.number ?? '');

export const endpoints: Endpoint[] = [
  {
    method: 'GET',
    path: '/incidents',
    operationId: 'listIncidents',
    summary: 'List incidents, newest first',
    query: ListQuerySchema,
    ok: { status: 200, schema: IncidentListSchema, description: 'a page of incidents' },
    errors: [],
    handle(call) {
      const r = listIncidents(call.deps.db, call.scope, call.query as z.output<typeof ListQuerySchema>);
      return {
        status: 200,
        body: { incidents: r.incidents.map(incidentOut), next_cursor: r.nextCursor },
      };
    },
  },
  {
    method: 'POST',
    path: '/incidents',
    operationId: 'declareIncident',
    summary: 'Declare an incident (its Slack channel is set up right after the answer)',
    body: DeclareRequestSchema,
    headers: {
      'idempotency-key': {
        schema: IdempotencyKeySchema,
        description:
          'your id for this declare: a retry with the same key answers 200 with the incident it declared instead of declaring another',
      },
    },
    ok: {
      status: 201,
      schema: IncidentSchema,
      description: 'declared; channel_id is null until setup finishes',
    },
    alsoOk: [
      { status: 200, schema: IncidentSchema, description: 'already declared with this Idempotency-Key' },
    ],
    errors: [403, 409, 422],
    handle(call) {
      const r = declareViaApi(
        call.deps,
        call.scope,
        call.body as z.output<typeof DeclareRequestSchema>,
        call.headers['idempotency-key'],
      );
      return {
        status: r.replayed ? 200 : 201,
        body: incidentOut(r.incident),
        headers: { location: `/api/v1/incidents/${r.incident.number}` },
      };
    },
  },
  {
    method: 'GET',
    path: '/incidents/{number}',
    operationId: 'getIncident',
    summary: 'Read one incident',
    ok: { status: 200, schema: IncidentSchema, description: 'the incident' },
    errors: [404],
    handle(call) {
      return { status: 200, body: incidentOut(incidentParam(call)) };
    },
  },
  {
    method: 'POST',
    path: '/incidents/{number}/status',
    operationId: 'changeStatus',
    summary: 'Change the status of an open incident',
    body: StatusRequestSchema,
    ok: { status: 200, schema: ChangeResultSchema, description: 'the incident after the change' },
    errors: [404, 409],
    handle(call) {
      const r = changeStatusViaApi(
        call.deps,
        incidentParam(call),
        call.body as z.output<typeof StatusRequestSchema>,
      );
      return { status: 200, body: { incident: incidentOut(r.incident), changed: r.changed } };
    },
  },
  {
    method: 'POST',
    path: '/incidents/{number}/severity',
    operationId: 'changeSeverity',
    summary: 'Change the severity of an open incident',
    body: SeverityRequestSchema,
    ok: { status: 200, schema: ChangeResultSchema, description: 'the incident after the change' },
    errors: [404, 409],
    handle(call) {
      const r = changeSeverityViaApi(
        call.deps,
        incidentParam(call),
        call.body as z.output<typeof SeverityRequestSchema>,
      );
      return { status: 200, body: { incident: incidentOut(r.incident), changed: r.changed } };
    },
  },
  {
    method: 'GET',
    path: '/incidents/{number}/timeline',
    operationId: 'getTimeline',
    summary: 'Read the timeline, in the order things happened (joins and leaves left out)',
    query: TimelineQuerySchema,
    ok: { status: 200, schema: TimelineSchema, description: 'a page of the timeline' },
    errors: [404],
    handle(call) {
      const incident = incidentParam(call);
      const r = timelineOf(call.deps.db, incident, call.query as z.output<typeof TimelineQuerySchema>);
      return {
        status: 200,
        body: {
          incident: incident.number,
          entries: r.entries.map(timelineEntryOut),
          next_cursor: r.nextCursor,
        },
      };
    },
  },
  {
    method: 'POST',
    path: '/incidents/{number}/notes',
    operationId: 'addNote',
    summary: 'Add a note to the timeline',
    body: NoteRequestSchema,
    ok: { status: 201, schema: TimelineEntrySchema, description: 'the stored timeline entry' },
    errors: [404, 422],
    handle(call) {
      const e = addNoteViaApi(
        call.deps,
        incidentParam(call),
        call.body as z.output<typeof NoteRequestSchema>,
      );
      return { status: 201, body: timelineEntryOut(e) };
    },
  },
  {
    method: 'POST',
    path: '/incidents/{number}/resolve',
    operationId: 'resolveIncident',
    summary:
      'Resolve an open incident: what fixed it, the root cause (or not known yet), follow-ups; as the Slack form does',
    body: ResolveRequestSchema,
    ok: { status: 200, schema: IncidentSchema, description: 'the resolved incident' },
    errors: [404, 409, 422, 502],
    async handle(call) {
      const r = await resolveViaApi(
        call.deps,
        incidentParam(call),
        call.body as z.output<typeof ResolveRequestSchema>,
      );
      return { status: 200, body: incidentOut(r.incident) };
    },
  },
  {
    method: 'POST',
    path: '/incidents/{number}/reopen',
    operationId: 'reopenIncident',
    summary: 'Reopen a resolved incident (back to investigating); a closed one is not reopened',
    body: ReopenRequestSchema,
    ok: { status: 200, schema: IncidentSchema, description: 'the reopened incident' },
    errors: [404, 409, 422],
    handle(call) {
      const r = reopenViaApi(
        call.deps,
        incidentParam(call),
        call.body as z.output<typeof ReopenRequestSchema>,
      );
      return { status: 200, body: incidentOut(r.incident) };
    },
  },
  {
    method: 'POST',
    path: '/incidents/{number}/roles',
    operationId: 'setRoles',
    summary: 'Set the lead, comms and/or scribe of an open incident',
    body: RolesRequestSchema,
    ok: {
      status: 200,
      schema: RolesResultSchema,
      description: 'the incident and its roles after the change',
    },
    errors: [404, 409, 422, 502],
    async handle(call) {
      const r = await setRolesViaApi(
        call.deps,
        incidentParam(call),
        call.body as z.output<typeof RolesRequestSchema>,
      );
      return {
        status: 200,
        body: { incident: incidentOut(r.incident), roles: r.roles, changed: r.changed },
      };
    },
  },
];
