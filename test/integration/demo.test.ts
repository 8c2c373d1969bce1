import { expect, it } from 'vitest';
import { scene } from '../../sim/demo/scenes/01-help.js';
import { playScene } from '../helpers/demo.js';

it('demo scene 01 shows dave the help, resolved for reading', async () => {
  const out = await playScene(scene);
  expect(out).toContain('dave types in #general: /incident help');
  expect(out).toContain('/incident help');
  expect(out).toMatch(/answered in \d+ ms/);
});
