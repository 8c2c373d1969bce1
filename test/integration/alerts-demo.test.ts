import { expect, it } from 'vitest';
import { DEMO_ALERTS_TOKEN } from '../../sim/demo/context.js';
import { scene } from '../../sim/demo/scenes/10-alerts.js';
import { makeIncident } from '../helpers/db.js';
import { playScene } from '../helpers/demo.js';

/**
 * The alerts demo scene (issue 14): an alert arrives over HTTP, its card carries the memory's
 * answer about an earlier incident, and it is declared from the card. Here the earlier incident is
 * seeded; in `npm run demo` the earlier scenes made it.
 */
it('scene 10: an alert arrives, is matched to an earlier incident, and is declared from the card', async () => {
  const out = await playScene(scene, { ALERTS_TOKEN: DEMO_ALERTS_TOKEN }, (h) => {
    const at = new Date('2026-11-20T09:00:00Z');
    makeIncident(h.db, {
      title: 'Checkout returns 502 for EU customers',
      services: ['checkout'],
      status: 'resolved',
      rootCauseSummary: 'Deploy 4711 set the DB connection pool to 0 for the EU region',
      resolutionSummary: 'Rolled back deploy 4711',
      declaredAt: at,
      startedAt: at,
      resolvedAt: at,
    });
    for (const [i, title] of [
      'Search results stale',
      'Login emails delayed',
      'Android app crashes',
    ].entries())
      makeIncident(h.db, {
        title,
        status: 'resolved',
        declaredAt: new Date(at.getTime() - (i + 1) * 86_400_000),
      });
  });
  expect(out).toContain('Firebreak answers 200');
  expect(out).toContain('This alert matches INC-1');
  expect(out).toContain('Deploy 4711 set the DB connection pool to 0');
  expect(out).toContain('Declared as *INC-5*');
  expect(out).toContain('Alerts still firing (1)');
});
