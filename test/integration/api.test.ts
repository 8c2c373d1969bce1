import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../sim/web-api.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { closeDb, openDb } from '../../src/db/client.js';
import { migrateDb } from '../../src/db/migrate.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { createLogger } from '../../src/log.js';
import { REMINDER_JOB } from '../../src/resolution/slack/reminder-jobs.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { freePort } from '../helpers/child-bot.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * The HTTP API (/api/v1) over real HTTP against the running bot and the Slack simulator. Every
 * request body and every answer is checked against the OpenAPI document the bot serves, so the
 * document is proven to describe what the server really accepts and answers.
 */
const TOKEN = 'api-token-0123456789abcdef';
const PRIVATE_TOKEN = 'api-private-token-0123456789abcdef';
const { alice, bob, carol } = WS.users;

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ env: { API_TOKEN: TOKEN, API_PRIVATE_TOKEN: PRIVATE_TOKEN } });
});
afterEach(async () => {
  await h.close();
});

const base = (harness: Harness) => harness.botUrl.replace(/\/slack\/events$/, '');

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}
interface Operation {
  parameters?: { name: string; in: string; schema: unknown }[];
  requestBody?: { content: { 'application/json': { schema: unknown } } };
  responses: Record<string, { content?: { 'application/json'?: { schema?: unknown } } }>;
}

/** Ajv over the served document: each schema referenced by its place in the document. */
async function contract(harness: Harness) {
  const r = await fetch(`${base(harness)}/api/v1/openapi.json`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(r.status).toBe(200);
  const doc = (await r.json()) as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'https://firebreak.test/openapi.json', components: doc.components });
  const check = (schema: unknown, value: unknown, what: string) => {
    // Local refs (#/components/…) resolve inside the added document.
    const validate = ajv.compile({
      $id: `https://firebreak.test/${what.replace(/\W+/g, '-')}-${Math.random()}`,
      ...rebase(schema),
    });
    if (!validate(value))
      throw new Error(
        `${what} does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`,
      );
  };
  /** The operation serving `path` (e.g. /api/v1/incidents/3/status) and `method`. */
  const operation = (method: string, path: string): Operation => {
    const p = path.split('?')[0] ?? '';
    for (const [template, ops] of Object.entries(doc.paths)) {
      const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`);
      const op = ops[method.toLowerCase()];
      if (re.test(p) && op) return op;
    }
    throw new Error(`the OpenAPI document has no ${method} ${p}`);
  };
  return { doc, check, operation };
}

/** `#/components/…` → the added document's absolute URI, so a fresh schema can use it. */
function rebase(schema: unknown): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/', '"https://firebreak.test/openapi.json#/components/'),
  );
}

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: string; issues?: { path: string; message: string }[] };
  headers: Headers;
}

let api: (
  method: string,
  path: string,
  opts?: {
    body?: unknown;
    token?: string | null;
    /** Sent as is, not checked against the document (bad bodies on purpose). */
    raw?: string;
    type?: string;
    /** Query parameters not checked against the document (bad on purpose). */
    unchecked?: boolean;
    headers?: Record<string, string>;
  },
) => Promise<Answer>;

/** Requests checked against the document on the way out, answers on the way back. */
async function client(harness: Harness) {
  const c = await contract(harness);
  api = async (method, path, opts = {}) => {
    const op = c.operation(method, path);
    if (opts.body !== undefined && opts.raw === undefined) {
      const schema = op.requestBody?.content['application/json'].schema;
      c.check(schema, opts.body, `${method} ${path} request`);
    }
    const url = new URL(`${base(harness)}${path}`);
    for (const [name, value] of url.searchParams) {
      const param = op.parameters?.find((p) => p.in === 'query' && p.name === name);
      if (param && opts.unchecked !== true) c.check(param.schema, value, `query ${name}`);
    }
    const token = opts.token === undefined ? TOKEN : opts.token;
    const r = await fetch(url, {
      method,
      headers: {
        ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
        ...opts.headers,
        ...(opts.body !== undefined || opts.raw !== undefined
          ? { 'content-type': opts.type ?? 'application/json' }
          : {}),
      },
      ...(opts.raw !== undefined
        ? { body: opts.raw }
        : opts.body !== undefined
          ? { body: JSON.stringify(opts.body) }
          : {}),
    });
    const body = (await r.json()) as Answer['body'];
    const answer = op.responses[String(r.status)];
    if (!answer) throw new Error(`${method} ${path} answered ${r.status}, which the document does not list`);
    const schema = answer.content?.['application/json']?.schema;
    if (schema) c.check(schema, body, `${method} ${path} ${r.status} answer`);
    return { status: r.status, body, headers: r.headers };
  };
  return c;
}

/**
 * A refusal of one field, in the one shape every endpoint answers 422 with: the error starts with the
 * field's JSON path (`path: words`), and the one issue carries that path and the same message.
 */
function expectRefusal(r: Answer, path: string, words: RegExp) {
  expect(r.status, path).toBe(422);
  const error = r.body.error ?? '';
  expect(error.startsWith(`${path}: `), `${path} ← ${error}`).toBe(true);
  expect(error.slice(path.length + 2), path).toMatch(words);
  expect(r.body, path).toEqual({ error, issues: [{ path, message: error }] });
}

const incidentCount = () =>
  (h.db.$client.prepare('select count(*) as n from incidents').get() as { n: number }).n;
const pinnedSummary = (channel: string) => h.sim.renderBlocks(h.sim.pins(channel)[0]?.blocks);

async function declare(body: Record<string, unknown>, token = TOKEN, headers: Record<string, string> = {}) {
  const r = await api('POST', '/api/v1/incidents', { body, token, headers });
  expect(r.status).toBe(201);
  await h.idle();
  return r;
}

