import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { followUps, recurrenceLinks } from '../../../../src/db/schema.js';
import { buildDigest } from '../../../../src/digest/build.js';
import {
  capLines,
  renderDetails,
  renderEphemeral,
  renderSummary,
} from '../../../../src/digest/slack/render.js';
import { weekFromKey } from '../../../../src/digest/week.js';
import { makeIncident, testDb } from '../../../helpers/db.js';

const d = (iso: string) => new Date(iso);
const week = weekFromKey('2026-11-16', 'UTC');
const now = d('2026-11-23T09:00:00Z');

function blockText(blocks: KnownBlock[]): string {
  return JSON.stringify(blocks);
}

function checkLimits(blocks: KnownBlock[]) {
  expect(blocks.length).toBeLessThanOrEqual(50);
  let total = 0;
  for (const b of blocks) {
    if (b.type === 'section') {
      expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
      total += b.text?.text.length ?? 0;
    }
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
    if (b.type === 'context') total += JSON.stringify(b.elements).length;
  }
  expect(total).toBeLessThan(12_000);
}

describe('digest rendering', () => {
  it('a quiet week is one short post that says so', () => {
    const msg = renderSummary(buildDigest(testDb(), { week, now }));
    expect(msg.text).toContain('No incidents were declared in the week of 16–22 Nov 2026');
    expect(msg.blocks.length).toBeLessThanOrEqual(3);
  });

  it('says which timestamps MTTA and MTTR use and how many lacked one', () => {
    const db = testDb();
    makeIncident(db, { declaredAt: d('2026-11-17T10:00:00Z'), acknowledgedAt: d('2026-11-17T10:04:00Z') });
    makeIncident(db, {
      declaredAt: d('2026-11-18T10:00:00Z'),
      resolvedAt: d('2026-11-18T12:00:00Z'),
      status: 'resolved',
    });
    const text = blockText(renderSummary(buildDigest(db, { week, now })).blocks);
    expect(text).toContain(
      '*MTTA* (declared → acknowledged): median 4m, p90 4m · measured on 1 of 2; 1 never acknowledged',
    );
    expect(text).toContain(
      '*MTTR* (declared → resolved): median 2h, p90 2h · measured on 1 of 2; 1 not resolved by week end',
    );
    expect(text).toContain('*Declared:* 2 (+2 vs the week before)');
  });

  it('never names a private incident anywhere and escapes titles', () => {
    const db = testDb();
    const pub = makeIncident(db, {
      title: 'DB <!channel> & co',
      declaredAt: d('2026-10-01T00:00:00Z'),
      rootCauseCategory: 'data',
    });
    const priv = makeIncident(db, {
      title: 'Hush-hush payroll leak',
      declaredAt: d('2026-11-17T00:00:00Z'),
      isPrivate: true,
      channelId: 'G0HUSH',
      resolvedAt: d('2026-11-17T03:00:00Z'),
      status: 'resolved',
    });
    const again = makeIncident(db, {
      title: 'DB <!channel> & co again',
      declaredAt: d('2026-11-18T00:00:00Z'),
    });
    db.insert(recurrenceLinks)
      .values([
        {
          incidentId: priv.id,
          relatedId: pub.id,
          level: 'warning',
          score: 1,
          explanation: {},
          createdAt: now,
          feedback: 'same',
        },
        {
          incidentId: again.id,
          relatedId: pub.id,
          level: 'warning',
          score: 1,
          explanation: {},
          createdAt: now,
        },
      ])
      .run();
    db.insert(followUps)
      .values({
        incidentId: priv.id,
        ownerId: 'U0BOB',
        dueDate: '2026-11-18',
        text: 'Tell payroll',
        createdBy: 'U0BOB',
        createdAt: d('2026-11-17T05:00:00Z'),
      })
      .run();
    const dg = buildDigest(db, { week, now });
    const all = [renderSummary(dg), renderDetails(dg), renderEphemeral(dg)]
      .map((m) => m.text + blockText(m.blocks))
      .join('\n');
    expect(all).not.toMatch(/Hush|payroll|G0HUSH/);
    expect(all).not.toContain(`INC-${priv.number}`);
    expect(all).toContain('1 private incident (not named)');
    expect(all).toContain('1 from private incidents');
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('DB &lt;!channel&gt; &amp; co again');
  });

  it('stays inside Block Kit limits with a huge week', () => {
    const db = testDb();
    const ids: number[] = [];
    for (let i = 0; i < 400; i++) {
      const inc = makeIncident(db, {
        title: `${'Very long title '.repeat(30)}${i}`,
        declaredAt: d(`2026-11-${String(16 + (i % 7)).padStart(2, '0')}T01:00:00Z`),
        status: i % 2 ? 'resolved' : 'investigating',
        resolvedAt: i % 2 ? d('2026-11-22T00:00:00Z') : null,
      });
      ids.push(inc.id);
      db.insert(followUps)
        .values({
          incidentId: inc.id,
          ownerId: `U0X${i}`,
          dueDate: '2026-11-01',
          text: 'x'.repeat(500),
          createdBy: 'U0BOB',
          createdAt: d('2026-10-01T00:00:00Z'),
        })
        .run();
    }
    for (let i = 1; i < ids.length; i++)
      db.insert(recurrenceLinks)
        .values({
          incidentId: ids[i] ?? 0,
          relatedId: ids[i - 1] ?? 0,
          level: 'warning',
          score: 1,
          explanation: {},
          createdAt: now,
          feedback: i % 2 ? 'same' : null,
        })
        .run();
    const dg = buildDigest(db, { week, now });
    for (const m of [renderSummary(dg), renderDetails(dg), renderEphemeral(dg)]) checkLimits(m.blocks);
    expect(blockText(renderDetails(dg).blocks)).toContain('more');
  });

  it('capLines keeps under the cap and says how many were left out', () => {
    const out = capLines(
      Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(40)}`),
      500,
    );
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out).toMatch(/…and \d+ more$/);
  });
});
