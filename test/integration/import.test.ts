import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimMessage } from '../../sim/types.js';
import { incidents } from '../../src/db/schema.js';
import { buildDigest } from '../../src/digest/build.js';
import { renderDetails } from '../../src/digest/slack/render.js';
import { weekContaining } from '../../src/digest/week.js';
import { EXIT, runImport } from '../../src/recurrence/import-run.js';
import { channelOfIncident, makeIncident } from '../helpers/db.js';
import { BACKGROUND_TITLES } from '../helpers/fixtures.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * History imported from another tool, seen from Slack: a new incident that matches an imported one
 * is warned with the tool's key and a link to it, never an INC number, and the import did not use
 * up INC numbers.
 */

const { alice } = WS.users;
const NOW = '2026-11-23T09:00:00Z';
let h: Harness;

beforeEach(async () => {
  h = await startHarness({ now: NOW });
});
afterEach(async () => {
  await h.close();
});

const shown = (m: SimMessage | undefined) => h.sim.renderBlocks(m?.blocks, m?.text);

/** A Jira export of the team's past incidents: background noise plus the one that will recur. */
function jiraExport(): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines = [
    'Summary,Issue key,Issue Type,Priority,Created,Resolved,Component/s,Component/s,Labels,Description',
  ];
  BACKGROUND_TITLES.forEach((t, i) => {
    const day = String((i % 27) + 1).padStart(2, '0');
    lines.push(
      `${q(t)},OPS-${10 + i},Incident,Medium,${day}/Feb/26 9:00 AM,${day}/Feb/26 11:00 AM,,,,${q(`${t}. Fixed.`)}`,
    );
  });
  lines.push(
    [
      q('Checkout API returns 502 bad gateway for card payments'),
      'OPS-7',
      'Incident',
      'Highest',
      '03/Sep/26 2:10 PM',
      '03/Sep/26 4:40 PM',
      'checkout',
      'gateway',
      'payments',
      q('nginx upstream errors: checkout-api connection pool exhausted,\n502 for every card payment'),
    ].join(','),
  );
  return lines.join('\r\n');
}

function importInto(args: string[], text: string) {
  let out = '';
  const code = runImport([...args, 'history.csv'], {
    readFile: () => text,
    openDb: () => h.db,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      out += t;
    },
    now: new Date(NOW),
  });
  return { code, out };
}

describe('imported history in Slack', () => {
  it('a new incident like an imported one is warned with its Jira key and link; the first real incident is INC-1', async () => {
    const r = importInto(
      ['--from', 'jira', '--url-template', 'https://acme.atlassian.net/browse/{key}'],
      jiraExport(),
    );
    expect(r.code, r.out).toBe(EXIT.ok);
    const imported = h.db.select().from(incidents).all();
    expect(imported.length).toBe(BACKGROUND_TITLES.length + 1);
    expect(imported.every((i) => i.number < 0)).toBe(true);

    const reply = await h
      .person(alice)
      .command('declare Checkout returns 502 bad gateway on card payments', WS.channels.general);
    await h.idle();
    expect(reply.reply?.text).toContain('Declared *INC-1*');
    const msgs = h.sim
      .messages(channelOfIncident(h.db, 1))
      .filter((m) => m.user === WS.botUser && /seen before|Possibly related/.test(shown(m)));
    expect(msgs).toHaveLength(1);
    const text = shown(msgs[0]);
    expect(text).toContain('<https://acme.atlassian.net/browse/OPS-7|OPS-7>');
    expect(text).toContain('Checkout API returns 502 bad gateway for card payments');
    expect(text).toContain('imported from Jira');
    // No INC number stands for imported history anywhere in the warning.
    expect(text).not.toMatch(/INC-(?!1\b)\d+|INC--/);
    expect(msgs[0]?.text).toContain('OPS-7');
  });

  it('the digest names imported history by its key in recurring problems', () => {
    importInto(['--from', 'jira', '--url-template', 'https://acme.atlassian.net/browse/{key}'], jiraExport());
    const old = h.db
      .select()
      .from(incidents)
      .all()
      .find((i) => i.externalKey === 'OPS-7');
    if (!old) throw new Error('OPS-7 was not imported');
    const now = new Date(NOW);
    const fresh = makeIncident(h.db, {
      number: 1,
      title: 'Checkout 502 again',
      status: 'resolved',
      declaredAt: new Date('2026-11-18T10:00:00Z'),
      startedAt: new Date('2026-11-18T10:00:00Z'),
      resolvedAt: new Date('2026-11-18T11:00:00Z'),
    });
    h.db.$client
      .prepare(
        `insert into recurrence_links (incident_id, related_id, score, level, explanation, feedback, created_at)
         values (?, ?, 1, 'warning', '{}', 'same', ?)`,
      )
      .run(fresh.id, old.id, now.getTime());
    const digest = buildDigest(h.db, { week: weekContaining(now, 'UTC'), now });
    const text = JSON.stringify(renderDetails(digest).blocks);
    expect(text).toContain('<https://acme.atlassian.net/browse/OPS-7|OPS-7>');
    expect(text).not.toMatch(/INC--\d/);
  });
});
