import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { reminders, timelineEvents } from '../../../src/db/schema.js';
import { editFollowUp } from '../../../src/resolution/edit-follow-up.js';
import { addFollowUp, completeFollowUp } from '../../../src/resolution/follow-ups.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { hmacHexMatches } from '../../../src/trackers/http.js';
import { toAdf } from '../../../src/trackers/jira.js';
import {
  applyRemote,
  backoffMs,
  dueOps,
  MAX_ATTEMPTS,
  recordClosed,
  recordCreated,
  recordFailure,
  scanOutbox,
  userMap,
} from '../../../src/trackers/store.js';
import { makeIncident, testDb } from '../../helpers/db.js';

const now = new Date('2026-11-23T14:00:00Z');
const clock = new FakeClock(now);
/** A tracker time after the clock's now (what a webhook delivery carries). */
const secondsLater = (n: number) => new Date(clock.now().getTime() + n * 1000);
const users = userMap({ U0BOB: 'bob-gh', U0CAROL: 'carol-gh' });
const GH = { name: 'github' as const, label: 'GitHub' };

describe('tracker configuration', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's' };
  it('needs a token and a project with TRACKER, an email and a site for Jira', () => {
    expect(() => loadConfig({ ...base, TRACKER: 'github', TRACKER_PROJECT: 'acme/ops' })).toThrow(
      /TRACKER_TOKEN is missing: expected the github API token/,
    );
    expect(() =>
      loadConfig({ ...base, TRACKER: 'github', TRACKER_TOKEN: 't', TRACKER_PROJECT: 'ops' }),
    ).toThrow(/TRACKER_PROJECT is malformed: expected the repository as owner\/name/);
    expect(() =>
      loadConfig({ ...base, TRACKER: 'jira', TRACKER_TOKEN: 't', TRACKER_PROJECT: 'OPS' }),
    ).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, TRACKER: 'asana' })).toThrow(
      /TRACKER is malformed: expected one of github, jira, linear/,
    );
    expect(() => loadConfig({ ...base, TRACKER_USERS: 'alice' })).toThrow(/TRACKER_USERS is malformed/);
    const c = loadConfig({
      ...base,
      TRACKER: 'linear',
      TRACKER_TOKEN: 'k',
      TRACKER_PROJECT: 'team',
      TRACKER_USERS: 'U0BOB=b1, U0CAROL=c1',
    });
    expect(c.TRACKER_USERS).toEqual({ U0BOB: 'b1', U0CAROL: 'c1' });
    expect(c.TRACKER_POLL_MINUTES).toBe(5);
  });
});

