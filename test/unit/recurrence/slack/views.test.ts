import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../../src/incidents/model.js';
import type { Finding } from '../../../../src/recurrence/check.js';
import {
  explanationText,
  openDuplicateNotice,
  overdueText,
  recurrenceWarning,
  rootCauseEcho,
} from '../../../../src/recurrence/slack/views.js';

const NOW = new Date('2026-11-23T09:00:00Z');
const incident = (over: Partial<Incident>): Incident =>
  ({
    id: 1,
    number: 4,
    title: 'Checkout 502',
    description: '',
    severity: 2,
    status: 'resolved',
    isPrivate: false,
    services: [],
    tags: [],
    channelId: 'C0INC4',
    leadId: 'U0CAROL',
    declaredAt: new Date('2026-10-01T00:00:00Z'),
    rootCauseSummary: 'pool',
    resolutionSummary: 'bigger pool',
    imported: false,
    ...over,
  }) as Incident;
const finding = (over: Partial<Incident>, n = 1): Finding => ({
  link: {
    id: n,
    incidentId: 99,
    relatedId: n,
    score: 1,
    level: 'warning',
    explanation: {},
    shownAt: null,
    messageChannel: null,
    messageTs: null,
    feedback: null,
    feedbackBy: null,
    feedbackAt: null,
    createdAt: NOW,
  },
  related: incident({ id: n, ...over }),
  level: 'warning',
  explanation: {
    sharedTerms: ['checkout'],
    sharedServices: [],
    sameCategory: false,
    category: null,
    sharedSignatures: [],
    ageDays: 53,
    text: 0.7,
  },
  openFollowUps: [],
});
const blockText = (b: unknown) => JSON.stringify(b);

describe('recurrence views', () => {
  it('escapes user text and stays within Block Kit limits for huge input', () => {
    const long = `<!channel> ${'x'.repeat(5000)}`;
    const many = Array.from({ length: 8 }, (_, i) =>
      finding({ title: long, rootCauseSummary: long, resolutionSummary: long }, i + 1),
    );
    const msg = recurrenceWarning(many, [finding({ title: long }, 20)], NOW);
    expect(msg).not.toBeNull();
    expect(msg?.blocks.length).toBeLessThanOrEqual(50);
    for (const b of msg?.blocks ?? []) {
      const t = (b as { text?: { text: string } }).text?.text;
      if (t) expect(t.length).toBeLessThanOrEqual(3000);
    }
    expect(blockText(msg)).not.toContain('<!channel>');
  });

  it('a shared version number reads as a version in the "why"', () => {
    const e = finding({}).explanation;
    const text = explanationText({ ...e, sharedTerms: ['ver:2.53.7', 'broken'] });
    expect(text).toContain('shared words `version 2.53.7`, `broken`');
  });

  it('a private match shows only "ask its lead"', () => {
    const msg = recurrenceWarning(
      [finding({ isPrivate: true, title: 'Secret payroll leak', rootCauseSummary: 'secret cause' })],
      [],
      NOW,
    );
    const text = blockText(msg);
    expect(text).toContain('A similar private incident exists; ask its lead <@U0CAROL>');
    expect(text).not.toContain('INC-4');
    expect(text).not.toContain('payroll');
    expect(text).not.toContain('secret cause');
    expect(text).not.toContain('checkout'); // no shared words either: they would describe it
    const dup = blockText(
      openDuplicateNotice(
        incident({ isPrivate: true, title: 'Secret payroll leak', status: 'investigating' }),
        finding({}).link,
      ),
    );
    expect(dup).not.toContain('INC-4');
    expect(dup).not.toContain('Join');
    expect(
      rootCauseEcho([incident({ isPrivate: true }), incident({ number: 9, channelId: null })])?.text,
    ).toBe(
      ':link: This root cause also caused *INC-9* and a private incident. Worth a look at what was done last time.',
    );
  });

  it('says how overdue a follow-up is', () => {
    expect(overdueText({ dueDate: '2026-11-20' }, NOW)).toBe('3 days overdue');
    expect(overdueText({ dueDate: '2026-11-30' }, NOW)).toBe('due 2026-11-30');
    expect(overdueText({ dueDate: null }, NOW)).toBe('no due date');
  });
});
