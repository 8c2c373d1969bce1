import { expect, it } from 'vitest';
import type { DemoContext } from '../../src/simulator/demo/context.js';
import { scene } from '../../src/simulator/demo/scenes/01-help.js';
import { startHarness } from '../helpers/harness.js';

it('demo scene 01 shows dave the help, resolved for reading', async () => {
  const h = await startHarness();
  const lines: string[] = [];
  try {
    const d: DemoContext = {
      sim: h.sim,
      bot: h.bot,
      db: h.db,
      clock: h.clock,
      send: h.send,
      person: (id) => h.person(id),
      idle: () => h.idle(),
      narrate: (t) => lines.push(t),
      say: (t) => lines.push(t),
      show: (ch) => lines.push(h.sim.render(ch)),
    };
    await scene(d);
  } finally {
    await h.close();
  }
  const out = lines.join('\n');
  expect(out).toContain('dave types in #general: /incident help');
  expect(out).toContain('/incident help');
  expect(out).toMatch(/answered in \d+ ms/);
});