describe('HTTP API: the document', () => {
  it('serves an OpenAPI 3.1 document behind the token, listing every endpoint', async () => {
    const { doc } = await client(h);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/incidents',
      '/api/v1/incidents/{number}',
      '/api/v1/incidents/{number}/notes',
      '/api/v1/incidents/{number}/reopen',
      '/api/v1/incidents/{number}/resolve',
      '/api/v1/incidents/{number}/roles',
      '/api/v1/incidents/{number}/severity',
      '/api/v1/incidents/{number}/status',
      '/api/v1/incidents/{number}/timeline',
      '/api/v1/openapi.json',
    ]);
    const r = await fetch(`${base(h)}/api/v1/openapi.json`);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('states the note text’s limit as maxLength, in characters as the note verb counts (3,000 emoji fit)', async () => {
    const { doc, check, operation } = await client(h);
    const note = doc.components.schemas.NoteRequest as { properties: { text: Record<string, unknown> } };
    expect(note.properties.text).toMatchObject({ type: 'string', maxLength: 3000 });
    const schema = operation('POST', '/api/v1/incidents/1/notes').requestBody?.content['application/json']
      .schema;
    // JSON Schema's maxLength counts code points: the document accepts what the server accepts.
    expect(() => check(schema, { text: '🔥'.repeat(3000) }, 'emoji note')).not.toThrow();
    expect(() => check(schema, { text: 'x'.repeat(3001) }, 'long note')).toThrow(/maxLength|3000/);
  });
});

