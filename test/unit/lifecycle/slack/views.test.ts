import { describe, expect, it } from 'vitest';
import { declareIncident } from '../../../../src/lifecycle/declare.js';
import { topicText } from '../../../../src/lifecycle/slack/surfaces.js';
import { announcementMessage } from '../../../../src/lifecycle/slack/views/announcement.js';
import {
  declareModal,
  encodeDeclareMetadata,
  parseDeclareModal,
} from '../../../../src/lifecycle/slack/views/declare-modal.js';
import { homeView } from '../../../../src/lifecycle/slack/views/home.js';
import { summaryBlocks } from '../../../../src/lifecycle/slack/views/summary.js';
import { FakeClock } from '../../../../src/runtime/clock.js';
import { createInProcess } from '../../../../src/runtime/in-process.js';
import { incidentChannelName, slugify } from '../../../../src/slack/channel-name.js';
import { getEffect, runEffect } from '../../../../src/slack/effects.js';
import { makeIncident, testDb } from '../../../helpers/db.js';

describe('channel names', () => {
  it('folds accents and drops everything else', () => {
    expect(slugify('Zahlungsausfall: Größe über 9000! <@U1> & Ærø')).toBe(
      'zahlungsausfall-grosse-uber-9000-u1-aero',
    );
    expect(incidentChannelName(4, 'Checkout returns 502')).toBe('inc-4-checkout-returns-502');
    expect(incidentChannelName(4, '!!!')).toBe('inc-4');
    expect(incidentChannelName(4, 'Checkout', 2)).toBe('inc-4-checkout-2');
  });
  it('never exceeds 80 characters of [a-z0-9-], suffix included', () => {
    const long = 'Très long titre '.repeat(20);
    for (const attempt of [1, 2, 17]) {
      const n = incidentChannelName(123456, long, attempt);
      expect(n.length).toBeLessThanOrEqual(80);
      expect(n).toMatch(/^inc-123456-[a-z0-9-]+[a-z0-9]$/);
      if (attempt > 1) expect(n.endsWith(`-${attempt}`)).toBe(true);
    }
  });
});

describe('views', () => {
  const hostile = `<!channel> *bold* <https://evil|click> ${'é'.repeat(140)}`;
  it('summary escapes user text and stays within Block Kit limits', () => {
    const db = testDb();
    const i = makeIncident(db, {
      title: hostile.slice(0, 150),
      description: `<!here> ${'x'.repeat(5000)}`,
      services: ['<@U0BOB>'],
    });
    const blocks = summaryBlocks(i, { comms: 'U0CAROL' });
    // Only mrkdwn can ping or link; plain_text (the header) shows the characters as typed.
    const mrkdwn: string[] = [];
    JSON.stringify(blocks, (_k, v) => {
      if (v && typeof v === 'object' && v.type === 'mrkdwn') mrkdwn.push(v.text);
      return v;
    });
    const json = mrkdwn.join('\n');
    expect(json).toContain('&lt;!here&gt;');
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<!here>');
    expect(json).not.toContain('<@U0BOB>');
    for (const b of blocks) {
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
      if (b.type === 'section' && b.fields) expect(b.fields.length).toBeLessThanOrEqual(10);
    }
    const actions = blocks.find((b) => b.type === 'actions');
    expect(JSON.stringify(actions)).toContain('incident_open_resolve');
  });

  it('a private announcement says nothing but that it happened', () => {
    const db = testDb();
    const i = makeIncident(db, {
      isPrivate: true,
      title: 'Secret payroll leak',
      services: ['payroll'],
      channelId: 'G0SECRET',
    });
    const json = JSON.stringify(announcementMessage(i));
    for (const leak of ['payroll', 'Secret', 'INC-', 'U0ALICE', 'G0SECRET', 'SEV'])
      expect(json).not.toContain(leak);
    expect(json).toContain('A private incident was declared');
  });

  it('topic fits 250 characters', () => {
    expect(topicText({ severity: 2, status: 'investigating' }, 'alice')).toBe(
      'SEV2 · Investigating · Lead: @alice',
    );
    expect(topicText({ severity: 2, status: 'identified' }, 'a'.repeat(400)).length).toBeLessThanOrEqual(250);
  });

  it('declare modal round-trips and keeps private_metadata under 3,000 chars', () => {
    const text = `${'"\\'.repeat(3000)}`;
    const meta = encodeDeclareMetadata({
      source: { channel: 'C1', ts: '1.2', text, permalink: 'https://p' },
    });
    expect(meta.length).toBeLessThanOrEqual(3000);
    expect(JSON.parse(meta).source.channel).toBe('C1');
    const view = declareModal({
      declarerId: 'U0ALICE',
      knownServices: ['checkout'],
      prefill: { title: 'x'.repeat(400) },
    });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const form = parseDeclareModal(
      {
        title: { title: { value: 'Down' } },
        severity: { severity: { selected_option: { value: '1' } } },
        services: { services: { selected_options: [{ value: 'checkout' }] } },
        services_new: { services_new: { value: 'payments, search' } },
        lead: { lead: { selected_user: 'U0BOB' } },
        private: { private: { selected_options: [{ value: 'private' }] } },
        started_at: { started_at: { value: ' 09:00 ' } },
      },
      meta,
    );
    expect(form).toMatchObject({
      title: 'Down',
      severity: 1,
      services: ['checkout', 'payments', 'search'],
      leadId: 'U0BOB',
      isPrivate: true,
      startedAtText: '09:00',
    });
  });

  it('home lists incidents and caps blocks at 100', () => {
    const db = testDb();
    const clock = new FakeClock();
    const open = Array.from({ length: 80 }, (_, n) =>
      declareIncident(db, clock, { title: `Incident ${n}`, declaredBy: 'U0ALICE', severity: (n % 4) + 1 }),
    );
    const view = homeView(open, [], clock.now());
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(view)).toContain('Incident 0');
  });
});

describe('effects', () => {
  it('runs once, records the outcome, and resumes saved progress after a failure', async () => {
    const db = testDb();
    const deps = { db, clock: new FakeClock(), inProcess: createInProcess() };
    let calls = 0;
    await expect(
      runEffect(deps, { key: 'k', kind: 't' }, async (ctx) => {
        calls++;
        ctx.save({ step: 1 });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(getEffect(deps, 'k')).toMatchObject({ status: 'failed', lastError: 'boom', attempts: 1 });
    const r = await runEffect(deps, { key: 'k', kind: 't' }, async (ctx) => {
      calls++;
      return { resumedFrom: ctx.progress?.step, attempt: ctx.attempt };
    });
    expect(r).toEqual({ resumedFrom: 1, attempt: 2 });
    const again = await runEffect(deps, { key: 'k', kind: 't' }, async () => {
      calls++;
      return { other: true };
    });
    expect(again).toEqual(r);
    expect(calls).toBe(2);
  });

  it('concurrent runs of one key share a single attempt', async () => {
    const deps = { db: testDb(), clock: new FakeClock(), inProcess: createInProcess() };
    let calls = 0;
    const fn = async () => {
      calls++;
      await new Promise((res) => setTimeout(res, 10));
      return { n: calls };
    };
    const [a, b] = await Promise.all([
      runEffect(deps, { key: 'c', kind: 't' }, fn),
      runEffect(deps, { key: 'c', kind: 't' }, fn),
    ]);
    expect(calls).toBe(1);
    expect(a).toEqual(b);
  });
});
