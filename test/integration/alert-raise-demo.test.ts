import { expect, it } from 'vitest';
import { DEMO_ALERTS_TOKEN } from '../../sim/demo/context.js';
import { scene } from '../../sim/demo/scenes/11-alert-raise.js';
import { playScene } from '../helpers/demo.js';

/**
 * The alert-severity demo scene: a warning's card is declared at SEV3, a later critical alert of
 * the same group raises the group to SEV1, the incident is asked (not changed), and the click raises it.
 */
it('scene 11: a later critical alert raises the group; the incident is asked "Raise to SEV1" and raised on the click', async () => {
  const out = await playScene(scene, { ALERTS_TOKEN: DEMO_ALERTS_TOKEN });
  expect(out).toContain(
    "the card offers Declare (SEV3): *Severity if declared:* SEV3 from the alert's severity `medium`",
  );
  expect(out).toContain(
    'raised by the later alert *Search returns 503 for every query* (the first was SEV3)',
  );
  expect(out).toContain('INC-1 stays SEV3 (people set it)');
  expect(out).toContain('*An alert came in at SEV1*, above INC-1’s SEV3');
  expect(out).toContain('[Raise to SEV1]');
  expect(out).toContain('@alice raised INC-1 to *SEV1*');
  expect(out).toContain('topic: SEV1 · Investigating · Lead: @alice');
});