describe('HTTP API: round trips', () => {
  beforeEach(async () => {
    await client(h);
  });

  it('declare: stored at once, then the channel, invite, pinned summary and announcement a Slack declare makes', async () => {
    const r = await declare({
      title: 'Checkout returns 502',
      severity: 2,
      services: ['checkout', 'payments'],
      description: 'From the pager',
      lead: alice,
    });
    expect(r.body).toMatchObject({
      number: 1,
      ref: 'INC-1',
      severity: 2,
      status: 'investigating',
      declared_by: 'API',
      lead: alice,
    });
    expect(r.headers.get('location')).toBe('/api/v1/incidents/1');
    const ch = h.sim.channel('inc-1-checkout-returns-502');
    expect(ch).toBeDefined();
    const id = ch?.id ?? '';
    expect(h.sim.members(id)).toContain(alice);
    expect(h.sim.purpose(id)).toBe('Checkout returns 502');
    expect(h.sim.topic(id)).toBe('SEV2 · Investigating · Lead: @alice');
    expect(pinnedSummary(id)).toContain('INC-1 · Checkout returns 502');
    expect(pinnedSummary(id)).toContain('by API');
    const ann = h.sim.renderBlocks(h.sim.lastMessage(WS.channels.announce)?.blocks);
    expect(ann).toContain('INC-1');
    expect(ann).toContain(`<#${id}>`);
    // Nobody named "API" is invited, DMed or reported as refused.
    expect(h.sim.calls('conversations.invite').map((c) => c.args.users)).toEqual([alice]);
    expect(h.sim.messages(id).some((m) => m.text.includes('refused'))).toBe(false);

    const read = await api('GET', '/api/v1/incidents/INC-1');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      channel_id: id,
      channel_name: 'inc-1-checkout-returns-502',
      setup_error: null,
      services: ['checkout', 'payments'],
    });
    const tl = await api('GET', '/api/v1/incidents/1/timeline');
    expect(tl.body.entries).toEqual([
      expect.objectContaining({ kind: 'declared', author: 'API', via: 'api' }),
    ]);
  });

  it('declare without a lead: the channel is made with nobody invited, and the first to acknowledge leads', async () => {
    await declare({ title: 'Search is slow' });
    const inc = getIncidentByNumber(h.db, 1);
    expect(inc?.leadId).toBeNull();
    expect(inc?.channelId).toBeTruthy();
    expect(h.sim.calls('conversations.invite')).toHaveLength(0);
    await h.person(bob).join(inc?.channelId ?? '');
    const ack = await h.person(bob).command('ack', inc?.channelId ?? '');
    expect(ack.reply?.text).toContain('you are the lead');
    expect(getIncidentByNumber(h.db, 1)?.leadId).toBe(bob);
  });

  it('status and severity: stored, on the timeline as the API, noticed in the channel, summary and topic updated', async () => {
    await declare({ title: 'Queue backlog', lead: alice });
    const ch = getIncidentByNumber(h.db, 1)?.channelId ?? '';
    const s = await api('POST', '/api/v1/incidents/1/status', { body: { status: 'identified' } });
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ changed: true, incident: { status: 'identified' } });
    const v = await api('POST', '/api/v1/incidents/1/severity', { body: { severity: 1 } });
    expect(v.body).toMatchObject({ changed: true, incident: { severity: 1 } });
    await h.idle();
    const texts = h.sim.messages(ch).map((m) => m.text);
    expect(texts).toContain('API changed the status: Investigating → *Identified*');
    expect(texts).toContain('API changed the severity: SEV3 → *SEV1*');
    expect(h.sim.topic(ch)).toBe('SEV1 · Identified · Lead: @alice');
    expect(pinnedSummary(ch)).toContain('Identified');
    expect(pinnedSummary(ch)).toContain('SEV1');
    const ann = h.sim.renderBlocks(h.sim.lastMessage(WS.channels.announce)?.blocks);
    expect(ann).toContain('SEV1');

    // The same value again: 200, changed false, no second notice.
    const again = await api('POST', '/api/v1/incidents/1/status', { body: { status: 'identified' } });
    expect(again.body).toMatchObject({ changed: false });
    await h.idle();
    expect(h.sim.messages(ch).filter((m) => m.text.includes('changed the status'))).toHaveLength(1);

    const tl = await api('GET', '/api/v1/incidents/1/timeline');
    const entries = tl.body.entries as { kind: string; author: string; via: string; data: unknown }[];
    expect(entries.filter((e) => e.kind === 'status')).toEqual([
      expect.objectContaining({
        author: 'API',
        via: 'api',
        data: { from: 'investigating', to: 'identified' },
      }),
    ]);
    expect(entries.filter((e) => e.kind === 'severity')).toEqual([
      expect.objectContaining({ author: 'API', via: 'api', data: { from: 3, to: 1 } }),
    ]);
  });

  it('notes: on the timeline with the API as author, backdated by instant, and shown by /incident timeline', async () => {
    await declare({ title: 'Login errors', lead: alice, started_at: '2026-11-23T08:00:00Z' });
    const n = await api('POST', '/api/v1/incidents/1/notes', { body: { text: 'Rolled back deploy 4411' } });
    expect(n.status).toBe(201);
    expect(n.body).toMatchObject({
      kind: 'note',
      text: 'Rolled back deploy 4411',
      author: 'API',
      via: 'api',
      occurred_at: '2026-11-23T09:00:00.000Z',
    });
    const back = await api('POST', '/api/v1/incidents/1/notes', {
      body: { text: 'First 5xx in the logs', occurred_at: '2026-11-23T09:30:00+01:00' },
    });
    expect(back.body).toMatchObject({ occurred_at: '2026-11-23T08:30:00.000Z', data: { backdated: true } });
    await h.idle();

    const tl = await api('GET', '/api/v1/incidents/1/timeline');
    expect((tl.body.entries as { text: string }[]).map((e) => e.text)).toEqual([
      'First 5xx in the logs',
      expect.stringContaining('declared'),
      'Rolled back deploy 4411',
    ]);
    const ch = getIncidentByNumber(h.db, 1)?.channelId ?? '';
    const shown = await h.person(alice).command('timeline', ch);
    const text = JSON.stringify(shown.reply);
    expect(text).toContain('Rolled back deploy 4411');
    expect(text).toContain('API');

    const future = await api('POST', '/api/v1/incidents/1/notes', {
      body: { text: 'later', occurred_at: '2026-11-23T10:00:00Z' },
    });
    expect(future.status).toBe(422);
    expect(future.body.error).toMatch(/future/);
    const early = await api('POST', '/api/v1/incidents/1/notes', {
      body: { text: 'earlier', occurred_at: '2026-11-23T07:00:00Z' },
    });
    expect(early.status).toBe(422);
    expect(early.body.error).toMatch(/before this incident started/);
  });

  it('notes are refused by the rules of /incident note (one verb), each answer naming the request field', async () => {
    await declare({ title: 'Login errors', lead: alice, started_at: '2026-11-23T08:00:00Z' });
    // Over the document's maxLength the request is sent unchecked: the server's answer is under test.
    const note = (body: { text: string; occurred_at?: string }) =>
      api(
        'POST',
        '/api/v1/incidents/1/notes',
        Array.from(body.text).length > 3000 ? { raw: JSON.stringify(body) } : { body },
      );
    const refusals = [
      [
        { text: 'later', occurred_at: '2026-11-23T10:00:00Z' },
        'occurred_at: 2026-11-23 10:00 (UTC) is in the future.',
      ],
      // Seconds count: an instant 30 s ahead is in the future, and the answer shows them.
      [
        { text: 'soon', occurred_at: '2026-11-23T09:00:30Z' },
        'occurred_at: 2026-11-23 09:00:30 (UTC) is in the future.',
      ],
      [
        { text: 'earlier', occurred_at: '2026-11-23T07:00:00Z' },
        'occurred_at: 2026-11-23 07:00 (UTC) is before this incident started (2026-11-23 08:00 (UTC)).',
      ],
      [{ text: '   ' }, 'text: What should the note say? The text is empty.'],
      [{ text: 'x'.repeat(3001) }, 'text: That note is 3001 characters; the limit is 3000.'],
    ] as const;
    for (const [body, error] of refusals) {
      const r = await note(body);
      expect(r.body.error).toBe(error);
      expectRefusal(r, error.split(':')[0] ?? '', /\w/);
    }
    // The limit is in characters, as in Slack: 3,000 emoji (6,000 UTF-16 units) are one note.
    const emoji = await note({ text: '🔥'.repeat(3000) });
    expect(emoji.status).toBe(201);
    const tl = await api('GET', '/api/v1/incidents/1/timeline');
    expect((tl.body.entries as { kind: string }[]).filter((e) => e.kind === 'note')).toHaveLength(1);
  });

  it('list: newest first, filtered by status and severity, paged by cursor', async () => {
    for (const [title, severity] of [
      ['A', 1],
      ['B', 2],
      ['C', 3],
      ['D', 2],
    ] as const)
      await declare({ title, severity });
    await api('POST', '/api/v1/incidents/2/status', { body: { status: 'monitoring' } });
    const all = await api('GET', '/api/v1/incidents');
    expect((all.body.incidents as { number: number }[]).map((i) => i.number)).toEqual([4, 3, 2, 1]);
    expect(all.body.next_cursor).toBeNull();

    const sev2 = await api('GET', '/api/v1/incidents?severity=2');
    expect((sev2.body.incidents as { number: number }[]).map((i) => i.number)).toEqual([4, 2]);
    const mon = await api('GET', '/api/v1/incidents?status=monitoring,resolved');
    expect((mon.body.incidents as { number: number }[]).map((i) => i.number)).toEqual([2]);
    const open12 = await api('GET', '/api/v1/incidents?status=open&severity=1,2');
    expect((open12.body.incidents as { number: number }[]).map((i) => i.number)).toEqual([4, 2, 1]);

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await api('GET', `/api/v1/incidents?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(page.body.incidents as { number: number }[]).map((i) => i.number));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(seen).toEqual([4, 3, 2, 1]);
  });

  it('declare with an Idempotency-Key: a retry answers 200 with the same incident, one channel', async () => {
    const headers = { 'idempotency-key': 'alert-7f3a-2026-11-23' };
    const first = await api('POST', '/api/v1/incidents', { body: { title: 'Disk full on db-1' }, headers });
    expect(first.status).toBe(201);
    await h.idle();
    const retry = await api('POST', '/api/v1/incidents', { body: { title: 'Disk full on db-1' }, headers });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ number: 1, channel_id: getIncidentByNumber(h.db, 1)?.channelId });
    await h.idle();
    expect(incidentCount()).toBe(1);
    expect(h.sim.calls('conversations.create')).toHaveLength(1);
    // Another key is another incident; a key that is not visible ASCII is refused.
    const other = await api('POST', '/api/v1/incidents', {
      body: { title: 'Disk full on db-2' },
      headers: { 'idempotency-key': 'alert-8' },
    });
    expect(other.status).toBe(201);
    const bad = await api('POST', '/api/v1/incidents', {
      body: { title: 'x' },
      headers: { 'idempotency-key': 'x'.repeat(201) },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/idempotency-key/);
  });

  it('a declare whose Slack setup failed shows setup_error; retrying it with its key resumes the setup', async () => {
    h.sim.fault('conversations.create', { error: 'restricted_action' });
    const headers = { 'idempotency-key': 'retry-me' };
    await declare({ title: 'Payments timeout', lead: alice }, TOKEN, headers);
    const failed = await api('GET', '/api/v1/incidents/1');
    expect(failed.body).toMatchObject({ channel_id: null, setup_error: 'restricted_action' });
    // Nobody named "API" is DMed about it.
    expect(h.sim.calls('chat.postMessage').filter((c) => c.args.channel === 'API')).toHaveLength(0);

    const retry = await api('POST', '/api/v1/incidents', {
      body: { title: 'Payments timeout', lead: alice },
      headers,
    });
    expect(retry.status).toBe(200);
    await h.idle();
    const done = await api('GET', '/api/v1/incidents/1');
    expect(done.body).toMatchObject({ setup_error: null, channel_name: 'inc-1-payments-timeout' });
    expect(h.sim.members(String(done.body.channel_id))).toContain(alice);
    expect(h.sim.messages(WS.channels.announce).filter((m) => m.text.includes('INC-1'))).toHaveLength(1);
  });

  it('timeline pages by cursor', async () => {
    await declare({ title: 'Paging' });
    for (let i = 1; i <= 4; i++)
      await api('POST', '/api/v1/incidents/1/notes', { body: { text: `note ${i}` } });
    const first = await api('GET', '/api/v1/incidents/1/timeline?limit=2');
    expect((first.body.entries as unknown[]).length).toBe(2);
    const second = await api('GET', `/api/v1/incidents/1/timeline?limit=2&cursor=${first.body.next_cursor}`);
    const third = await api('GET', `/api/v1/incidents/1/timeline?limit=2&cursor=${second.body.next_cursor}`);
    expect((third.body.entries as { text: string }[]).map((e) => e.text)).toEqual(['note 4']);
    expect(third.body.next_cursor).toBeNull();
  });
});

describe('HTTP API: refusals', () => {
  beforeEach(async () => {
    await client(h);
  });

  it('401 without the token or with a wrong one, with WWW-Authenticate, and nothing stored', async () => {
    for (const token of [null, 'wrong-token-0123456789abcdef', `${TOKEN}x`]) {
      const r = await api('POST', '/api/v1/incidents', { body: { title: 'Nope' }, token });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="firebreak-api"');
    }
    const basic = await fetch(`${base(h)}/api/v1/incidents`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
    });
    expect(basic.status).toBe(401);
    // Unknown paths are 401 too: an unauthenticated caller does not learn which paths exist.
    expect((await fetch(`${base(h)}/api/v1/nothing-here`)).status).toBe(401);
    await h.idle();
    expect(incidentCount()).toBe(0);
    expect(h.sim.calls('conversations.create')).toHaveLength(0);
  });

  it('400 for bad JSON, unknown or wrong fields and bad query parameters, naming what is wrong', async () => {
    const badJson = await api('POST', '/api/v1/incidents', { raw: '{"title": "x",' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error).toMatch(/not valid JSON/);

    const unknown = await api('POST', '/api/v1/incidents', { raw: JSON.stringify({ title: 'x', sev: 1 }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.issues).toEqual([{ path: '(body)', message: 'unknown field(s): sev' }]);

    const wrong = await api('POST', '/api/v1/incidents', { raw: JSON.stringify({ title: '', severity: 7 }) });
    expect(wrong.status).toBe(400);
    expect(wrong.body.issues?.map((i) => i.path).sort()).toEqual(['severity', 'title']);
    expect(wrong.body.error).toMatch(/^bad body: /);

    const notObject = await api('POST', '/api/v1/incidents', { raw: '[1,2]' });
    expect(notObject.status).toBe(400);
    const empty = await api('POST', '/api/v1/incidents', { raw: '' });
    expect(empty.status).toBe(400);

    const status = await api('POST', '/api/v1/incidents/1/status', {
      raw: JSON.stringify({ status: 'resolved' }),
    });
    expect(status.status).toBe(400);
    expect(status.body.issues?.[0]?.path).toBe('status');

    for (const q of [
      'limit=0',
      'limit=101',
      'limit=ten',
      'severity=5',
      'status=broken',
      'cursor=bogus',
      'colour=red',
      'limit=1&limit=2',
    ]) {
      const r = await api('GET', `/api/v1/incidents?${q}`, { unchecked: true });
      expect(r.status, q).toBe(400);
      expect(r.body.issues?.length, q).toBeGreaterThan(0);
    }
    expect((await api('GET', '/api/v1/incidents/1?x=1')).status).toBe(400);
    expect(incidentCount()).toBe(0);
  });

  it('413 for a body over the limit, 415 for a body that is not JSON', async () => {
    const big = await api('POST', '/api/v1/incidents', {
      raw: JSON.stringify({ title: 'x'.repeat(70_000) }),
    });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/limit/);
    const form = await api('POST', '/api/v1/incidents', {
      raw: 'title=x',
      type: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(incidentCount()).toBe(0);
  });

  it('404 for an unknown incident or path, 405 for a wrong method', async () => {
    expect((await api('GET', '/api/v1/incidents/42')).status).toBe(404);
    expect((await api('GET', '/api/v1/incidents/42/timeline')).status).toBe(404);
    const st = await api('POST', '/api/v1/incidents/42/status', { body: { status: 'identified' } });
    expect(st.status).toBe(404);
    expect(st.body.error).toBe('There is no incident 42.');
    const nowhere = await fetch(`${base(h)}/api/v1/nothing-here`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(nowhere.status).toBe(404);
    // A broken percent-escape: 400 before Bolt's route matching (which would throw on decoding it).
    const broken = await fetch(`${base(h)}/api/v1/incidents/%E0`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: 'the request path has a malformed percent-escape' });
    const del = await fetch(`${base(h)}/api/v1/incidents/1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET');
  });

  it('409 changing a resolved incident, 422 for a start time in the future; nothing changed', async () => {
    await declare({ title: 'Done already' });
    // Resolved in Slack's own way is a modal flow; the stored state is what the API checks.
    h.db.$client
      .prepare("update incidents set status = 'resolved', resolved_at = ? where number = 1")
      .run(Date.now());
    const r = await api('POST', '/api/v1/incidents/1/status', { body: { status: 'monitoring' } });
    expect(r.status).toBe(409);
    expect(r.body.error).toBe('INC-1 is resolved; reopen it before you change its status.');
    const s = await api('POST', '/api/v1/incidents/1/severity', { body: { severity: 1 } });
    expect(s.status).toBe(409);
    expect(getIncidentByNumber(h.db, 1)).toMatchObject({ status: 'resolved', severity: 3 });

    const future = await api('POST', '/api/v1/incidents', {
      body: { title: 'Later', started_at: '2026-11-23T10:00:00Z' },
    });
    expectRefusal(future, 'started_at', /future/);
    expect(incidentCount()).toBe(1);
  });
});

