import { expect, it } from 'vitest';
import { scene } from '../../sim/demo/scenes/04c-tickets.js';
import { playScene } from '../helpers/demo.js';

it('demo scene 04c shows a follow-up becoming a GitHub issue, closing and reopening from GitHub', async () => {
  const out = await playScene(scene);
  expect(out).toContain(
    'GitHub now has issue #1 in acme/checkout: “Validate config keys in CI”, assigned to bob-gh',
  );
  expect(out).toContain('GitHub #1');
  expect(out).toContain('The webhook was answered 200');
  expect(out).toContain('No open follow-ups');
  expect(out).toMatch(/done: GitHub #1 was closed/);
  expect(out).toContain(
    '| done | Validate config keys in CI | @bob | 2026-12-01 | [GitHub #1](https://github.com/acme/checkout/issues/1) |',
  );
  // Reopened on GitHub: open again, the owner told, on the timeline.
  expect(out).toContain('The `reopened` webhook was answered 200');
  expect(out).toContain('is open again: GitHub #1 was reopened');
  expect(out).toMatch(
    /his list shows it open again:\n\*Your open follow-ups\*\n\*Validate config keys in CI\*/,
  );
  expect(out).toContain("The timeline's newest entry: Follow-up #1 reopened: GitHub #1 was reopened");
});
