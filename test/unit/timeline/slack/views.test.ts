import { describe, expect, it } from 'vitest';
import { addTimelineEvent } from '../../../../src/incidents/add-timeline-event.js';
import { timelinePage } from '../../../../src/timeline/page.js';
import {
  decodePickMeta,
  encodePickMeta,
  PICK_META_MAX,
  pickIncidentModal,
} from '../../../../src/timeline/slack/views/pick-incident-modal.js';
import {
  parseTimelinePageValue,
  TIMELINE_PAGE_ACTION,
  timelineMessage,
} from '../../../../src/timeline/slack/views/timeline.js';
import { makeIncident, testDb } from '../../../helpers/db.js';

const blockText = (blocks: unknown[]): number => {
  let n = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') return;
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') n += x.length;
        else walk(x);
      }
    }
  };
  walk(blocks);
  return n;
};

describe('timelineMessage', () => {
  it('pages 500 long entries within Block Kit limits, T+ and viewer-zone times', () => {
    const db = testDb();
    const start = new Date('2026-11-23T09:00:00Z');
    const incident = makeIncident(db, { startedAt: start, declaredAt: start });
    for (let k = 0; k < 500; k++) {
      addTimelineEvent(db, {
        incidentId: incident.id,
        kind: 'note',
        text: `${k} ${'<@U0BOB> & <!channel> '.repeat(200)}`,
        authorId: 'U0ALICE',
        occurredAt: new Date(start.getTime() + k * 60_000),
        recordedAt: start,
      });
    }
    for (const p of [0, 1, 25, 49]) {
      const page = timelinePage(db, incident.id, p);
      const msg = timelineMessage({ incident, ...page, tz: 'Asia/Kolkata' });
      expect(msg.blocks.length).toBeLessThanOrEqual(50);
      expect(blockText(msg.blocks)).toBeLessThan(12_000);
      for (const b of msg.blocks) {
        if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
      }
      expect(JSON.stringify(msg.blocks)).not.toContain('<!channel>');
    }
    const first = timelineMessage({ incident, ...timelinePage(db, incident.id, 0), tz: 'Asia/Kolkata' });
    const s = JSON.stringify(first.blocks);
    expect(s).toContain('T+0s');
    expect(s).toContain('T+9m');
    expect(s).toContain('Mon 23 Nov 14:30'); // 09:00Z in Kolkata
    expect(s).toContain('page 1 of 50');
    const actions = first.blocks.find((b) => b.type === 'actions');
    const ids =
      actions && 'elements' in actions
        ? actions.elements.map((e) => ('action_id' in e ? e.action_id : ''))
        : [];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(TIMELINE_PAGE_ACTION.test(id ?? '')).toBe(true);
    const next = actions && 'elements' in actions ? actions.elements[0] : undefined;
    expect(parseTimelinePageValue(next && 'value' in next ? next.value : undefined)).toEqual({
      incidentId: incident.id,
      page: 1,
    });
  });

  it('shows removed and redacted entries as such', () => {
    const db = testDb();
    const incident = makeIncident(db);
    const { event } = addTimelineEvent(db, {
      incidentId: incident.id,
      kind: 'message',
      text: 'key AKIAIOSFODNN7EXAMPLE',
      occurredAt: incident.startedAt,
      recordedAt: incident.startedAt,
    });
    const msg = timelineMessage({
      incident,
      entries: [{ ...event, removedAt: new Date(), removedReason: 'unpinned' }],
      page: 0,
      pageCount: 1,
      total: 1,
      tz: 'UTC',
    });
    const s = JSON.stringify(msg.blocks);
    expect(s).toContain('removed: unpinned');
    expect(s).toContain('secrets redacted');
    expect(s).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });
});

describe('pickIncidentModal', () => {
  it('fits any message into private_metadata and round-trips it', () => {
    const meta = {
      channel: 'C0RANDOM',
      ts: '1.000100',
      authorId: 'U0BOB',
      text: '"quoted" \\ '.repeat(2000),
      files: ['a.png'],
    };
    const raw = encodePickMeta(meta);
    expect(raw.length).toBeLessThanOrEqual(PICK_META_MAX);
    const back = decodePickMeta(raw);
    expect(back?.cut).toBe(true);
    expect(back?.channel).toBe('C0RANDOM');
    expect(meta.text.startsWith(back?.text ?? 'x')).toBe(true);
  });

  it('offers at most 100 incidents with options within 75 chars', () => {
    const db = testDb();
    const list = Array.from({ length: 130 }, (_, k) =>
      makeIncident(db, { title: `Very long title ${k} ${'x'.repeat(100)}` }),
    );
    const view = pickIncidentModal(list, {
      channel: 'C0RANDOM',
      ts: '1.1',
      authorId: null,
      text: 'hi',
      files: [],
    });
    const input = view.blocks.find((b) => b.type === 'input');
    const el = input && 'element' in input ? input.element : undefined;
    const options = el && 'options' in el ? (el.options ?? []) : [];
    expect(options).toHaveLength(100);
    for (const o of options) expect(o.text.text.length).toBeLessThanOrEqual(75);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
  });
});