type Entry = { kind: string; author: string; via: string; data: Record<string, unknown> };
const timeline = async (n: number, token = TOKEN) =>
  (await api('GET', `/api/v1/incidents/${n}/timeline`, { token })).body.entries as Entry[];
const followUpRows = () =>
  h.db.$client.prepare('select text, owner_id, due_date from follow_ups order by id').all();

describe('HTTP API: resolve, reopen, roles', () => {
  beforeEach(async () => {
    await client(h);
  });

  it('resolve: the verb the Slack form uses; resolution message, surfaces, root cause, follow-ups, timeline as the API', async () => {
    await declare({ title: 'Checkout returns 502', lead: alice, started_at: '2026-11-23T08:00:00Z' });
    const ch = getIncidentByNumber(h.db, 1)?.channelId ?? '';
    h.clock.advance(3_600_000); // 10:00; resolved_at backdates it to 09:45
    const r = await api('POST', '/api/v1/incidents/1/resolve', {
      body: {
        resolution: 'Rolled back deploy 4411',
        root_cause: {
          summary: 'A config flag turned off the connection pool',
          category: 'deploy/change',
          contributing_factors: ['no canary', 'alert fired late'],
        },
        resolved_at: '2026-11-23T09:45:00Z',
        follow_ups: [{ text: 'Add a canary stage', owner: bob, due_date: '2026-12-01' }],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'resolved',
      resolved_at: '2026-11-23T09:45:00.000Z',
      root_cause_summary: 'A config flag turned off the connection pool',
      root_cause_category: 'deploy/change',
      resolution_summary: 'Rolled back deploy 4411',
    });
    expect(getIncidentByNumber(h.db, 1)).toMatchObject({
      status: 'resolved',
      rootCauseSummary: 'A config flag turned off the connection pool',
      rootCauseCategory: 'deploy/change',
      contributingFactors: ['no canary', 'alert fired late'],
      rootCausePending: false,
    });
    expect(followUpRows()).toEqual([{ text: 'Add a canary stage', owner_id: bob, due_date: '2026-12-01' }]);
    await h.idle();
    const shown = h.sim.render(ch);
    expect(shown).toContain('INC-1 resolved');
    expect(shown).toContain('What fixed it:* Rolled back deploy 4411');
    expect(shown).toContain('Resolved by API');
    expect(shown).toContain('Root cause (deploy/change):* A config flag turned off the connection pool');
    expect(shown).toContain('Time to resolve:* 45m');
    expect(shown).toContain('Time to mitigate:* 1h 45m');
    expect(shown).toContain('Add a canary stage');
    expect(h.sim.topic(ch)).toContain('Resolved');
    expect(pinnedSummary(ch)).toContain('Resolved');
    // Nobody named "API" is DMed.
    expect(h.sim.calls('chat.postMessage').filter((c) => c.args.channel === 'API')).toHaveLength(0);

    const entries = await timeline(1);
    for (const kind of ['resolved', 'root_cause', 'follow_up'])
      expect(
        entries.find((e) => e.kind === kind),
        kind,
      ).toMatchObject({ author: 'API', via: 'api' });
  });

  it('resolve with the root cause not known yet: the lead is reminded as after a Slack resolve', async () => {
    await declare({ title: 'Search is slow', lead: alice });
    const ch = getIncidentByNumber(h.db, 1)?.channelId ?? '';
    const r = await api('POST', '/api/v1/incidents/1/resolve', {
      body: { resolution: 'Restarted the indexer', root_cause: { not_known_yet: true } },
    });
    expect(r.status).toBe(200);
    expect(getIncidentByNumber(h.db, 1)).toMatchObject({ status: 'resolved', rootCausePending: true });
    await h.idle();
    expect(h.sim.render(ch)).toContain('not known yet');
    // Tuesday 10:00 in New York (alice): the reminder the Slack resolve starts.
    h.clock.set('2026-11-24T15:00:00Z');
    await h.bot.scheduler.run(REMINDER_JOB);
    await h.idle();
    expect(h.sim.dms(alice)).toHaveLength(1);
    expect(h.sim.renderBlocks(h.sim.dms(alice)[0]?.blocks)).toContain('INC-1');
  });

  it('resolve refuses bad input with 422 naming the field, by the form’s rules; nothing changes', async () => {
    await declare({ title: 'Queue backlog', started_at: '2026-11-23T08:00:00Z' });
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        { resolution: 'x', root_cause: { summary: 'y', category: 'gremlins' } },
        'root_cause.category',
        // The allowed values, which the form shows as a menu.
        /^"gremlins" is not a category; use one of: .*deploy\/change/,
      ],
      [{ resolution: 'x', root_cause: {} }, 'root_cause.summary', /Not known yet/],
      [{ resolution: ' ', root_cause: { summary: 'y' } }, 'resolution', /what fixed it/],
      [
        { resolution: 'x', root_cause: { summary: 'y' }, resolved_at: '2026-11-23T07:00:00Z' },
        'resolved_at',
        /before the incident started/,
      ],
      [
        { resolution: 'x', root_cause: { summary: 'y' }, resolved_at: '2026-11-23T12:00:00Z' },
        'resolved_at',
        /future/,
      ],
      [
        {
          resolution: 'x',
          root_cause: { summary: 'y' },
          follow_ups: [{ text: 'a' }, { text: 'b', due_date: 'soon' }],
        },
        'follow_ups.1.due_date',
        /due date/,
      ],
      [
        {
          resolution: 'x',
          root_cause: { summary: 'y' },
          follow_ups: Array.from({ length: 6 }, () => ({ text: 'a' })),
        },
        'follow_ups',
        /at most 5/,
      ],
    ];
    for (const [body, path, message] of cases) {
      expectRefusal(await api('POST', '/api/v1/incidents/1/resolve', { body }), path, message);
    }
    expect(getIncidentByNumber(h.db, 1)?.status).toBe('investigating');
    expect(followUpRows()).toEqual([]);
  });

  it('reopen refuses a reason over 3,000 characters with 422 naming reason; nothing changes', async () => {
    await declare({ title: 'Queue backlog' });
    const body = { resolution: 'Drained the queue', root_cause: { summary: 'Stuck consumer' } };
    expect((await api('POST', '/api/v1/incidents/1/resolve', { body })).status).toBe(200);
    const r = await api('POST', '/api/v1/incidents/1/reopen', { body: { reason: 'x'.repeat(3001) } });
    expectRefusal(r, 'reason', /3,000/);
    expect(getIncidentByNumber(h.db, 1)?.status).toBe('resolved');
  });

  it('resolve twice: 409, the first resolution kept; reopen brings it back and it can be resolved again', async () => {
    await declare({ title: 'Login errors', lead: alice });
    const ch = getIncidentByNumber(h.db, 1)?.channelId ?? '';
    const body = { resolution: 'Rolled back', root_cause: { summary: 'Bad deploy' } };
    expect((await api('POST', '/api/v1/incidents/1/resolve', { body })).status).toBe(200);
    const again = await api('POST', '/api/v1/incidents/1/resolve', {
      body: { resolution: 'Other', root_cause: { summary: 'Other' } },
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/already resolved/);
    expect(getIncidentByNumber(h.db, 1)?.resolutionSummary).toBe('Rolled back');

    h.clock.advance(60_000);
    const re = await api('POST', '/api/v1/incidents/1/reopen', { body: { reason: 'errors are back' } });
    expect(re.status).toBe(200);
    expect(re.body).toMatchObject({ status: 'investigating', resolved_at: null });
    await h.idle();
    expect(h.sim.messages(ch).map((m) => m.text)).toContain(
      ':rewind: API reopened INC-1: errors are back Status is back to Investigating.',
    );
    expect(h.sim.topic(ch)).toContain('Investigating');
    expect((await timeline(1)).find((e) => e.kind === 'reopened')).toMatchObject({
      author: 'API',
      via: 'api',
    });
    const twice = await api('POST', '/api/v1/incidents/1/reopen', { body: {} });
    expect(twice.status).toBe(409);
    expect((await api('POST', '/api/v1/incidents/1/resolve', { body })).status).toBe(200);
  });

  it('roles: lead, comms and scribe set as /incident lead and role do; notices, invites, timeline as the API', async () => {
    await declare({ title: 'Payments timeout', lead: alice });
    const ch = getIncidentByNumber(h.db, 1)?.channelId ?? '';
    const r = await api('POST', '/api/v1/incidents/1/roles', { body: { lead: bob, comms: carol } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      incident: { lead: bob },
      roles: { lead: bob, comms: carol, scribe: null },
      changed: ['lead', 'comms'],
    });
    await h.idle();
    const texts = h.sim.messages(ch).map((m) => m.text);
    expect(texts).toContain(`API made <@${bob}> the lead.`);
    expect(texts).toContain(`API made <@${carol}> the comms.`);
    expect(h.sim.members(ch)).toEqual(expect.arrayContaining([bob, carol]));
    expect(h.sim.topic(ch)).toContain('Lead: @bob');
    const entries = await timeline(1);
    expect(entries.filter((e) => e.kind === 'lead' || e.kind === 'role')).toEqual([
      expect.objectContaining({
        kind: 'lead',
        author: 'API',
        via: 'api',
        data: { role: 'lead', from: alice, to: bob },
      }),
      expect.objectContaining({
        kind: 'role',
        author: 'API',
        via: 'api',
        data: { role: 'comms', from: null, to: carol },
      }),
    ]);
    const same = await api('POST', '/api/v1/incidents/1/roles', { body: { lead: bob } });
    expect(same.body).toMatchObject({ changed: [] });
    const none = await api('POST', '/api/v1/incidents/1/roles', { raw: '{}' });
    expect(none.status).toBe(400);
    const notId = await api('POST', '/api/v1/incidents/1/roles', { raw: JSON.stringify({ lead: '@bob' }) });
    expect(notId.status).toBe(400);
    expect(notId.body.issues?.[0]?.path).toBe('lead');
  });
});

