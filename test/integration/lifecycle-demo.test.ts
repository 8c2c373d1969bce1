import { expect, it } from 'vitest';
import { demoContext } from '../../sim/demo/context.js';
import run from '../../sim/demo/scenes/02-lifecycle.js';
import { startHarness } from '../helpers/harness.js';

it('the lifecycle demo scene plays through', async () => {
  const h = await startHarness();
  const lines: string[] = [];
  const say = (l: string) => {
    lines.push(l);
  };
  try {
    await run(demoContext(h, say));
  } finally {
    await h.close();
  }
  expect(lines.join('\n')).toContain('topic now: SEV1 · Monitoring · Lead: @bob');
  expect(lines.join('\n')).toContain('alice sees: <@U0BOB> now leads INC-1.');
  expect(lines.join('\n')).toContain('changed the services: _none_ → *checkout, payments-api*');
});
