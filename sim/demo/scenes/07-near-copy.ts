import { eq } from 'drizzle-orm';
import { recurrenceLinks } from '../../../src/db/schema.js';
import { incidentRef } from '../../../src/incidents/model.js';
import { importIncident } from '../../../src/recurrence/import.js';
import { DEFAULT_MIN_CONFIDENCE, WARN_MODEL } from '../../../src/recurrence/model.js';
import { indexIncident } from '../../../src/recurrence/store.js';
import { WS } from '../../api.js';
import type { DemoContext } from '../context.js';

export const title = 'Recurrence: a near-copy title from imported history is a strong match';

/**
 * The team imported last year's incidents (`npm run import`). A new incident's title is a near-copy
 * of one of them: the same words reordered, a synonym, the version number changed. It gets the full
 * warning, not a weak "possibly related", with how sure the bot is and why it matched.
 */
export async function scene(d: DemoContext): Promise<void> {
  const carol = d.person(WS.users.carol);
  const old = importIncident(d.db, {
    externalId: 'jira:MOB-17',
    source: 'jira',
    key: 'MOB-17',
    url: 'https://example.atlassian.net/browse/MOB-17',
    severity: 2,
    title: "Mobile app doesn't launch on iOS 18.1 after the update",
    description: 'The app closes on start for every iPhone user on iOS 18.1.',
    services: ['mobile-app'],
    tags: [],
    date: new Date('2026-03-12T14:00:00Z'),
    rootCause: 'The release read a keychain entry that iOS 18.1 no longer returns before first unlock.',
    category: 'code',
    resolution: 'Shipped 4.2.1 with the keychain read moved after unlock.',
  });
  if (!old) throw new Error('the imported incident was not stored');
  // The running bot would pick the import up on its next refresh of the index; the demo does not wait.
  indexIncident(d.db, old.id);
  d.narrate(
    `imported from last year's history: ${incidentRef(old)} "${old.title}" (March 2026, resolved, root cause known)`,
  );

  const typed = 'declare Mobile app does not start on iOS 18.2 after update';
  d.narrate(`carol types: /incident ${typed}`);
  const r = await carol.command(typed, WS.channels.general);
  d.narrate(`carol sees: ${r.reply?.text ?? '(nothing)'}`);
  await d.idle();
  const n = /INC-(\d+)/.exec(r.reply?.text ?? '')?.[1];
  const ch = d.sim.channels().find((c) => c.name.startsWith(`inc-${n}-`));
  if (!ch) throw new Error('the new incident channel was not created');
  const warning = d.sim
    .messages(ch.id)
    .filter((m) => m.user === WS.botUser && /seen before/.test(d.sim.renderBlocks(m.blocks, m.text)))
    .at(0);
  if (!warning) throw new Error('no strong recurrence warning in the new channel');
  d.narrate(`#${ch.name} shows:\n${d.sim.renderBlocks(warning.blocks, warning.text, true)}`);

  // The warning model's inputs are kept with the link (they are training data for feedback); the
  // confidence is the model's answer for them, compared with RECURRENCE_MIN_CONFIDENCE.
  const link = d.db
    .select()
    .from(recurrenceLinks)
    .where(eq(recurrenceLinks.messageTs, warning.ts))
    .all()
    .find((l) => l.relatedId === old.id);
  const f = (link?.explanation as { features?: number[] } | undefined)?.features;
  if (!link || !f || f.length < 3) throw new Error('the warning was not recorded with its features');
  const [score = 0, margin = 0, coverage = 0] = f;
  const z =
    WARN_MODEL.bias + WARN_MODEL.score * score + WARN_MODEL.margin * margin + WARN_MODEL.coverage * coverage;
  const confidence = 1 / (1 + Math.exp(-z));
  d.narrate(
    `the operator's view: level ${link.level}, confidence ${confidence.toFixed(2)} ` +
      `(RECURRENCE_MIN_CONFIDENCE ${d.config.RECURRENCE_MIN_CONFIDENCE ?? DEFAULT_MIN_CONFIDENCE}); ` +
      `new title's words found in ${incidentRef(old)}: ${Math.round(coverage * 100)}%`,
  );
}