describe('HTTP API: resolve and roles of private incidents', () => {
  beforeEach(async () => {
    await client(h);
  });

  it('404 with API_TOKEN, nothing changed; with API_PRIVATE_TOKEN only its channel members take roles and follow-ups', async () => {
    await declare({ title: 'Payroll data exposure', private: true, lead: alice }, PRIVATE_TOKEN);
    const ch = getIncidentByNumber(h.db, 1)?.channelId ?? '';
    const body = { resolution: 'Revoked the key', root_cause: { summary: 'Key in a public repo' } };
    for (const [path, b] of [
      ['/api/v1/incidents/1/resolve', body],
      ['/api/v1/incidents/1/roles', { lead: bob }],
      ['/api/v1/incidents/1/reopen', {}],
    ] as const) {
      const r = await api('POST', path, { body: b });
      expect(r.status, path).toBe(404);
      expect(r.body.error).toBe('There is no incident 1.');
    }
    expect(getIncidentByNumber(h.db, 1)).toMatchObject({ status: 'investigating', leadId: alice });

    // bob is not in the private channel: neither lead nor a follow-up's owner.
    const role = await api('POST', '/api/v1/incidents/1/roles', {
      body: { lead: bob },
      token: PRIVATE_TOKEN,
    });
    expectRefusal(role, 'lead', /private channel/);
    const owner = await api('POST', '/api/v1/incidents/1/resolve', {
      body: { ...body, follow_ups: [{ text: 'Rotate keys', owner: bob }] },
      token: PRIVATE_TOKEN,
    });
    expectRefusal(owner, 'follow_ups.0.owner', /private channel/);
    expect(getIncidentByNumber(h.db, 1)).toMatchObject({ status: 'investigating', leadId: alice });

    await h.sim.join(bob, ch, alice);
    await h.idle();
    expect(
      (await api('POST', '/api/v1/incidents/1/roles', { body: { scribe: bob }, token: PRIVATE_TOKEN }))
        .status,
    ).toBe(200);
    const ok = await api('POST', '/api/v1/incidents/1/resolve', { body, token: PRIVATE_TOKEN });
    expect(ok.status).toBe(200);
    await h.idle();
    expect(h.sim.render(ch)).toContain('INC-1 resolved');
    expect(JSON.stringify(h.sim.messages(WS.channels.announce))).not.toContain('Payroll');
  });
});

