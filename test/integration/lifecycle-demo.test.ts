import { expect, it } from 'vitest';
import run from '../../src/simulator/demo/scenes/02-lifecycle.js';
import { startHarness } from '../helpers/harness.js';

it('the lifecycle demo scene plays through', async () => {
  const h = await startHarness();
  const lines: string[] = [];
  try {
    await run({
      sim: h.sim,
      person: (id) => h.person(id),
      idle: () => h.idle(),
      clock: h.clock,
      say: (l) => lines.push(l),
    });
  } finally {
    await h.close();
  }
  const out = lines.join('\n');
  expect(out).toContain('topic now: SEV1 · Monitoring · Lead: @bob');
});
