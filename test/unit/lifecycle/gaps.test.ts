import type { WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/client.js';
import { effects, incidents, timelineEvents } from '../../../src/db/schema.js';
import { DomainError } from '../../../src/incidents/errors.js';
import { parseLocalTime, readLocalTime } from '../../../src/incidents/local-time.js';
import { declareIncident } from '../../../src/lifecycle/declare.js';
import { editIncidentDetails, parseServicesText } from '../../../src/lifecycle/edit-details.js';
import { SETUP_DONE_KIND } from '../../../src/lifecycle/slack/setup.js';
import { interruptedSetups } from '../../../src/lifecycle/slack/setup-jobs.js';
import { createLogger } from '../../../src/log.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { createTasks } from '../../../src/runtime/tasks.js';
import { createPeopleDirectory, DIRECTORY_RETRY_MS } from '../../../src/slack/mentions.js';
import { testDb } from '../../helpers/db.js';

let db: Db;
let clock: FakeClock;

beforeEach(() => {
  db = testDb();
  clock = new FakeClock('2026-11-23T09:00:00Z');
});

const errorOf = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('editIncidentDetails', () => {
  it('changes only what differs, one timeline entry per field with from and to', () => {
    const i = declareIncident(db, clock, {
      title: 'Search slow',
      declaredBy: 'U0ALICE',
      services: ['search'],
    });
    clock.advance(60_000);
    const r = editIncidentDetails(db, clock, {
      incidentId: i.id,
      userId: 'U0BOB',
      title: 'Search slow',
      services: [' search ', 'autocomplete', 'Search'],
      description: '  p99 4s  ',
    });
    expect(r.changes).toEqual([
      { field: 'services', from: ['search'], to: ['search', 'autocomplete'] },
      { field: 'description', from: '', to: 'p99 4s' },
    ]);
    expect(r.incidentChanges).toEqual([
      { kind: 'updated', incidentId: i.id, fields: ['services', 'description'] },
    ]);
    expect(r.incident.updatedAt.toISOString()).toBe('2026-11-23T09:01:00.000Z');
    const evs = db
      .select()
      .from(timelineEvents)
      .where(eq(timelineEvents.incidentId, i.id))
      .all()
      .filter((e) => e.kind !== 'declared');
    expect(evs.map((e) => [e.kind, e.text, e.authorId])).toEqual([
      ['services', 'Services: search → search, autocomplete', 'U0BOB'],
      ['description', 'Description: (none) → “p99 4s”', 'U0BOB'],
    ]);
    const same = editIncidentDetails(db, clock, {
      incidentId: i.id,
      userId: 'U0BOB',
      services: ['search', 'autocomplete'],
    });
    expect(same.changes).toEqual([]);
    expect(same.incidentChanges).toEqual([]);
  });

  it('validates everything before writing anything; errors name the modal field', () => {
    const i = declareIncident(db, clock, { title: 'Queue backlog', declaredBy: 'U0ALICE' });
    const tooMany = Array.from({ length: 21 }, (_, k) => `s${k}`);
    const e = errorOf(() =>
      editIncidentDetails(db, clock, {
        incidentId: i.id,
        userId: 'U0ALICE',
        title: 'New title',
        services: tooMany,
      }),
    );
    expect(e.field).toBe('services');
    expect(
      errorOf(() => editIncidentDetails(db, clock, { incidentId: i.id, userId: 'U0ALICE', title: ' ' }))
        .field,
    ).toBe('title');
    expect(
      errorOf(() =>
        editIncidentDetails(db, clock, {
          incidentId: i.id,
          userId: 'U0ALICE',
          description: 'x'.repeat(3001),
        }),
      ).field,
    ).toBe('description');
    expect(db.select().from(incidents).get()?.title).toBe('Queue backlog');
    expect(db.select().from(timelineEvents).all()).toHaveLength(1);
  });

  it('parses typed service lists; - and none clear', () => {
    expect(parseServicesText('a, b,\nc ,, ')).toEqual(['a', 'b', 'c']);
    expect(parseServicesText('-')).toEqual([]);
    expect(parseServicesText('None')).toEqual([]);
  });
});

describe('readLocalTime (checked before the zone is known)', () => {
  it('refuses malformed and impossible times, accepts both forms', () => {
    expect(readLocalTime('', 'f')).toBeNull();
    expect(readLocalTime('14:05')).toEqual({ h: 14, mi: 5 });
    expect(readLocalTime('2026-11-20 07:30')).toEqual({ y: 2026, mo: 11, d: 20, h: 7, mi: 30 });
    expect(errorOf(() => readLocalTime('soon', 'started_at')).field).toBe('started_at');
    expect(errorOf(() => readLocalTime('25:00')).message).toContain('does not exist');
    // parseLocalTime keeps its behaviour on top of it
    expect(parseLocalTime('03:30', 'America/New_York', clock.now()).toISOString()).toBe(
      '2026-11-23T08:30:00.000Z',
    );
    expect(errorOf(() => parseLocalTime('2026-02-30 10:00', 'UTC', clock.now())).message).toBe(
      'That date does not exist.',
    );
  });
});

describe('interruptedSetups', () => {
  it('open, not imported, no setup error, last setup step not done', () => {
    const mk = (title: string) => declareIncident(db, clock, { title, declaredBy: 'U0ALICE' });
    const pending = mk('Pending');
    const done = mk('Done');
    const failed = mk('Failed');
    const imported = mk('Imported');
    const resolved = mk('Resolved');
    const set = (id: number, v: Partial<typeof incidents.$inferInsert>) =>
      db.update(incidents).set(v).where(eq(incidents.id, id)).run();
    set(failed.id, { setupError: 'ratelimited' });
    set(imported.id, { imported: true });
    set(resolved.id, { status: 'resolved' });
    const now = clock.now();
    db.insert(effects)
      .values([
        {
          key: `inc:${done.id}:declared-hook`,
          kind: SETUP_DONE_KIND,
          incidentId: done.id,
          status: 'done',
          createdAt: now,
          updatedAt: now,
        },
        // An unfinished last step still counts as interrupted.
        {
          key: `inc:${pending.id}:declared-hook`,
          kind: SETUP_DONE_KIND,
          incidentId: pending.id,
          status: 'failed',
          createdAt: now,
          updatedAt: now,
        },
      ])
      .run();
    expect(interruptedSetups(db).map((i) => i.title)).toEqual(['Pending']);
  });
});

describe('the people parser (deps.people.resolve)', () => {
  const people = [
    {
      id: 'U1',
      name: 'alice',
      real_name: 'Alice Archer',
      profile: { display_name: 'ali', real_name: 'Alice Archer' },
    },
    { id: 'U2', name: 'al', real_name: 'Al Bundy', profile: { display_name: '', real_name: 'Al Bundy' } },
    { id: 'U3', name: 'ghost', deleted: true, profile: { display_name: 'ghost' } },
    { id: 'B1', name: 'bot', is_bot: true, profile: { display_name: 'ali' } },
    ...Array.from({ length: 5 }, (_, k) => ({
      id: `U9${k}`,
      name: `p${k}`,
      profile: { display_name: `P ${k}` },
    })),
  ];
  let listCalls: { cursor?: string; limit?: number }[];
  let failing = false;
  const client = {
    users: {
      list: async (a: { cursor?: string; limit?: number }) => {
        listCalls.push(a);
        if (failing) throw Object.assign(new Error('ratelimited'), { data: { error: 'ratelimited' } });
        const from = Number(a.cursor ?? 0);
        const page = people.slice(from, from + 4);
        return {
          ok: true,
          members: page,
          response_metadata: { next_cursor: from + 4 < people.length ? String(from + 4) : '' },
        };
      },
    },
  } as unknown as WebClient;
  const tasks = createTasks(() => {});
  const directory = () => createPeopleDirectory({ db, clock, logger: createLogger('error'), tasks });
  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('no error');
  };
  beforeEach(() => {
    listCalls = [];
    failing = false;
  });

  it('mentions and ids need no directory: escaped `@bob` by its ID, `<@U…>`, bare ids', () => {
    const d = directory();
    expect(d.resolve('<@U7|x>')).toBe('U7');
    expect(d.resolve(' U8ABC ')).toBe('U8ABC');
    expect(d.resolve('@bob', new Map([['@bob', 'U0BOB']]))).toBe('U0BOB');
    expect(d.resolve('@BOB', new Map([['@bob', 'U0BOB']]))).toBe('U0BOB');
    expect(listCalls).toHaveLength(0);
  });

  it('handle, display name and real name, any case, from one read of every page; resolving never calls Slack', async () => {
    const d = directory();
    await d.refresh(client);
    expect(listCalls.map((c) => c.cursor)).toEqual([undefined, '4', '8']);
    expect(d.resolve('@ALI')).toBe('U1'); // display name; the bot is ignored
    expect(d.resolve('alice archer')).toBe('U1');
    expect(d.resolve('@al')).toBe('U2');
    expect(d.resolve('p 3')).toBe('U93');
    expect(listCalls).toHaveLength(3);
    expect(d.nameOf('U1')).toBe('alice');
    // A restart reads the stored directory at once.
    expect(directory().resolve('@al')).toBe('U2');
  });

  it('deleted people are not found; ambiguity lists the candidates', async () => {
    const d = directory();
    await d.refresh(client);
    expect(messageOf(() => d.resolve('@ghost'))).toContain('nobody called “ghost”');
    people.push({
      id: 'U4',
      name: 'alice2',
      real_name: 'Alice Archer',
      profile: { display_name: '', real_name: 'Alice Archer' },
    });
    clock.advance(60_000);
    await d.refresh(client);
    expect(messageOf(() => d.resolve('Alice Archer'))).toContain(
      'could be 2 people: <@U1> (alice, Alice Archer), <@U4> (alice2, Alice Archer)',
    );
    people.pop();
  });

  it('before any read, or when users.list fails, the people already met are used, and the answer says so', async () => {
    const d = directory();
    expect(messageOf(() => d.resolve('@al'))).toContain('I am still reading');
    failing = true;
    await d.refresh(client);
    expect(messageOf(() => d.resolve('@zed'))).toContain('could not be read: ratelimited');
    failing = false;
    await d.refresh(client);
    expect(d.resolve('@al')).toBe('U2');
  });

  it('concurrent reads share one walk; an early re-read waits DIRECTORY_RETRY_MS', async () => {
    const d = directory();
    await Promise.all([d.refresh(client), d.refresh(client)]);
    expect(listCalls).toHaveLength(3);
    d.refreshSoon(client);
    expect(listCalls).toHaveLength(3);
    clock.advance(DIRECTORY_RETRY_MS + 1);
    d.refreshSoon(client);
    await tasks.idle();
    expect(listCalls).toHaveLength(6);
  });
});