describe('HTTP API: rate limit', () => {
  it('a bucket per token: 429 with Retry-After after the burst, refilled as the clock moves; Slack and the other token unaffected', async () => {
    await h.close();
    h = await startHarness({
      env: { API_TOKEN: TOKEN, API_PRIVATE_TOKEN: PRIVATE_TOKEN, API_RATE_LIMIT: '60:3' },
    });
    await client(h); // one request (the document) from the bucket of TOKEN
    for (let i = 0; i < 2; i++) expect((await api('GET', '/api/v1/incidents')).status).toBe(200);
    const over = await api('GET', '/api/v1/incidents');
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('1');
    expect(over.body.error).toMatch(/API_RATE_LIMIT/);
    // A declare refused by the limit stores nothing.
    expect((await api('POST', '/api/v1/incidents', { body: { title: 'x' } })).status).toBe(429);
    expect(incidentCount()).toBe(0);
    // The other token has its own bucket; Slack's routes and probes are not limited.
    expect((await api('GET', '/api/v1/incidents', { token: PRIVATE_TOKEN })).status).toBe(200);
    expect((await h.person(alice).command('help')).reply?.text).toContain('/incident');
    expect((await fetch(`${base(h)}/healthz`)).status).toBe(200);

    h.clock.advance(1000);
    expect((await api('GET', '/api/v1/incidents')).status).toBe(200);
    expect((await api('GET', '/api/v1/incidents')).status).toBe(429);
    h.clock.advance(3000);
    for (let i = 0; i < 3; i++) expect((await api('GET', '/api/v1/incidents')).status).toBe(200);
    expect((await api('GET', '/api/v1/incidents')).status).toBe(429);

    const text = await h.bot.metrics.registry.getSingleMetricAsString('firebreak_http_requests_total');
    expect(text).toContain('firebreak_http_requests_total{route="rate_limited",status="429"} 4');
  });
});

