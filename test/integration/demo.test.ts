import { expect, it } from 'vitest';
import { demoContext } from '../../sim/demo/context.js';
import { scene } from '../../sim/demo/scenes/01-help.js';
import { startHarness } from '../helpers/harness.js';

it('demo scene 01 shows dave the help, resolved for reading', async () => {
  const h = await startHarness();
  const lines: string[] = [];
  try {
    await scene(demoContext(h, (t) => lines.push(t)));
  } finally {
    await h.close();
  }
  const out = lines.join('\n');
  expect(out).toContain('dave types in #general: /incident help');
  expect(out).toContain('/incident help');
  expect(out).toMatch(/answered in \d+ ms/);
});
