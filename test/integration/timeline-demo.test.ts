import { expect, it } from 'vitest';
import { demoContext } from '../../sim/demo/context.js';
import run from '../../sim/demo/scenes/03-timeline.js';
import { startHarness } from '../helpers/harness.js';

it('the timeline demo scene plays through: captures, a note, an edit, redaction and an export', async () => {
  const h = await startHarness();
  const lines: string[] = [];
  try {
    await run(demoContext(h, (l) => lines.push(l)));
  } finally {
    await h.close();
  }
  const out = lines.join('\n');
  expect(out).toContain(':white_check_mark:');
  expect(out).toContain('Added to the INC-1 timeline');
  expect(out).toContain('Note added to the INC-1 timeline at');
  expect(out).toContain('config typo');
  expect(out).toContain('[redacted password]');
  expect(out).not.toContain('Hunter2-prod@db-eu-2:5432/checkout |');
  expect(out).toMatch(/inc-1-.*-postmortem\.md/);
  expect(out).toContain('## Timeline');
  // carol never used a command: her name was looked up for the document.
  expect(out).toContain('| @carol |');
});
