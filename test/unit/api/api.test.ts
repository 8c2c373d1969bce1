import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { noEffects } from '../../../src/api/effects.js';
import { endpoints } from '../../../src/api/endpoints.js';
import { openApiDocument } from '../../../src/api/openapi.js';
import { DeclareRequestSchema, ListQuerySchema, NoteRequestSchema } from '../../../src/api/schemas.js';
import {
  ApiError,
  addNoteViaApi,
  changeStatusViaApi,
  listIncidents,
  visibleIncident,
} from '../../../src/api/service.js';
import { loadConfig } from '../../../src/config.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import type { IncidentChange } from '../../../src/runtime/hooks.js';
import { makeIncident, testDb } from '../../helpers/db.js';

const config = (env: Record<string, string>) =>
  loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', ...env });

describe('API configuration', () => {
  it('API_PRIVATE_TOKEN needs API_TOKEN, must differ from it, and tokens are at least 16 characters', () => {
    expect(() => config({ API_PRIVATE_TOKEN: 'p'.repeat(20) })).toThrow(
      /API_PRIVATE_TOKEN .*only together with API_TOKEN/,
    );
    expect(() => config({ API_TOKEN: 'a'.repeat(20), API_PRIVATE_TOKEN: 'a'.repeat(20) })).toThrow(
      /API_PRIVATE_TOKEN .*different/,
    );
    expect(() => config({ API_TOKEN: 'short' })).toThrow(/API_TOKEN is malformed/);
    expect(config({ API_TOKEN: 'a'.repeat(20), API_PRIVATE_TOKEN: 'b'.repeat(20) }).API_PRIVATE_TOKEN).toBe(
      'b'.repeat(20),
    );
  });
});

describe('API request schemas', () => {
  it('list query: comma lists, open, limit bounds, defaults', () => {
    expect(ListQuerySchema.parse({})).toEqual({ limit: 25 });
    expect(ListQuerySchema.parse({ status: 'open,resolved', severity: '1, 2', limit: '100' })).toEqual({
      status: ['open', 'resolved'],
      severity: [1, 2],
      limit: 100,
    });
    for (const bad of [
      { limit: '0' },
      { limit: '101' },
      { limit: '2.5' },
      { severity: '0' },
      { status: 'done' },
      { status: ',' },
      { other: 'x' },
    ])
      expect(ListQuerySchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('declare: strict fields, trimmed title, Slack user ID for lead, ISO times with offsets', () => {
    expect(
      DeclareRequestSchema.parse({ title: '  Down  ', started_at: '2026-11-23T08:00:00+01:00' }),
    ).toEqual({
      title: 'Down',
      started_at: '2026-11-23T08:00:00+01:00',
    });
    for (const bad of [
      {},
      { title: '   ' },
      { title: 'x'.repeat(151) },
      { title: 'x', lead: '@alice' },
      { title: 'x', started_at: 'yesterday' },
      { title: 'x', severity: '2' },
      { title: 'x', services: new Array(21).fill('s') },
      { title: 'x', extra: true },
    ])
      expect(DeclareRequestSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    // A note's length and emptiness are the note verb's rules (one set with /incident note): only its shape here.
    expect(NoteRequestSchema.safeParse({ text: 3 }).success).toBe(false);
    expect(NoteRequestSchema.safeParse({ text: 'x', extra: true }).success).toBe(false);
  });
});

describe('the OpenAPI document', () => {
  const doc = openApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
    components: { schemas: Record<string, Record<string, unknown>> };
  };

  it('is OpenAPI 3.1 with one operation per endpoint, each listing 401', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const e of endpoints) {
      const op = doc.paths[`/api/v1${e.path}`]?.[e.method.toLowerCase()];
      expect(op?.operationId).toBe(e.operationId);
      expect(Object.keys(op?.responses ?? {})).toContain('401');
      expect(Object.keys(op?.responses ?? {})).toContain(String(e.ok.status));
    }
  });

  it('has component schemas that compile as JSON Schema 2020-12 and agree with zod', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'https://x.test/doc', components: doc.components });
    const validate = ajv.compile({ $ref: 'https://x.test/doc#/components/schemas/DeclareRequest' });
    expect(validate({ title: 'x', severity: 2, lead: 'U0ALICE' })).toBe(true);
    expect(validate({ title: 'x', sev: 2 })).toBe(false);
    expect(validate({ title: 'x', severity: 5 })).toBe(false);
    for (const schema of Object.values(doc.components.schemas)) {
      expect(schema.$schema).toBeUndefined();
      expect(schema.$id).toBeUndefined();
    }
  });
});