describe('HTTP API: metrics', () => {
  it('counts answers by operation and status, refused ones apart', async () => {
    await client(h);
    await declare({ title: 'Counted' });
    await api('GET', '/api/v1/incidents/9');
    await api('GET', '/api/v1/incidents', { token: null });
    const text = await h.bot.metrics.registry.getSingleMetricAsString('firebreak_http_requests_total');
    expect(text).toContain('firebreak_http_requests_total{route="declareIncident",status="201"} 1');
    expect(text).toContain('firebreak_http_requests_total{route="getIncident",status="404"} 1');
    expect(text).toContain('firebreak_http_requests_total{route="refused",status="401"} 1');
    expect(text).toContain('firebreak_http_requests_total{route="getOpenApi",status="200"} 1');
  });
});

describe('HTTP API: private incidents', () => {
  beforeEach(async () => {
    await client(h);
  });

  it('are invisible to API_TOKEN (not listed, 404) and visible to API_PRIVATE_TOKEN', async () => {
    await declare({ title: 'Public one' });
    const p = await declare({ title: 'Payroll data exposure', private: true, lead: alice }, PRIVATE_TOKEN);
    expect(p.body).toMatchObject({ number: 2, private: true });
    const inc = getIncidentByNumber(h.db, 2);
    expect(h.sim.channel(inc?.channelId ?? '')?.is_private).toBe(true);
    const ann = JSON.stringify(h.sim.messages(WS.channels.announce));
    expect(ann).not.toContain('Payroll');

    const list = await api('GET', '/api/v1/incidents');
    expect((list.body.incidents as { number: number }[]).map((i) => i.number)).toEqual([1]);
    for (const path of ['/api/v1/incidents/2', '/api/v1/incidents/2/timeline']) {
      const r = await api('GET', path);
      expect(r.status, path).toBe(404);
      expect(r.body.error).toBe('There is no incident 2.');
    }
    const change = await api('POST', '/api/v1/incidents/2/severity', { body: { severity: 1 } });
    expect(change.status).toBe(404);
    const note = await api('POST', '/api/v1/incidents/2/notes', { body: { text: 'sneaky' } });
    expect(note.status).toBe(404);
    expect(getIncidentByNumber(h.db, 2)?.severity).toBe(3);

    const all = await api('GET', '/api/v1/incidents', { token: PRIVATE_TOKEN });
    expect((all.body.incidents as { number: number }[]).map((i) => i.number)).toEqual([2, 1]);
    expect((await api('GET', '/api/v1/incidents/2/timeline', { token: PRIVATE_TOKEN })).status).toBe(200);

    // An Idempotency-Key of a private declare, reused with API_TOKEN: 409, not the private incident.
    const headers = { 'idempotency-key': 'sec-1' };
    await api('POST', '/api/v1/incidents', {
      body: { title: 'Leak', private: true },
      token: PRIVATE_TOKEN,
      headers,
    });
    const reuse = await api('POST', '/api/v1/incidents', { body: { title: 'Other' }, headers });
    expect(reuse.status).toBe(409);
    expect(JSON.stringify(reuse.body)).not.toContain('Leak');
  });

  it('cannot be declared with API_TOKEN (403, nothing stored)', async () => {
    const r = await api('POST', '/api/v1/incidents', { body: { title: 'Secret', private: true } });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/API_PRIVATE_TOKEN/);
    expect(incidentCount()).toBe(0);
  });
});

