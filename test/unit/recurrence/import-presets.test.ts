import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/client.js';
import { incidents } from '../../../src/db/schema.js';
import { listRecentlyResolved } from '../../../src/incidents/list.js';
import { incidentRef } from '../../../src/incidents/model.js';
import { declareIncident } from '../../../src/lifecycle/declare.js';
import {
  cleanKey,
  cleanUrl,
  type ImportRow,
  parseExport,
  parseTime,
} from '../../../src/recurrence/import.js';
import { genericSeverity, type ImportSource, PRESETS } from '../../../src/recurrence/import-presets.js';
import { EXIT, type ImportIo, runImport } from '../../../src/recurrence/import-run.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { incidentRefLink } from '../../../src/slack/format.js';
import { testDb } from '../../helpers/db.js';

/**
 * `npm run import` presets, read from export files shaped like each tool's documented columns
 * (test/fixtures/import/, sources named in src/recurrence/import-presets.ts).
 */

const NOW = new Date('2026-11-23T09:00:00Z');
const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/import/${name}`, import.meta.url), 'utf8');

function rowsOf(source: ImportSource, name: string, text = fixture(name)) {
  const r = parseExport(name, text, { source, now: NOW });
  if (!r.ok) throw new Error(r.error);
  return r.rows;
}
const good = (rows: ReturnType<typeof rowsOf>): ImportRow[] => rows.flatMap((r) => (r.ok ? [r.row] : []));
const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/** runImport against an in-memory database, with what it printed. */
function run(args: string[], files: Record<string, string>, db: Db = testDb()) {
  let out = '';
  let err = '';
  const io: ImportIo = {
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw new Error('ENOENT: no such file');
      return f;
    },
    openDb: () => db,
    peekDb: () => db,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    now: NOW,
  };
  const code = runImport(args, io);
  return { code, out, err, db };
}
const count = (db: Db) => db.select().from(incidents).all().length;

describe('presets: each tool’s export', () => {
  it('Jira CSV (Excel, all fields): BOM, CRLF, repeated Labels / Component/s, quoted newlines, Jira dates', () => {
    const rows = rowsOf('jira', 'jira.csv');
    expect(rows.map((r) => (r.ok ? r.row.key : `skip row ${r.line}: ${r.reason}`))).toEqual([
      'OPS-101',
      'OPS-102',
      'OPS-103',
      'skip row 5: no title (column "summary" is empty)',
      expect.stringMatching(
        /^skip row 6: unreadable date "31\/Feb\/24 9:00 AM" in column "created" .*--date-format/,
      ),
    ]);
    const [a, b, c] = good(rows);
    expect(a).toMatchObject({
      externalId: 'jira:OPS-101',
      source: 'jira',
      title: 'Checkout API returns 502 for card payments',
      description: 'Load balancer said "bad gateway",\nthen recovered after the pool was raised.',
      tags: ['payments', 'lb'],
      services: ['checkout', 'gateway'],
      severity: 1,
    });
    expect(iso(a?.date)).toBe('2024-03-04T10:12:00.000Z');
    expect(iso(a?.resolvedAt)).toBe('2024-03-04T12:00:00.000Z');
    expect(iso(b?.date)).toBe('2024-03-11T15:04:00.000Z');
    expect(b?.severity).toBe(3);
    expect(c?.severity).toBe(1); // Blocker
    expect(c?.resolvedAt).toBeNull();
  });

  it('Jira REST search JSON: fields.*, priority name, component names, offsets in times', () => {
    const [a, b] = good(rowsOf('jira', 'jira.json'));
    expect(a).toMatchObject({
      key: 'OPS-201',
      severity: 2,
      services: ['billing'],
      tags: ['payments', 'webhooks'],
    });
    expect(iso(a?.date)).toBe('2024-04-02T06:15:00.000Z');
    expect(iso(a?.resolvedAt)).toBe('2024-04-02T07:45:00.000Z');
    expect(b).toMatchObject({ key: 'OPS-202', severity: 4, resolvedAt: null, description: '' });
  });

  it('PagerDuty REST JSON: priority over urgency, acknowledgement time, service, link', () => {
    const [a, b] = good(rowsOf('pagerduty', 'pagerduty.json'));
    expect(a).toMatchObject({
      key: 'PagerDuty #4711',
      externalId: 'pagerduty:4711',
      severity: 1,
      services: ['checkout-api'],
      url: 'https://acme.pagerduty.com/incidents/Q1TZKGVBV1AJ2N',
    });
    expect(iso(a?.acknowledgedAt)).toBe('2024-05-01T10:03:00.000Z');
    expect(iso(a?.resolvedAt)).toBe('2024-05-01T10:45:00.000Z');
    // No priority: low urgency decides.
    expect(b).toMatchObject({ key: 'PagerDuty #4712', severity: 4, acknowledgedAt: null });
  });

  it('PagerDuty CSV download: title-case columns, urgency when priority is empty, a row without a date', () => {
    const rows = rowsOf('pagerduty', 'pagerduty.csv');
    const [a, b] = good(rows);
    expect(a).toMatchObject({ key: 'PagerDuty #4801', severity: 2, services: ['cache'], tags: ['Platform'] });
    expect(iso(a?.acknowledgedAt)).toBe('2024-06-01T09:02:00.000Z');
    expect(b).toMatchObject({ severity: 3 }); // P3 beats low urgency
    expect(rows.filter((r) => !r.ok)).toEqual([
      { ok: false, line: 4, reason: 'no date (column "created on" is empty)' },
    ]);
  });

  it('Opsgenie alerts JSON: tinyId, P1…P5, ack and close times from report durations (ms)', () => {
    const [a, b] = good(rowsOf('opsgenie', 'opsgenie.json'));
    expect(a).toMatchObject({
      key: 'Opsgenie #1791',
      severity: 1,
      tags: ['OverwriteQuietHours', 'Critical'],
    });
    expect(iso(a?.acknowledgedAt)).toBe('2017-04-24T10:30:15.702Z');
    expect(iso(a?.resolvedAt)).toBe('2017-04-24T10:31:00.503Z');
    expect(b).toMatchObject({ key: 'Opsgenie #1792', severity: 4, acknowledgedAt: null });
    expect(iso(b?.resolvedAt)).toBe('2017-04-25T09:00:00.000Z');
  });

  it('Opsgenie CSV: a priority off the scale is kept as SEV3 and reported, not skipped', () => {
    const [a, b] = good(rowsOf('opsgenie', 'opsgenie.csv'));
    expect(a).toMatchObject({
      key: 'Opsgenie #2001',
      severity: 2,
      tags: ['db', 'pool'],
      services: ['Platform'],
    });
    expect(b).toMatchObject({ severity: 3, severityUnknown: 'Urgent' });
  });

  it('incident.io API JSON: reference, severity name, named timestamps, permalink; created_at when no "Reported at"', () => {
    const [a, b] = good(rowsOf('incident-io', 'incident-io.json'));
    expect(a).toMatchObject({
      key: 'incident.io INC-123',
      severity: 1,
      url: 'https://app.incident.io/acme/incidents/123',
      description: 'Primary failed over; writes paused 4 minutes.',
    });
    expect(iso(a?.date)).toBe('2024-08-01T09:58:00.000Z');
    expect(iso(a?.acknowledgedAt)).toBe('2024-08-01T10:05:00.000Z');
    expect(iso(a?.resolvedAt)).toBe('2024-08-01T11:00:00.000Z');
    expect(b).toMatchObject({ key: 'incident.io INC-124', severity: 3 });
    expect(iso(b?.date)).toBe('2024-08-03T10:00:00.000Z');
  });

  it('incident.io CSV: "Reported at", "Resolved at", custom SEV names', () => {
    const [a, b] = good(rowsOf('incident-io', 'incident-io.csv'));
    expect(a).toMatchObject({ key: 'incident.io INC-301', severity: 2, tags: ['Default'] });
    expect(iso(a?.acknowledgedAt)).toBe('2024-09-01T08:10:00.000Z');
    expect(b).toMatchObject({ severity: 1 });
  });

  it('Firebreak’s own JSONL keeps working, now with severity and resolved time when given', () => {
    const [a, b] = good(rowsOf('firebreak', 'firebreak.jsonl'));
    expect(a).toMatchObject({
      externalId: 'hist-1',
      key: 'hist-1',
      severity: 2,
      rootCause: 'log rotation off',
    });
    expect(iso(a?.resolvedAt)).toBe('2025-01-01T02:00:00.000Z');
    expect(b).toMatchObject({ externalId: 'hist-2', severity: 3, resolvedAt: null });
  });

  it('severity scales: the documented tables and the generic P/SEV/number scale', () => {
    const jira = PRESETS.jira.severity;
    expect(['Highest', 'High', 'Medium', 'Low', 'Lowest'].map(jira)).toEqual([1, 2, 3, 4, 4]);
    expect(['Blocker', 'Critical', 'Major', 'Minor', 'Trivial'].map(jira)).toEqual([1, 1, 2, 3, 4]);
    expect(['high', 'low', 'P2'].map(PRESETS.pagerduty.severity)).toEqual([2, 4, 2]);
    expect(['P1', 'P2', 'P3', 'P4', 'P5'].map(PRESETS.opsgenie.severity)).toEqual([1, 2, 3, 4, 4]);
    expect(['Critical', 'Major', 'Minor', 'SEV0'].map(PRESETS['incident-io'].severity)).toEqual([1, 2, 3, 1]);
    expect(['Sev 2', 'sev-3', '4', 'whatever'].map(genericSeverity)).toEqual([2, 3, 4, null]);
  });

  it('an impossible date stays unreadable in any zone (no year-24 or year-23 dates)', () => {
    for (const timeZone of ['UTC', 'Europe/Berlin', 'America/New_York']) {
      const rows = parseExport('j.csv', fixture('jira.csv'), { source: 'jira', now: NOW, timeZone });
      if (!rows.ok) throw new Error(rows.error);
      expect(rows.rows.find((r) => r.line === 6)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^unreadable date/),
      });
    }
    expect(parseTime('2024-03-04T10:12:00Z', [], 'UTC', NOW)?.toISOString()).toBe('2024-03-04T10:12:00.000Z');
    expect(
      parseTime('04/Mar/24 10:12 AM', PRESETS.jira.dateFormats, 'Europe/Berlin', NOW)?.toISOString(),
    ).toBe('2024-03-04T09:12:00.000Z');
    expect(parseTime('1899-12-30', [], 'UTC', NOW)).toBeNull();
  });

  it('keys and links from a file cannot inject mrkdwn', () => {
    expect(cleanKey('<!channel> OPS-1')).toBe('-channel- OPS-1');
    expect(cleanUrl('javascript:alert(1)')).toBeNull();
    expect(cleanUrl('https://x.example/a|b>c')).toBe('https://x.example/a%7Cb%3Ec');
    const ref = incidentRefLink({
      number: -3,
      imported: true,
      externalKey: 'OPS-1',
      externalUrl: 'https://x.example/OPS-1',
    });
    expect(ref).toBe('<https://x.example/OPS-1|OPS-1>');
    expect(incidentRef({ number: 7 })).toBe('INC-7');
    expect(incidentRef({ number: -7, imported: true, externalKey: null })).toBe('imported #7');
  });
});

describe('npm run import', () => {
  it('--dry-run prints every row it would import and, per skipped row, the row and why; writes nothing', () => {
    const r = run(['--from', 'jira', '--dry-run', 'j.csv'], { 'j.csv': fixture('jira.csv') });
    expect(r.out.split('\n')).toEqual([
      'dry run: would import 3 of 5 rows from Jira (2 skipped); nothing was written',
      'row 2: would import OPS-101 · SEV1 · declared 2024-03-04T10:12Z · acknowledged — · resolved 2024-03-04T12:00Z · Checkout API returns 502 for card payments',
      'row 3: would import OPS-102 · SEV3 · declared 2024-03-11T15:04Z · acknowledged — · resolved 2024-03-11T16:30Z · Search results empty for some users',
      'row 4: would import OPS-103 · SEV1 · declared 2024-03-18T09:00Z · acknowledged — · resolved — · Disk full on db-1',
      'row 5: skipped — no title (column "summary" is empty)',
      'row 6: skipped — unreadable date "31/Feb/24 9:00 AM" in column "created" (give its format with --date-format, e.g. --date-format "dd/MMM/yy h:mm a")',
      '',
    ]);
    expect(r.code).toBe(EXIT.skipped);
    expect(count(r.db)).toBe(0);
  });

  it('exit codes: 0 all imported, 1 rows skipped, 2 bad command line, 3 nothing readable', () => {
    expect(run(['--from', 'pagerduty', 'p.json'], { 'p.json': fixture('pagerduty.json') }).code).toBe(
      EXIT.ok,
    );
    const skipped = run(['--from', 'pagerduty', 'p.csv'], { 'p.csv': fixture('pagerduty.csv') });
    expect(skipped.code).toBe(EXIT.skipped);
    expect(skipped.out).toContain('imported 2 of 3 rows from PagerDuty (1 skipped)');
    expect(skipped.out).toContain('row 4: skipped — no date (column "created on" is empty)');
    expect(run(['--from', 'servicenow', 'x.csv'], {}).code).toBe(EXIT.usage);
    expect(run(['--map', 'nonsense', 'x.csv'], {}).code).toBe(EXIT.usage);
    expect(run(['--tz', 'Mars/Olympus', 'x.csv'], {}).code).toBe(EXIT.usage);
    expect(run([], {}).code).toBe(EXIT.usage);
    expect(run(['missing.csv'], {}).code).toBe(EXIT.unreadable);
    expect(run(['e.csv'], { 'e.csv': '' }).code).toBe(EXIT.unreadable);
    expect(run(['b.json'], { 'b.json': '{not json' }).code).toBe(EXIT.unreadable);
    // Every row skipped: nothing was read either.
    const none = run(['--from', 'pagerduty', 'j.csv'], { 'j.csv': fixture('jira.csv') });
    expect(none.code).toBe(EXIT.unreadable);
    expect(count(none.db)).toBe(0);
  });

  it('a Jira CSV read as Firebreak’s format: names the missing column, lists the file’s columns, suggests --map and --from', () => {
    const r = run(['j.csv'], { 'j.csv': fixture('jira.csv') });
    expect(r.code).toBe(EXIT.unreadable);
    expect(r.err).toContain(
      'the file has no column for the title (title); for Firebreak I looked for "title"',
    );
    expect(r.err).toContain('Its columns are: "Summary", "Issue key", "Issue id"');
    expect(r.err).toContain('"Labels"');
    expect(r.err).toContain('--map title=<column>');
    expect(r.err).toContain('--from jira|pagerduty|opsgenie|incident-io');
  });

  it('--map and --date-format read any other export', () => {
    const csv =
      'Ticket;Headline;Opened;Closed;Prio\n'.replace(/;/g, ',') +
      'T-1,Queue stuck,03.02.2025 14:05,03.02.2025 15:00,P2\n' +
      'T-2,Mail bounced,04.02.2025 09:30,,P4\n';
    const without = run(['t.csv'], { 't.csv': csv });
    expect(without.code).toBe(EXIT.unreadable);
    expect(without.err).toContain('"Ticket", "Headline", "Opened", "Closed", "Prio"');
    const maps = ['--map', 'key=Ticket', '--map', 'title=Headline', '--map', 'declared=Opened'];
    const noFormat = run([...maps, 't.csv'], { 't.csv': csv });
    expect(noFormat.code).toBe(EXIT.unreadable);
    expect(noFormat.out).toContain('row 2: skipped — unreadable date "03.02.2025 14:05" in column "opened"');
    const r = run(
      [
        ...maps,
        '--map',
        'resolved=Closed',
        '--map',
        'severity=Prio',
        '--date-format',
        'dd.MM.yyyy HH:mm',
        '--tz',
        'Europe/Berlin',
        't.csv',
      ],
      { 't.csv': csv },
    );
    expect(r.code).toBe(EXIT.ok);
    const rows = r.db.select().from(incidents).all();
    expect(
      rows.map((i) => [
        i.externalKey,
        i.severity,
        i.declaredAt.toISOString(),
        i.resolvedAt?.toISOString() ?? null,
      ]),
    ).toEqual([
      ['T-1', 2, '2025-02-03T13:05:00.000Z', '2025-02-03T14:00:00.000Z'],
      ['T-2', 4, '2025-02-04T08:30:00.000Z', null],
    ]);
    // History is not the team's recent work: App Home's "recently resolved" leaves it out.
    expect(listRecentlyResolved(r.db, new Date('2025-02-05T00:00:00Z'))).toEqual([]);
  });

  it('keeps severity, times, key and link; re-importing the same file adds nothing', () => {
    const files = { 'p.json': fixture('pagerduty.json') };
    const first = run(['--from', 'pagerduty', 'p.json'], files);
    expect(first.out).toContain('imported 2 of 2 rows from PagerDuty');
    const [a] = first.db.select().from(incidents).all();
    expect(a).toMatchObject({
      imported: true,
      status: 'resolved',
      severity: 1,
      importSource: 'pagerduty',
      externalId: 'pagerduty:4711',
      externalKey: 'PagerDuty #4711',
      externalUrl: 'https://acme.pagerduty.com/incidents/Q1TZKGVBV1AJ2N',
      channelId: null,
    });
    expect(a?.acknowledgedAt?.toISOString()).toBe('2024-05-01T10:03:00.000Z');
    expect(a?.resolvedAt?.toISOString()).toBe('2024-05-01T10:45:00.000Z');
    expect(a?.declaredAt.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    const again = run(['--from', 'pagerduty', 'p.json'], files, first.db);
    expect(again.code).toBe(EXIT.ok);
    expect(again.out).toContain('imported 0 of 2 rows from PagerDuty (2 already imported)');
    expect(count(first.db)).toBe(2);
    const dry = run(['--from', 'pagerduty', '--dry-run', 'p.json'], files, first.db);
    expect(dry.out).toContain('row 1: already imported — PagerDuty #4711');
  });

  it('imported history never uses INC numbers: 50 records, then the first declared incident is INC-1', () => {
    const lines = ['Summary,Issue key,Created,Resolved,Priority'];
    for (let i = 1; i <= 50; i++)
      lines.push(
        `Incident number ${i},OPS-${i},${String((i % 28) + 1).padStart(2, '0')}/Jan/24 9:00 AM,,High`,
      );
    const r = run(['--from', 'jira', 'h.csv'], { 'h.csv': lines.join('\n') });
    expect(r.code).toBe(EXIT.ok);
    expect(count(r.db)).toBe(50);
    const numbers = r.db
      .select({ n: incidents.number })
      .from(incidents)
      .all()
      .map((x) => x.n);
    expect(Math.max(...numbers)).toBe(-1);
    const inc = declareIncident(r.db, new FakeClock(NOW), { title: 'Checkout down', declaredBy: 'U0ALICE' });
    expect(inc.number).toBe(1);
    expect(incidentRef(inc)).toBe('INC-1');
    // And history imported after that does not move the next number either.
    run(['--from', 'pagerduty', 'p.json'], { 'p.json': fixture('pagerduty.json') }, r.db);
    expect(
      declareIncident(r.db, new FakeClock(NOW), { title: 'Search down', declaredBy: 'U0ALICE' }).number,
    ).toBe(2);
  });
});
