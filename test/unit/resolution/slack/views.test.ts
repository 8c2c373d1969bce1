import type { ViewStateValue } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { blockTextLength, validateBlocks, validateView } from '../../../../sim/blockkit.js';
import type { FollowUp } from '../../../../src/incidents/model.js';
import { resolveIncident } from '../../../../src/resolution/resolve.js';
import { followUpListMessage, snoozeModal } from '../../../../src/resolution/slack/views/follow-ups.js';
import {
  followUpReminder,
  rootCauseReminder,
} from '../../../../src/resolution/slack/views/reminder-messages.js';
import { resolutionMessage } from '../../../../src/resolution/slack/views/resolution-message.js';
import {
  followUpBlocks,
  parseResolveSubmission,
  resolveBlockFor,
  resolveModal,
} from '../../../../src/resolution/slack/views/resolve-modal.js';
import { rootCauseModal } from '../../../../src/resolution/slack/views/root-cause-modal.js';
import { FakeClock } from '../../../../src/runtime/clock.js';
import { BLOCK } from '../../../../src/slack/ids.js';
import { makeIncident, testDb } from '../../../helpers/db.js';

const CATS = ['deploy/change', 'configuration', 'unknown'];
const now = new Date('2026-11-23T11:00:00Z');
const HUGE = `<!channel> ${'x&<>'.repeat(2000)}`;

/** An open follow-up of bob's with a hostile 500-character text. */
const longFollowUp = (over: Pick<FollowUp, 'id' | 'incidentId'> & Partial<FollowUp>): FollowUp => ({
  text: HUGE.slice(0, 500),
  ownerId: 'U0BOB',
  dueDate: '2026-12-01',
  status: 'open',
  createdBy: 'U0ALICE',
  createdAt: now,
  doneAt: null,
  doneBy: null,
  snoozedUntil: null,
  sourceKey: null,
  sourceChannel: null,
  sourceTs: null,
  ticketTracker: null,
  ticketRef: null,
  ticketKey: null,
  ticketUrl: null,
  ticketState: null,
  ticketAssignee: null,
  ticketDue: null,
  ticketStateAt: null,
  ticketFieldsAt: null,
  ...over,
});

describe('resolution modal', () => {
  it('is valid Block Kit with 5 follow-up rows, prefilled services and a default time of now', () => {
    const db = testDb();
    const inc = makeIncident(db, { services: ['checkout', 'payments'], title: HUGE });
    const view = resolveModal(inc, CATS, now);
    expect(validateView(view)).toEqual([]);
    const json = JSON.stringify(view);
    expect(json).toContain('"initial_value":"checkout, payments"');
    expect(json).toContain(`"initial_date_time":${now.getTime() / 1000}`);
    for (let n = 1; n <= 5; n++) expect(json).toContain(`"block_id":"${followUpBlocks(n).due}"`);
  });

  it('parses a submission, leaving out empty follow-up rows', () => {
    const v = (x: Partial<ViewStateValue>): Record<string, ViewStateValue> => ({ x: { type: 't', ...x } });
    const values: Record<string, Record<string, ViewStateValue>> = {};
    const put = (block: string, x: Partial<ViewStateValue>) => {
      values[block] = { [block]: v(x).x as ViewStateValue };
    };
    put(BLOCK.resolution, { value: 'Rolled back' });
    put(BLOCK.rootCause, { value: null });
    put(BLOCK.rootCauseUnknown, {
      selected_options: [{ text: { type: 'plain_text', text: 'Not known yet' }, value: 'unknown' }],
    });
    put(BLOCK.category, { selected_option: null });
    put(BLOCK.factors, { value: '- no canary\n\n* tired on-call' });
    put(BLOCK.services, { value: 'checkout, payments' });
    put(BLOCK.resolvedAt, { selected_date_time: 1_795_000_000 });
    put(followUpBlocks(1).text, { value: '' });
    put(followUpBlocks(2).text, { value: 'Add a canary' });
    put(followUpBlocks(2).owner, { selected_user: 'U0BOB' });
    put(followUpBlocks(2).due, { selected_date: '2026-12-01' });
    const input = parseResolveSubmission(values, { incidentId: 4 }, 'U0ALICE', now);
    expect(input).toMatchObject({
      incidentId: 4,
      resolutionSummary: 'Rolled back',
      rootCause: null,
      rootCauseUnknown: true,
      category: null,
      contributingFactors: ['no canary', 'tired on-call'],
      services: ['checkout', 'payments'],
      followUps: [{ row: 2, text: 'Add a canary', ownerId: 'U0BOB', dueDate: '2026-12-01' }],
    });
    expect(input.resolvedAt.getTime()).toBe(1_795_000_000_000);
    expect(resolveBlockFor('followUp:2:text')).toBe('follow_up_text_2');
    expect(resolveBlockFor('followUp:3:ownerId')).toBe('follow_up_owner_3');
    expect(resolveBlockFor('followUp:5:dueDate')).toBe('follow_up_due_5');
    // Only the API can send too many follow-ups; the form would show it where they start.
    expect(resolveBlockFor('followUps')).toBe('follow_up_text_1');
    expect(resolveBlockFor('resolvedAt')).toBe(BLOCK.resolvedAt);
  });
});

