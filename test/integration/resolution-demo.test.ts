import { afterEach, expect, it } from 'vitest';
import run from '../../src/simulator/demo/scenes/04-resolution.js';
import { type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

it('the resolution demo scene runs end to end and tells what people see', async () => {
  h = await startHarness({ now: '2026-11-23T14:00:00Z' });
  const lines: string[] = [];
  await run({
    sim: h.sim,
    person: (id) => h.person(id),
    idle: () => h.idle(),
    clock: h.clock,
    say: (l) => lines.push(l),
    bot: h.bot,
  });
  const out = lines.join('\n');
  expect(out).toContain('resolved');
  expect(out).toMatch(/Time to resolve/);
  expect(out).toContain('Validate config keys in CI');
  expect(out).toMatch(/carol gets a DM:[\s\S]*is due \*today\*[\s\S]*Validate config keys in CI/);
  expect(out).toMatch(/DM now reads:[\s\S]*done/);
});
