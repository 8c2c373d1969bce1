import { describe, expect, it } from 'vitest';
import { RESUME_SETUP_JOB } from '../../src/lifecycle/slack/setup-jobs.js';
import { FAULTS, type Flow, faultMatrix, runFlow } from '../helpers/faults.js';
import { WS } from '../helpers/harness.js';

/**
 * Declare under Slack faults: a 429 (Retry-After), a 500 or a slow answer on any Web API method the
 * declaration uses still gives exactly one incident, one channel, one summary (pinned once), one
 * announcement, the topic and members — the same world as without the fault.
 */
const flow: Flow<void> = {
  name: 'declare',
  async setup() {},
  async act(h) {
    const r = await h
      .person(WS.users.alice)
      .command('declare Checkout API returns 502 for card payments', WS.channels.general);
    expect(r.status).toBe(200);
  },
  async settle(h) {
    h.clock.advance(10 * 60_000);
    await h.bot.scheduler.run(RESUME_SETUP_JOB);
  },
};

describe('declare under Slack faults', () => {
  it.each(FAULTS)(
    '$name on each method it uses: same end state, no duplicates',
    async ({ fault }) => {
      // Every method the declaration called gets the fault; the fault must be hit and the world the same.
      expect(await faultMatrix(flow, fault, ['conversations.create'])).toEqual([]);
    },
    180_000,
  );

  it('a channel that cannot be created: the declarer is told, with a retry, and the incident is kept', async () => {
    const run = await runFlow(
      { ...flow, settle: undefined },
      { method: 'conversations.create', fault: { error: 'fatal_error' } },
    );
    const { h } = run;
    try {
      h.sim.fault('conversations.create', { error: 'fatal_error' }, { times: 20 });
      await h.idle();
      const told = [...h.sim.ephemerals(WS.users.alice), ...h.sim.dms(WS.users.alice)]
        .map((m) => h.sim.renderBlocks(m.blocks, m.text))
        .join('\n');
      expect(told).toMatch(/could not|couldn’t|failed|fatal_error/i);
      expect(run.state.rows).toMatchObject({ incidents: 1 });
    } finally {
      await h.close();
    }
  });
});
