import { afterEach, expect, it } from 'vitest';
import { demoContext } from '../../sim/demo/context.js';
import run from '../../sim/demo/scenes/04-resolution.js';
import { type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

it('the resolution demo scene runs end to end and tells what people see', async () => {
  h = await startHarness({ now: '2026-11-23T14:00:00Z' });
  const lines: string[] = [];
  await run(demoContext(h, (l) => lines.push(l)));
  const out = lines.join('\n');
  expect(out).toContain('resolved');
  expect(out).toMatch(/Time to resolve/);
  expect(out).toContain('Validate config keys in CI');
  expect(out).toMatch(/carol gets a DM:[\s\S]*is due \*today\*[\s\S]*Validate config keys in CI/);
  expect(out).toMatch(/DM now reads:[\s\S]*done/);
});