describe('HTTP API: off', () => {
  it('does not exist without API_TOKEN', async () => {
    const off = await startHarness();
    try {
      for (const path of ['/api/v1/incidents', '/api/v1/openapi.json']) {
        const r = await fetch(`${base(off)}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(r.status).toBe(404);
      }
    } finally {
      await off.close();
    }
  });
});

describe('HTTP API: Socket Mode', () => {
  it('is served on PORT beside /healthz when the bot uses Socket Mode', async () => {
    const sim = await startSimulator({ clock: new FakeClock('2026-11-23T09:00:00Z') });
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-api-socket-'));
    const port = await freePort();
    const config = loadConfig({
      SLACK_BOT_TOKEN: sim.token,
      SLACK_APP_TOKEN: 'xapp-1-A0FIREBRK-api',
      SLACK_API_URL: sim.apiUrl,
      DATABASE_PATH: join(dir, 'firebreak.db'),
      LOG_LEVEL: 'error',
      PORT: String(port),
      API_TOKEN: TOKEN,
    });
    // The simulator has no socket: apps.connections.open never answers, the HTTP port still serves.
    sim.fault('apps.connections.open', { delayMs: 20_000 });
    const db = openDb(config.DATABASE_PATH);
    migrateDb(db);
    const bot = createApp({
      config,
      db,
      logger: createLogger('error'),
      retryConfig: { retries: 0 },
      schedules: false,
      jobs: [],
    });
    bot.start(port).catch(() => {});
    try {
      let r: Response | undefined;
      for (let i = 0; i < 100 && r === undefined; i++) {
        r = await fetch(`http://127.0.0.1:${port}/api/v1/incidents`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        }).catch(() => undefined);
        if (r === undefined) await new Promise((res) => setTimeout(res, 50));
      }
      expect(r?.status).toBe(200);
      expect(await r?.json()).toEqual({ incidents: [], next_cursor: null });
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/incidents`)).status).toBe(401);
      // Bolt's Socket Mode server decodes route params in an async handler: unguarded, this path was an
      // unhandled rejection that stopped the process. Now 400, and the server still answers.
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/incidents/%E0`)).status).toBe(400);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await bot.stop();
      closeDb(db);
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
