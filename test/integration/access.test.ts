import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

const { alice, bob } = WS.users;
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** Declares a private incident through the declare modal and returns its channel. */
async function declarePrivate(title: string): Promise<string> {
  const a = h.person(alice);
  await a.command('declare');
  await a.fillAndSubmit({ Title: title, Severity: 'SEV2', Private: true });
  await h.idle();
  const inc = getIncidentByNumber(h.db, 1);
  expect(inc?.isPrivate).toBe(true);
  return inc?.channelId ?? '';
}

describe('who may see and change an incident, when Slack misbehaves', () => {
  it('App Home still opens when a private incident’s channel cannot be read, and hides that incident', async () => {
    await declarePrivate('Payroll export leaks salaries');
    await h.person(alice).command('declare Search is slow');
    await h.idle();
    h.sim.fault('conversations.members', { error: 'channel_not_found' }, { times: 5 });
    await h.person(alice).openHome();
    await h.idle();
    const home = h.sim.renderBlocks(h.person(alice).home()?.blocks);
    expect(home).toContain('Search is slow');
    expect(home).not.toContain('Payroll');
  });

  it('a failing membership check is explained to the person, and changes nothing', async () => {
    await h.person(alice).command('declare Queue lag on orders');
    await h.idle();
    const ch = getIncidentByNumber(h.db, 1)?.channelId ?? '';
    h.sim.fault('conversations.members', { status: 500 }, { times: 10 });
    const r = await h.person(alice).command('severity 1', ch);
    expect(r.reply?.text).toMatch(/Slack did not say who is in/);
    expect(getIncidentByNumber(h.db, 1)?.severity).toBe(3);
  });

  it('someone who leaves the channel loses the right to change the incident at once', async () => {
    await h.person(alice).command('declare Login errors');
    await h.idle();
    const ch = getIncidentByNumber(h.db, 1)?.channelId ?? '';
    await h.sim.join(bob, ch);
    await h.person(bob).command('severity 2', ch);
    expect(getIncidentByNumber(h.db, 1)?.severity).toBe(2);
    await h.sim.leave(bob, ch);
    await h.idle();
    const r = await h.person(bob).command('severity 1', ch);
    expect(r.reply?.text).toMatch(/Only members of/);
    expect(getIncidentByNumber(h.db, 1)?.severity).toBe(2);
  });
});