describe('tracker store', () => {
  it('backs off 30 s, 1, 2, 4 … minutes, at most an hour', () => {
    expect([1, 2, 3, 4, 8, 9].map(backoffMs)).toEqual([
      30_000, 60_000, 120_000, 240_000, 3_600_000, 3_600_000,
    ]);
    expect(MAX_ATTEMPTS).toBe(10);
  });

  it('maps users both ways, case-insensitively from the tracker', () => {
    expect(users.toTracker('U0BOB')).toBe('bob-gh');
    expect(users.toTracker('U0DAVE')).toBeNull();
    expect(users.toSlack('Bob-GH')).toBe('U0BOB');
  });

  it('the outbox starts at the end, then queues a create per new follow-up and never for a private incident', () => {
    const db = testDb();
    const inc = makeIncident(db);
    const priv = makeIncident(db, { number: 2, isPrivate: true });
    addFollowUp(db, clock, { incidentId: inc.id, text: 'before the tracker', createdBy: 'U0ALICE' });
    expect(scanOutbox(db, clock, users, false)).toBe(0);
    addFollowUp(db, clock, { incidentId: inc.id, text: 'after', createdBy: 'U0ALICE' });
    addFollowUp(db, clock, { incidentId: priv.id, text: 'secret work', createdBy: 'U0ALICE' });
    expect(scanOutbox(db, clock, users, false)).toBe(1);
    expect(scanOutbox(db, clock, users, false)).toBe(0);
    const ops = dueOps(db, clock);
    expect(ops.map((o) => [o.action, o.requestedBy])).toEqual([['create', 'U0ALICE']]);
  });

  it('a done follow-up whose ticket exists queues a close; one done before its ticket closes it after the create', () => {
    const db = testDb();
    const inc = makeIncident(db);
    scanOutbox(db, clock, users, false);
    const { followUp } = addFollowUp(db, clock, { incidentId: inc.id, text: 'canary', createdBy: 'U0ALICE' });
    scanOutbox(db, clock, users, false);
    const [create] = dueOps(db, clock);
    if (!create) throw new Error('no create');
    completeFollowUp(db, clock, { followUpId: followUp.id, userId: 'U0BOB' });
    expect(scanOutbox(db, clock, users, false)).toBe(0); // no ticket yet: nothing to close
    recordCreated(db, clock, create, {
      tracker: 'github',
      label: 'GitHub',
      ref: '7',
      key: '#7',
      url: 'https://x/7',
      assignee: null,
      due: null,
    });
    expect(dueOps(db, clock).map((o) => o.action)).toEqual(['close']);
  });

  it('an edit queues an update only when the owner or due date differ from what the ticket has', () => {
    const db = testDb();
    const inc = makeIncident(db);
    scanOutbox(db, clock, users, true);
    const { followUp } = addFollowUp(db, clock, {
      incidentId: inc.id,
      text: 'canary',
      createdBy: 'U0ALICE',
      ownerId: 'U0BOB',
    });
    scanOutbox(db, clock, users, true);
    const [create] = dueOps(db, clock);
    if (!create) throw new Error('no create');
    recordCreated(db, clock, create, {
      tracker: 'jira',
      label: 'Jira',
      ref: '1',
      key: 'OPS-1',
      url: 'https://x',
      assignee: 'bob-gh',
      due: null,
    });
    editFollowUp(db, clock, { followUpId: followUp.id, by: 'U0ALICE', text: 'canary stage' });
    expect(scanOutbox(db, clock, users, true)).toBe(0);
    editFollowUp(db, clock, { followUpId: followUp.id, by: 'U0ALICE', ownerId: 'U0CAROL' });
    expect(scanOutbox(db, clock, users, true)).toBe(1);
  });

  it('failures are kept and rescheduled; a refusal that will not pass gives up at once', () => {
    const db = testDb();
    const inc = makeIncident(db);
    scanOutbox(db, clock, users, false);
    addFollowUp(db, clock, { incidentId: inc.id, text: 'canary', createdBy: 'U0ALICE' });
    scanOutbox(db, clock, users, false);
    const [op] = dueOps(db, clock);
    if (!op) throw new Error('no op');
    const again = recordFailure(db, clock, op, 'HTTP 502', { giveUp: false, waitMs: 30_000 });
    expect(again).toMatchObject({ status: 'pending', attempts: 1, failureNoticed: true });
    expect(dueOps(db, clock)).toHaveLength(0);
    expect(dueOps(db, new FakeClock(now.getTime() + 30_000))).toHaveLength(1);
    expect(recordFailure(db, clock, again, 'HTTP 401', { giveUp: true, waitMs: 0 }).status).toBe('gave_up');
  });

  it('applies what the tracker reports: closed marks done once, assignee maps back, unknown assignees leave the owner', () => {
    const db = testDb();
    const inc = makeIncident(db);
    scanOutbox(db, clock, users, false);
    const { followUp } = addFollowUp(db, clock, {
      incidentId: inc.id,
      text: 'canary',
      createdBy: 'U0ALICE',
      ownerId: 'U0BOB',
    });
    scanOutbox(db, clock, users, false);
    const [create] = dueOps(db, clock);
    if (!create) throw new Error('no create');
    recordCreated(db, clock, create, {
      tracker: 'github',
      label: 'GitHub',
      ref: '3',
      key: '#3',
      url: 'https://x',
      assignee: 'bob-gh',
      due: null,
    });
    expect(
      applyRemote(db, clock, GH, { ref: '3', closed: false, assignee: 'stranger' }, users)?.ownerChanged,
    ).toBe(false);
    expect(
      applyRemote(db, clock, GH, { ref: '3', closed: false, assignee: 'carol-gh' }, users)?.followUp.ownerId,
    ).toBe('U0CAROL');
    const r = applyRemote(db, clock, GH, { ref: '3', closed: true, assignee: 'carol-gh' }, users);
    expect(r?.closed).toBe(true);
    expect(r?.followUp).toMatchObject({ status: 'done', ticketState: 'closed', doneBy: null });
    expect(applyRemote(db, clock, GH, { ref: '3', closed: true, assignee: 'carol-gh' }, users)?.closed).toBe(
      false,
    );
    expect(applyRemote(db, clock, GH, { ref: '999', closed: true, assignee: null }, users)).toBeNull();
    // The tracker's own change is not sent back.
    expect(scanOutbox(db, clock, users, false)).toBe(0);
    void followUp;
  });
});

