import { z } from 'zod';
import { OPEN_STATUSES, STATUSES } from '../incidents/model.js';
import { DESCRIPTION_MAX, SERVICE_MAX, SERVICES_MAX, TITLE_MAX } from '../lifecycle/declare.js';
import { NOTE_MAX } from '../timeline/add-note.js';

/**
 * The HTTP API's request and response shapes. These schemas validate every request body and query,
 * and the same objects are turned into the OpenAPI document (openapi.ts), so the document cannot
 * drift from what the server accepts. Field names are snake_case, as JSON APIs usually are.
 */

/** Schemas that become named components of the OpenAPI document. */
export const components = z.registry<{ id: string }>();

const named = <T extends z.ZodType>(id: string, schema: T): T => {
  components.add(schema, { id });
  return schema;
};

const time = z.iso.datetime({ offset: true });
const timeOut = z.iso.datetime().meta({ description: 'UTC, ISO 8601' });

export const SeveritySchema = named(
  'Severity',
  z.int().min(1).max(4).meta({ description: '1 (critical) to 4 (low)' }),
);
export const StatusSchema = named('Status', z.enum(STATUSES));
export const OpenStatusSchema = named(
  'OpenStatus',
  z.enum(OPEN_STATUSES).meta({
    description:
      'The statuses an open incident moves between; to resolve, POST …/resolve (it asks for the root cause).',
  }),
);

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

export const IncidentSchema = named(
  'Incident',
  z.object({
    number: z.int().min(1),
    ref: z.string().meta({ description: 'INC-<number>', examples: ['INC-12'] }),
    title: z.string(),
    description: z.string(),
    severity: SeveritySchema,
    status: StatusSchema,
    private: z.boolean(),
    services: z.array(z.string()),
    channel_id: z.string().nullable().meta({ description: 'null until the Slack channel is set up' }),
    channel_name: z.string().nullable(),
    setup_error: z
      .string()
      .nullable()
      .meta({ description: 'why setting up the Slack channel failed, if it did' }),
    declared_by: z.string().meta({ description: 'a Slack user ID, or "API" when declared through the API' }),
    lead: z.string().nullable().meta({ description: 'Slack user ID of the incident lead' }),
    started_at: timeOut,
    declared_at: timeOut,
    acknowledged_at: timeOut.nullable(),
    mitigated_at: timeOut.nullable(),
    resolved_at: timeOut.nullable(),
    closed_at: timeOut.nullable(),
    root_cause_summary: z.string().nullable(),
    root_cause_category: z.string().nullable(),
    resolution_summary: z.string().nullable(),
  }),
);

export const TimelineEntrySchema = named(
  'TimelineEntry',
  z.object({
    id: z.int(),
    kind: z.string().meta({ description: 'declared, status, severity, note, message, resolved, …' }),
    text: z.string(),
    author: z
      .string()
      .nullable()
      .meta({ description: 'a Slack user ID, or "API" for changes made through this API' }),
    via: z.string().nullable().meta({
      description: 'how it was recorded: command, modal, reaction, shortcut, pin, auto, declare, api',
    }),
    occurred_at: timeOut,
    recorded_at: timeOut,
    data: z.record(z.string(), z.unknown()).nullable(),
    permalink: z.string().nullable(),
    redacted: z.boolean().meta({ description: 'something that looked like a secret was removed from text' }),
    removed_at: timeOut.nullable(),
  }),
);

const cursor = z
  .string()
  .nullable()
  .meta({ description: 'pass as `cursor` for the next page; null on the last' });

export const IncidentListSchema = named(
  'IncidentList',
  z.object({ incidents: z.array(IncidentSchema), next_cursor: cursor }),
);
export const TimelineSchema = named(
  'Timeline',
  z.object({ incident: z.int(), entries: z.array(TimelineEntrySchema), next_cursor: cursor }),
);
export const ChangeResultSchema = named(
  'ChangeResult',
  z.object({
    incident: IncidentSchema,
    changed: z.boolean().meta({ description: 'false when the incident already had that value' }),
  }),
);
export const ErrorSchema = named(
  'Error',
  z.object({
    error: z.string(),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'each field that was wrong (400)' }),
  }),
);

export const DeclareRequestSchema = named(
  'DeclareRequest',
  z.strictObject({
    title: z.string().trim().min(1).max(TITLE_MAX),
    severity: SeveritySchema.optional().meta({ description: 'default 3' }),
    services: z.array(z.string().trim().min(1).max(SERVICE_MAX)).max(SERVICES_MAX).optional(),
    description: z.string().max(DESCRIPTION_MAX).optional(),
    private: z.boolean().optional().meta({ description: 'a private channel; only with API_PRIVATE_TOKEN' }),
    lead: z
      .string()
      .regex(SLACK_USER, 'a Slack user ID such as U0123ABCD')
      .optional()
      .meta({ description: 'Slack user ID; invited to the channel. Unset: the first to acknowledge leads' }),
    started_at: time
      .optional()
      .meta({ description: 'when impact started; default now, never in the future' }),
  }),
);
export const StatusRequestSchema = named('StatusRequest', z.strictObject({ status: OpenStatusSchema }));
export const SeverityRequestSchema = named('SeverityRequest', z.strictObject({ severity: SeveritySchema }));
export const NoteRequestSchema = named(
  'NoteRequest',
  z.strictObject({
    // Shape only: the rules (not empty, at most NOTE_MAX characters, the time's limits) are the note
    // verb's, shared with `/incident note`, and answer 422 naming the field. The limit is metadata for
    // the document only: zod's .max() counts UTF-16 units and would refuse 3,000 emoji, while JSON
    // Schema's maxLength counts characters, as the verb does.
    text: z.string().meta({
      description: `what happened; not empty, at most ${NOTE_MAX} characters`,
      maxLength: NOTE_MAX,
    }),
    occurred_at: time
      .optional()
      .meta({ description: 'backdate the note; not in the future, not before impact started' }),
  }),
);