describe('resolution message', () => {
  it('shows each duration with the two timestamps it was measured between', () => {
    const db = testDb();
    const inc = makeIncident(db, {
      startedAt: new Date('2026-11-23T08:50:00Z'),
      declaredAt: new Date('2026-11-23T09:00:00Z'),
      acknowledgedAt: new Date('2026-11-23T09:04:00Z'),
    });
    const { incident } = resolveIncident(db, new FakeClock(now), CATS, {
      incidentId: inc.id,
      userId: 'U0ALICE',
      resolutionSummary: 'Rolled back',
      rootCause: 'Bad flag',
      rootCauseUnknown: false,
      category: 'configuration',
      contributingFactors: [],
      services: [],
      resolvedAt: new Date('2026-11-23T10:30:00Z'),
      followUps: [],
    });
    const { blocks } = resolutionMessage(incident, [], 'U0ALICE');
    const text = JSON.stringify(blocks);
    const at = (iso: string) => `<!date^${Date.parse(iso) / 1000}^`;
    expect(text).toContain('*Time to acknowledge:* 4m  (declared ');
    expect(text).toContain(at('2026-11-23T09:04:00Z'));
    expect(text).toContain('*Time to mitigate:* 1h 40m  (impact started ');
    expect(text).toContain(at('2026-11-23T08:50:00Z'));
    expect(text).toContain('*Time to resolve:* 1h 30m  (declared ');
    expect(text).toContain(at('2026-11-23T10:30:00Z'));
    expect(text).toContain('*Root cause (configuration):* Bad flag');
    expect(validateBlocks(blocks, 'message')).toEqual([]);
  });

  it('escapes and cuts whatever people typed, and says when the root cause is pending', () => {
    const db = testDb();
    const inc = makeIncident(db, { title: HUGE, leadId: 'U0BOB' });
    const resolved = {
      ...inc,
      status: 'resolved',
      resolvedAt: now,
      resolutionSummary: HUGE,
      rootCausePending: true,
      contributingFactors: Array.from({ length: 20 }, () => HUGE.slice(0, 199)),
    };
    const fus = Array.from({ length: 30 }, (_, n) => longFollowUp({ id: n, incidentId: inc.id }));
    const { blocks, text } = resolutionMessage(resolved, fus, 'U0ALICE');
    expect(validateBlocks(blocks, 'message')).toEqual([]);
    expect(blockTextLength(blocks)).toBeLessThan(12_000);
    const json = JSON.stringify(blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('not known yet');
    expect(json).toContain('<@U0BOB> will be reminded');
    expect(json).toMatch(/…and \d+ more/);
    expect(text).not.toMatch(/[<>]/);
  });
});

describe('follow-up lists, reminders and modals', () => {
  it('stay inside Block Kit limits with many long follow-ups', () => {
    const db = testDb();
    const inc = makeIncident(db, {
      title: HUGE,
      status: 'resolved',
      resolvedAt: now,
      rootCausePending: true,
    });
    const f = longFollowUp({ id: 1, incidentId: inc.id, dueDate: '2026-11-20' });
    const items = Array.from({ length: 40 }, (_, n) => ({ followUp: { ...f, id: n + 1 }, incident: inc }));
    const list = followUpListMessage(items, 'all', '2026-11-23', 'All open follow-ups');
    expect(validateBlocks(list.blocks, 'message')).toEqual([]);
    expect(blockTextLength(list.blocks)).toBeLessThan(12_000);
    expect(JSON.stringify(list.blocks)).toContain('3 days overdue');
    expect(JSON.stringify(list.blocks)).toMatch(/…and \d+ more/);
    const reminder = followUpReminder(f, inc, '2026-11-23');
    expect(validateBlocks(reminder.blocks, 'message')).toEqual([]);
    expect(reminder.text).toContain('overdue');
    expect(validateBlocks(rootCauseReminder(inc).blocks, 'message')).toEqual([]);
    expect(validateView(snoozeModal(f, { f: 1, s: 'one', responseUrl: 'http://x/y' }, '2026-11-30'))).toEqual(
      [],
    );
    expect(
      validateView(rootCauseModal({ ...inc, rootCauseSummary: HUGE, resolutionSummary: HUGE }, CATS)),
    ).toEqual([]);
  });
});