describe('src/api stays free of Slack', () => {
  it('imports neither @slack/* nor any slack/ folder, outside its own slack/ glue', () => {
    const dir = new URL('../../../src/api/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(4);
    for (const f of files) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      for (const m of text.matchAll(/from '([^']+)'/g)) {
        expect(m[1], `${f} imports ${m[1]}`).not.toMatch(/^@slack\/|(^|\/)slack\//);
      }
    }
  });
});

describe('API operations', () => {
  const clock = new FakeClock('2026-11-23T10:00:00Z');

  it('private incidents: 404 and unlisted for the public scope, the same as missing', () => {
    const db = testDb();
    makeIncident(db, { title: 'public' });
    makeIncident(db, { title: 'secret', isPrivate: true });
    const pub = { private: false };
    expect(listIncidents(db, pub, { limit: 25 }).incidents.map((i) => i.number)).toEqual([1]);
    expect(listIncidents(db, { private: true }, { limit: 25 }).incidents.map((i) => i.number)).toEqual([
      2, 1,
    ]);
    const hidden = (() => {
      try {
        visibleIncident(db, pub, '2');
      } catch (e) {
        return e as ApiError;
      }
    })();
    const missing = (() => {
      try {
        visibleIncident(db, pub, '3');
      } catch (e) {
        return e as ApiError;
      }
    })();
    expect(hidden?.status).toBe(404);
    expect(hidden?.message.replace('2', 'N')).toBe(missing?.message.replace('3', 'N'));
    expect(visibleIncident(db, { private: true }, 'INC-2').title).toBe('secret');
  });

  it('list pages by keyset, so an incident declared between pages is not shown twice', () => {
    const db = testDb();
    for (let i = 0; i < 5; i++) makeIncident(db);
    const first = listIncidents(db, { private: true }, { limit: 2 });
    expect(first.incidents.map((i) => i.number)).toEqual([5, 4]);
    makeIncident(db);
    const second = listIncidents(db, { private: true }, { limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.incidents.map((i) => i.number)).toEqual([3, 2]);
    expect(() => listIncidents(db, { private: true }, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' })).toThrow(
      ApiError,
    );
  });

  it('changes are recorded as the API, and their Slack side is asked for only when something changed', () => {
    const db = testDb();
    const inc = makeIncident(db, { startedAt: new Date('2026-11-23T09:00:00Z') });
    const calls: string[] = [];
    const effects = {
      ...noEffects,
      statusChanged: (_id: number, from: string, to: string) => calls.push(`${from}>${to}`),
      publish: (changes: readonly IncidentChange[]) =>
        calls.push(...changes.map((c) => `${c.kind} ${c.incidentId}`)),
    };
    const deps = { db, clock, effects, categories: [] };
    expect(changeStatusViaApi(deps, inc, { status: 'identified' }).changed).toBe(true);
    expect(changeStatusViaApi(deps, inc, { status: 'identified' }).changed).toBe(false);
    const note = addNoteViaApi(deps, inc, { text: 'token xoxb-123456789012-abcdefabcdef leaked' });
    expect(note).toMatchObject({ authorId: 'API', capturedVia: 'api', redacted: true });
    expect(calls).toEqual(['investigating>identified', `note_added ${inc.id}`]);
    const rows = db.$client
      .prepare('select kind, author_id, captured_via from timeline_events order by id')
      .all();
    expect(rows).toEqual([
      { kind: 'status', author_id: 'API', captured_via: 'api' },
      { kind: 'note', author_id: 'API', captured_via: 'api' },
    ]);
  });
});
