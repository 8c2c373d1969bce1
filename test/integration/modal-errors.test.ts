import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * A refusal in a modal shows under the input it is about, and only under blocks the form has: the
 * simulator, like Slack, refuses `errors` keyed by a block_id the view lacks.
 */

const { alice } = WS.users;
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('modal errors', () => {
  it('declare, before any service is known: a service name too long shows under the typed services', async () => {
    const a = h.person(alice);
    await a.command('');
    expect(a.view().callback_id).toBe('declare_modal');
    // No service seen before: the form has no menu of them, only the typed input.
    expect(JSON.stringify(a.view().blocks)).not.toContain('"block_id":"services"');
    a.fill({ Title: 'Search is slow', 'Affected services': `search, ${'s'.repeat(61)}` });
    const bad = await a.submit();
    expect(bad.errors).toEqual({ services_new: expect.stringMatching(/at most 60 characters/) });
    expect(h.sim.channels().filter((c) => c.name.startsWith('inc-'))).toHaveLength(0);
  });
});
