import { z } from 'zod';
import { type Endpoint, endpoints } from './endpoints.js';
import { API_BODY_LIMIT } from './http.js';
import { components, ErrorSchema } from './schemas.js';

/** Where the API is mounted; every path in the document is below it. */
export const API_BASE = '/api/v1';

type Json = Record<string, unknown>;

const REF = '#/components/schemas/';

/** zod's JSON Schema without the per-schema `$schema`/`$id` (OpenAPI 3.1's dialect is 2020-12 already). */
function bare(schema: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function refTo(schema: z.ZodType): Json {
  const id = components.get(schema)?.id;
  if (id === undefined) throw new Error('a response or body schema must be registered in components');
  return { $ref: `${REF}${id}` };
}

const ERROR_TEXT: Record<number, string> = {
  400: 'the request is malformed; `issues` names each wrong field',
  401: 'missing or wrong bearer token',
  403: 'this token may not do that',
  404: 'no such incident (private incidents are 404 without API_PRIVATE_TOKEN)',
  409: 'the incident is not in a state that allows this (e.g. resolved)',
  413: `the body is over ${API_BODY_LIMIT} bytes`,
  415: 'the body is not sent as application/json',
  422: 'the request is well-formed but the value is refused (e.g. a start time in the future); `error` reads `path: words` and `issues` holds that path and the same message',
  502: 'Slack could not be asked (e.g. who is in a private channel); nothing was changed',
  429: 'over this token’s rate limit (API_RATE_LIMIT); retry after `Retry-After` seconds',
};

const errorAnswer = (status: number): Json => ({
  description: ERROR_TEXT[status] ?? 'error',
  ...(status === 429
    ? {
        headers: {
          'Retry-After': { description: 'seconds until a request is allowed', schema: { type: 'integer' } },
        },
      }
    : {}),
  content: { 'application/json': { schema: refTo(ErrorSchema) } },
});

function operation(e: Endpoint): Json {
  const parameters: Json[] = [];
  if (e.path.includes('{number}')) {
    parameters.push({
      name: 'number',
      in: 'path',
      required: true,
      description: 'the incident number, `12` or `INC-12`',
      schema: { type: 'string', pattern: '^(?:[Ii][Nn][Cc]-?)?[0-9]{1,9}$' },
    });
  }
  for (const [name, field] of Object.entries(e.query?.shape ?? {})) {
    const schema = bare(z.toJSONSchema(field as z.ZodType, { io: 'input', target: 'draft-2020-12' }) as Json);
    const { description, ...rest } = schema;
    parameters.push({
      name,
      in: 'query',
      required: false,
      ...(description !== undefined ? { description } : {}),
      schema: rest,
    });
  }
  for (const [name, spec] of Object.entries(e.headers ?? {})) {
    parameters.push({
      name: name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => `${dash}${c.toUpperCase()}`),
      in: 'header',
      required: false,
      description: spec.description,
      schema: bare(z.toJSONSchema(spec.schema, { io: 'input', target: 'draft-2020-12' }) as Json),
    });
  }
  const statuses = [...new Set([400, 401, ...(e.body ? [413, 415] : []), 429, ...e.errors])].sort();
  return {
    operationId: e.operationId,
    summary: e.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(e.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: refTo(e.body) } } } }
      : {}),
    responses: {
      ...Object.fromEntries(
        [e.ok, ...(e.alsoOk ?? [])].map((ok) => [
          String(ok.status),
          { description: ok.description, content: { 'application/json': { schema: refTo(ok.schema) } } },
        ]),
      ),
      ...Object.fromEntries(statuses.map((s) => [String(s), errorAnswer(s)])),
    },
  };
}

let cached: Json | undefined;

/** The OpenAPI 3.1 document of GET /api/v1/openapi.json, built from the schemas the server validates with. */
export function openApiDocument(): Json {
  if (cached) return cached;
  const { schemas } = z.toJSONSchema(components, {
    target: 'draft-2020-12',
    uri: (id) => `${REF}${id}`,
  }) as { schemas: Record<string, Json> };
  const paths: Record<string, Json> = {
    [`${API_BASE}/openapi.json`]: {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        responses: {
          '200': { description: 'the OpenAPI 3.1 document', content: { 'application/json': {} } },
          '401': errorAnswer(401),
          '429': errorAnswer(429),
        },
      },
    },
  };
  for (const e of endpoints) {
    const key = `${API_BASE}${e.path}`;
    paths[key] = { ...(paths[key] ?? {}), [e.method.toLowerCase()]: operation(e) };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Firebreak API',
      version: '1',
      description:
        'Read and change incidents over HTTP. Every change is on the incident timeline with the author "API" and shows in Slack as the same change made there would. Private incidents are visible only with API_PRIVATE_TOKEN.',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN, or API_PRIVATE_TOKEN' },
      },
      schemas: Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, bare(v)])),
    },
  };
  return cached;
}
