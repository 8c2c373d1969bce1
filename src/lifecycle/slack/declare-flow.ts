import type { WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import { slackUsers } from '../../db/schema.js';
import { knownServices } from '../../incidents/list.js';
import type { Deps } from '../../runtime/deps.js';
import { truncate } from '../../slack/format.js';
import { afterCommit, openModal } from '../../slack/kit.js';
import { getPerson } from '../../slack/users.js';
import { type DeclareMetadata, declareModal } from './views/declare-modal.js';

/** Opens the declare modal (from `/incident`, the global shortcut or the Home tab's button). */
export async function openDeclareModal(
  deps: Deps,
  client: WebClient,
  triggerId: string,
  userId: string,
  metadata: DeclareMetadata = {},
  prefill?: { title?: string; description?: string },
): Promise<void> {
  await openModal(
    deps,
    triggerId,
    declareModal({
      declarerId: userId,
      knownServices: knownServices(deps.db),
      metadata,
      ...(prefill ? { prefill } : {}),
    }),
  );
  // Fetch the declarer's time zone while they type, so the submission rarely waits on users.info.
  afterCommit(deps, `time zone of ${userId}`, async () => {
    await getPerson(client, deps.db, deps.clock, userId);
  });
}

/** How long a declaration waits for users.info before reading the time in a fallback zone. */
export const TZ_WAIT_MS = 10_000;

/**
 * The zone to read a typed "impact started at" in: Slack's answer if it comes within `waitMs`,
 * else the last zone we knew (however old), else UTC. `note` says when it was not Slack's answer.
 */
export async function declarerTz(
  deps: Pick<Deps, 'db' | 'clock'>,
  client: WebClient,
  userId: string,
  waitMs = TZ_WAIT_MS,
): Promise<{ tz: string; note: string | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), waitMs);
  });
  const person = await Promise.race([getPerson(client, deps.db, deps.clock, userId), late]).finally(() =>
    clearTimeout(timer),
  );
  if (person && !person.fallback) return { tz: person.tz, note: null };
  const known = deps.db
    .select({ tz: slackUsers.tz })
    .from(slackUsers)
    .where(eq(slackUsers.id, userId))
    .get()?.tz;
  const why = person
    ? 'Slack could not tell me your time zone'
    : 'Slack was too slow to tell me your time zone';
  return known
    ? { tz: known, note: `${why}, so I read the impact start in ${known}, the zone I last knew for you.` }
    : { tz: 'UTC', note: `${why}, so I read the impact start in UTC.` };
}

/**
 * The title and description a message suggests: its first line, and the whole text with its link.
 * `text` is already decoded (text.ts `fromSlack`): the form shows what the person typed.
 */
export function prefillFromMessage(text: string, permalink?: string): { title: string; description: string } {
  const firstLine = text.split('\n').find((l) => l.trim()) ?? '';
  const title = truncate(firstLine.trim(), 150);
  const from = permalink ? `\n\nDeclared from: ${permalink}` : '';
  const description = `${truncate(text.trim(), 3000 - from.length)}${from}`;
  return { title, description };
}