describe('a ticket reopened in the tracker', () => {
  function withTicket() {
    const db = testDb();
    const inc = makeIncident(db);
    scanOutbox(db, clock, users, false);
    const { followUp } = addFollowUp(db, clock, {
      incidentId: inc.id,
      text: 'canary',
      createdBy: 'U0ALICE',
      ownerId: 'U0BOB',
      dueDate: '2026-11-24',
    });
    scanOutbox(db, clock, users, false);
    const [create] = dueOps(db, clock);
    if (!create) throw new Error('no create');
    recordCreated(db, clock, create, {
      tracker: 'github',
      label: 'GitHub',
      ref: '3',
      key: '#3',
      url: 'https://x',
      assignee: 'bob-gh',
      due: null,
    });
    return { db, id: followUp.id };
  }
  const open = { ref: '3', closed: false, assignee: 'bob-gh' };

  it('Done in Slack whose close has not reached the tracker yet: reading the ticket open is no reopen', () => {
    const { db, id } = withTicket();
    completeFollowUp(db, clock, { followUpId: id, userId: 'U0BOB' });
    expect(applyRemote(db, clock, GH, open, users)?.reopened).toBe(false);
    // The close still goes out, and once it landed a reopen is a reopen.
    expect(scanOutbox(db, clock, users, false)).toBe(1);
    const [close] = dueOps(db, clock);
    if (!close) throw new Error('no close');
    recordClosed(db, clock, close);
    const r = applyRemote(db, clock, GH, { ...open, stateChanged: true, at: secondsLater(1) }, users);
    expect(r?.reopened).toBe(true);
    expect(r?.followUp).toMatchObject({ status: 'open', ticketState: 'open', doneAt: null, doneBy: null });
    // Nothing to send back, and the old `done` is not turned into a close again.
    expect(scanOutbox(db, clock, users, false)).toBe(0);
    expect(dueOps(db, clock)).toHaveLength(0);
    // The owner's DM is stored with the change, waiting to be claimed.
    expect(db.select().from(reminders).all()).toMatchObject([
      { kind: 'follow_up_reopened', subjectId: id, userId: 'U0BOB', status: 'failed', attempts: 0 },
    ]);
  });

  it('a webhook about another field does not reopen; a poll (the state as it is now) does', () => {
    const { db, id } = withTicket();
    applyRemote(db, clock, GH, { ...open, closed: true, stateChanged: true, at: secondsLater(1) }, users);
    expect(
      applyRemote(db, clock, GH, { ...open, stateChanged: false, at: secondsLater(2) }, users)?.reopened,
    ).toBe(false);
    expect(applyRemote(db, clock, GH, open, users)?.followUp).toMatchObject({ id, status: 'open' });
  });

  it('a delivery older than the last known state change is ignored: no reopen, no timeline, no DM', () => {
    const { db, id } = withTicket();
    // Closed at +1 s, reopened at +2 s, closed again at +3 s: the deliveries arrive as +1, +3, +2.
    applyRemote(db, clock, GH, { ...open, closed: true, stateChanged: true, at: secondsLater(1) }, users);
    applyRemote(db, clock, GH, { ...open, closed: true, stateChanged: true, at: secondsLater(3) }, users);
    const entries = db.select().from(timelineEvents).all().length;
    const r = applyRemote(db, clock, GH, { ...open, stateChanged: true, at: secondsLater(2) }, users);
    expect(r).toMatchObject({ stale: true, reopened: false });
    expect(r?.followUp).toMatchObject({ id, status: 'done', ticketState: 'closed' });
    expect(r?.followUp.ticketStateAt).toEqual(secondsLater(3));
    expect(db.select().from(timelineEvents).all()).toHaveLength(entries);
    expect(db.select().from(reminders).all()).toHaveLength(0);
    // A newer reopen still reopens.
    expect(
      applyRemote(db, clock, GH, { ...open, stateChanged: true, at: secondsLater(4) }, users)?.reopened,
    ).toBe(true);
  });

  it('a stale close after a newer reopen does not mark the follow-up done', () => {
    const { db, id } = withTicket();
    applyRemote(db, clock, GH, { ...open, closed: true, stateChanged: true, at: secondsLater(1) }, users);
    applyRemote(db, clock, GH, { ...open, stateChanged: true, at: secondsLater(3) }, users);
    const r = applyRemote(
      db,
      clock,
      GH,
      { ...open, closed: true, stateChanged: true, at: secondsLater(2) },
      users,
    );
    expect(r).toMatchObject({ stale: true, closed: false });
    expect(r?.followUp).toMatchObject({ id, status: 'open', ticketState: 'open' });
  });

  it('the assignee has its own mark: an older one is ignored, the state in the same delivery is not', () => {
    const { db, id } = withTicket();
    const carolAt3 = { ...open, assignee: 'carol-gh', stateChanged: false, at: secondsLater(3) };
    expect(applyRemote(db, clock, GH, carolAt3, users)?.followUp).toMatchObject({
      ownerId: 'U0CAROL',
      ticketFieldsAt: secondsLater(3),
    });
    const entries = db.select().from(timelineEvents).all().length;
    const bobAt2 = applyRemote(db, clock, GH, { ...open, stateChanged: false, at: secondsLater(2) }, users);
    expect(bobAt2).toMatchObject({ stale: true, ownerChanged: false });
    expect(bobAt2?.followUp).toMatchObject({ id, ownerId: 'U0CAROL', ticketAssignee: 'carol-gh' });
    expect(db.select().from(timelineEvents).all()).toHaveLength(entries);
    // A close at +2 showing the older assignee: closed, the owner stays Carol.
    const close = applyRemote(
      db,
      clock,
      GH,
      { ...open, closed: true, stateChanged: true, at: secondsLater(2) },
      users,
    );
    expect(close).toMatchObject({ closed: true, ownerChanged: false, stale: true });
    expect(close?.followUp).toMatchObject({ status: 'done', ownerId: 'U0CAROL', ticketAssignee: 'carol-gh' });
  });

  it('without a time, or at the very time of the last state change, a delivery asks for a read first', () => {
    const { db, id } = withTicket();
    expect(applyRemote(db, clock, GH, { ...open, closed: true, stateChanged: true }, users)).toMatchObject({
      needsRead: true,
      closed: false,
    });
    expect(
      applyRemote(db, clock, GH, { ...open, closed: true, stateChanged: true, at: secondsLater(1) }, users)
        ?.closed,
    ).toBe(true);
    // GitHub's times are whole seconds: a reopen in the same second as the close cannot be ordered.
    expect(
      applyRemote(db, clock, GH, { ...open, stateChanged: true, at: secondsLater(1) }, users),
    ).toMatchObject({
      needsRead: true,
      reopened: false,
    });
    // The read (the ticket as it is now) decides, and moves the mark to the ticket's update time.
    const read = applyRemote(db, clock, GH, { ...open, at: secondsLater(1) }, users);
    expect(read).toMatchObject({ reopened: true });
    expect(read?.followUp).toMatchObject({ id, status: 'open' });
    // Our own close without a time from the tracker is marked with our clock.
    completeFollowUp(db, clock, { followUpId: id, userId: 'U0BOB' });
    scanOutbox(db, clock, users, false);
    const [close] = dueOps(db, clock);
    if (!close) throw new Error('no close');
    clock.advance(10_000);
    recordClosed(db, clock, close);
    expect(
      applyRemote(db, clock, GH, { ...open, stateChanged: true, at: secondsLater(-5) }, users)?.stale,
    ).toBe(true);
    clock.set(new Date(now));
  });
});

describe('tracker helpers', () => {
  it('checks a hex HMAC in constant time and refuses malformed signatures', () => {
    const sig = '0'.repeat(64);
    expect(hmacHexMatches('secret', 'body', sig)).toBe(false);
    expect(hmacHexMatches('secret', 'body', 'zz')).toBe(false);
    expect(hmacHexMatches('secret', 'body', undefined)).toBe(false);
  });

  it('writes a Jira description as an ADF document with the backlink as a link mark', () => {
    const adf = toAdf('one\n\ntwo', {
      text: 'INC-1 in Slack',
      url: 'https://slack.com/app_redirect?channel=C1',
    }) as {
      type: string;
      version: number;
      content: { content: { marks?: unknown[] }[] }[];
    };
    expect(adf.type).toBe('doc');
    expect(adf.version).toBe(1);
    expect(adf.content).toHaveLength(3);
    expect(adf.content[0]?.content[0]?.marks).toEqual([
      { type: 'link', attrs: { href: 'https://slack.com/app_redirect?channel=C1' } },
    ]);
  });
});
