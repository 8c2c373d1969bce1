import { describe, expect, it } from 'vitest';
import { importIncident, parseCsv, parseJsonl } from '../../../src/recurrence/import.js';
import { engineFor } from '../../../src/recurrence/store.js';
import { testDb } from '../../helpers/db.js';

describe('import', () => {
  it('parses CSV with quotes, commas and newlines; says why rows are skipped', () => {
    const rows = [
      ...parseCsv(
        'title,description,services,tags,date,root_cause,resolution\n' +
          '"Checkout 502s","LB said ""bad gateway"",\nthen recovered",checkout;lb,,2026-01-02T10:00:00Z,pool exhausted,raised pool\n' +
          ',no title,,,2026-01-01,,\n' +
          'X,,,,not a date,,\n',
      ),
    ];
    expect(rows.map((r) => (r.ok ? 'ok' : r.reason.replace(/ \(.*/, '')))).toEqual([
      'ok',
      'no title',
      'unreadable date "not a date" in column "date"',
    ]);
    const first = rows[0];
    if (!first?.ok) throw new Error('expected a row');
    expect(first.row).toMatchObject({
      title: 'Checkout 502s',
      description: 'LB said "bad gateway",\nthen recovered',
      services: ['checkout', 'lb'],
      rootCause: 'pool exhausted',
      resolution: 'raised pool',
    });
  });

  it('imports JSONL idempotently as resolved, imported incidents without a channel, and indexes them', () => {
    const db = testDb();
    const text =
      '{"id":"x-1","title":"Disk full on db-1","description":"","services":["db"],"tags":[],"date":"2025-01-01T00:00:00.000Z"}\n' +
      'not json\n' +
      '{"id":"x-2","title":"Cache stampede","description":"","services":[],"tags":[],"date":"2025-02-01T00:00:00.000Z"}\n';
    const parsed = [...parseJsonl(text)];
    expect(parsed.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'not valid JSON', 'ok']);
    const rows = parsed.flatMap((r) => (r.ok ? [r.row] : []));
    const made = rows.map((r) => importIncident(db, r));
    // Imported history lives below zero: it never uses an INC number.
    expect(made.map((i) => i?.number)).toEqual([-1, -2]);
    expect(made[0]).toMatchObject({
      imported: true,
      status: 'resolved',
      channelId: null,
      externalId: 'x-1',
      services: ['db'],
    });
    expect(rows.map((r) => importIncident(db, r))).toEqual([undefined, undefined]);
    const m = engineFor(db).rank({
      id: -1,
      at: Date.now(),
      title: 'db-1 disk full',
      description: '',
      services: ['db'],
      tags: [],
    });
    expect(m[0]?.id).toBe(made[0]?.id);
  });
});