const slackUser = (description: string) =>
  z.string().regex(SLACK_USER, 'a Slack user ID such as U0123ABCD').meta({ description });

/**
 * Shapes only: the rules (lengths, the category list, times, how many follow-ups) are the resolve
 * verb's, shared with the Slack form, and answer 422 naming the field.
 */
export const ResolveRequestSchema = named(
  'ResolveRequest',
  z.strictObject({
    resolution: z.string().meta({ description: 'what fixed it, in a sentence or two' }),
    root_cause: z
      .strictObject({
        summary: z.string().optional().meta({ description: 'why it happened' }),
        not_known_yet: z.boolean().optional().meta({
          description:
            'true without a summary: resolved now, and the lead is reminded (as after a Slack resolve) until the root cause is written down',
        }),
        category: z.string().optional().meta({ description: 'one of ROOT_CAUSE_CATEGORIES' }),
        contributing_factors: z.array(z.string()).max(100).optional(),
      })
      .meta({ description: 'a summary, or not_known_yet: true' }),
    services: z
      .array(z.string())
      .max(100)
      .optional()
      .meta({ description: 'the affected services; default: the incident’s as they are' }),
    resolved_at: time
      .optional()
      .meta({ description: 'backdate the resolution; default now, never before impact started' }),
    follow_ups: z
      .array(
        z.strictObject({
          text: z.string(),
          owner: slackUser('Slack user ID; in a private incident, a member of its channel').optional(),
          due_date: z.string().optional().meta({ description: 'YYYY-MM-DD' }),
        }),
      )
      .max(100)
      .optional()
      .meta({ description: 'at most 5; tracked and reminded like those added in Slack' }),
  }),
);
export const ReopenRequestSchema = named(
  'ReopenRequest',
  z.strictObject({ reason: z.string().optional().meta({ description: 'shown in the channel' }) }),
);
export const RolesRequestSchema = named(
  'RolesRequest',
  z
    .strictObject({
      lead: slackUser('the incident lead').optional(),
      comms: slackUser('who talks to stakeholders').optional(),
      scribe: slackUser('who keeps the timeline').optional(),
    })
    .refine((r) => r.lead !== undefined || r.comms !== undefined || r.scribe !== undefined, {
      message: 'name at least one of lead, comms, scribe',
    }),
);
export const RolesResultSchema = named(
  'RolesResult',
  z.object({
    incident: IncidentSchema,
    roles: z.object({
      lead: z.string().nullable(),
      comms: z.string().nullable(),
      scribe: z.string().nullable(),
    }),
    changed: z
      .array(z.enum(['lead', 'comms', 'scribe']))
      .meta({ description: 'the roles that changed hands' }),
  }),
);

export const IdempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, '1 to 200 visible ASCII characters (a UUID, say)');

/** Comma-separated list in a query parameter: `status=investigating,identified`. */
const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .pipe(z.array(item).min(1));

const limit = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'a whole number')
    .transform(Number)
    .pipe(z.int().min(1).max(max))
    .optional()
    .transform((n) => n ?? fallback);

export const LIST_MAX = 100;
export const TIMELINE_MAX = 500;

export const ListQuerySchema = z.strictObject({
  status: commaList(z.enum([...STATUSES, 'open']))
    .optional()
    .meta({
      description: 'comma-separated statuses; `open` means investigating, identified and monitoring',
    }),
  severity: commaList(z.enum(['1', '2', '3', '4']).transform(Number))
    .optional()
    .meta({ description: 'comma-separated severities, e.g. `1,2`' }),
  limit: limit(LIST_MAX, 25).meta({ description: `page size, 1 to ${LIST_MAX}, default 25` }),
  cursor: z.string().max(100).optional().meta({ description: 'next_cursor of the previous page' }),
});

export const TimelineQuerySchema = z.strictObject({
  limit: limit(TIMELINE_MAX, 100).meta({ description: `page size, 1 to ${TIMELINE_MAX}, default 100` }),
  cursor: z.string().max(100).optional().meta({ description: 'next_cursor of the previous page' }),
});

export type IncidentOut = z.output<typeof IncidentSchema>;
export type TimelineEntryOut = z.output<typeof TimelineEntrySchema>;
export type ListQuery = z.output<typeof ListQuerySchema>;
export type TimelineQuery = z.output<typeof TimelineQuerySchema>;
