import { afterEach, expect, it } from 'vitest';
import { demoContext } from '../../sim/demo/context.js';
import resolution from '../../sim/demo/scenes/04-resolution.js';
import { scene as postmortem } from '../../sim/demo/scenes/04b-postmortem.js';
import { type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

it('the postmortem demo scene shows the canvas the Postmortem button made, then refreshed', async () => {
  h = await startHarness({ now: '2026-11-23T14:00:00Z' });
  const lines: string[] = [];
  const ctx = demoContext(h, (l) => lines.push(l));
  await resolution(ctx);
  lines.length = 0;
  await postmortem(ctx);
  const out = lines.join('\n');
  expect(out).toContain('bob clicks [Postmortem]');
  expect(out).toMatch(/reads:\n[\s\S]*## Root cause[\s\S]*mistyped config key/);
  expect(out).toContain('@carol');
  expect(out).toMatch(/edits: create → replace/);
  expect(out).toContain('Alert on EU pool exhaustion');
});
