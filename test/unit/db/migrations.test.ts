import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openMigratedDb } from '../../../src/db/migrate.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const KIT = join(ROOT, 'node_modules/.bin/drizzle-kit');

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/**
 * Runs `drizzle-kit generate` for `schemaFile` against a copy of migrations/ and returns the migration
 * files it added: none when the committed migrations already describe the schema.
 */
function generatedAgainstCommitted(schemaFile: string): string[] {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-migrations-'));
  cpSync(join(ROOT, 'migrations'), join(dir, 'migrations'), { recursive: true });
  const before = new Set(readdirSync(join(dir, 'migrations')));
  writeFileSync(
    join(dir, 'drizzle.config.json.ts'),
    `export default ${JSON.stringify({ dialect: 'sqlite', schema: schemaFile, out: './migrations', strict: true })};\n`,
  );
  execFileSync(KIT, ['generate', '--config', 'drizzle.config.json.ts'], { cwd: dir, stdio: 'pipe' });
  return readdirSync(join(dir, 'migrations')).filter((f) => !before.has(f));
}

describe('schema.ts and migrations/', () => {
  it('agree: drizzle-kit finds nothing to generate', () => {
    expect(generatedAgainstCommitted(join(ROOT, 'src/db/schema.ts'))).toEqual([]);
  }, 60_000);

  it('the check notices a column that has no migration', () => {
    const changed = readFileSync(join(ROOT, 'src/db/schema.ts'), 'utf8').replace(
      "title: text('title').notNull(),",
      "title: text('title').notNull(),\n    drifted: text('drifted'),",
    );
    expect(changed).toContain('drifted');
    // Inside node_modules/.cache, so its `drizzle-orm` import resolves and the source tree stays untouched.
    mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
    const copy = join(ROOT, 'node_modules/.cache/firebreak-schema-drift.ts');
    writeFileSync(copy, changed);
    try {
      const added = generatedAgainstCommitted(copy);
      expect(added.some((f) => f.endsWith('.sql'))).toBe(true);
    } finally {
      rmSync(copy, { force: true });
    }
  }, 60_000);

  it('applied to an empty database, give every table the schema declares', () => {
    const db = openMigratedDb(':memory:');
    const tables = (
      db.$client.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]
    ).map((t) => t.name);
    for (const t of [
      'incidents',
      'incident_roles',
      'timeline_events',
      'timeline_edits',
      'follow_ups',
      'reminders',
      'recurrence_links',
      'slack_events',
      'effects',
      'digest_runs',
      'slack_users',
    ])
      expect(tables).toContain(t);
    expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
  });
});
