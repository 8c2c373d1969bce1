import type { WebClient } from '@slack/web-api';
import type { Incident } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { afterCommit } from '../../slack/kit.js';
import {
  checkRecurrence,
  type Finding,
  type Level,
  linksOfMessage,
  markShown,
  openFollowUpsOf,
  releaseLinks,
  rootCauseEchoes,
} from '../check.js';
import type { LinkRow } from '../feedback.js';
import { indexIncident, recurrenceReady, warmRecurrence } from '../store.js';
import { policyWithMinConfidence } from '../warn.js';
import { openDuplicateNotice, recurrenceWarning, rootCauseEcho } from './views.js';

/**
 * Recurrence's Slack side: after a committed change, ask the engine what to say and post it in
 * the incident's channel (and, for an open duplicate, in the other one too). A post that fails
 * releases its claim, so the pair is offered again at the next change rather than lost.
 *
 * Each hook first awaits the index's background load (a no-op once warm): a change in the first
 * seconds after start-up is checked against the whole history rather than half of it, and the
 * wait is after the commit and the ack, in deferred hook work, so Slack never waits on it.
 */

export async function speakAboutIncident(deps: Deps, client: WebClient, incidentId: number): Promise<void> {
  await warmRecurrence(deps.db);
  const found = checkRecurrence(
    deps.db,
    incidentId,
    deps.clock.now(),
    policyWithMinConfidence(deps.config.RECURRENCE_MIN_CONFIDENCE),
  );
  if (!found) return;
  const { incident } = found;
  const channel = incident.channelId;
  const all = [...found.warnings, ...found.possible, ...found.openDuplicates];
  if (!channel) {
    // No channel yet (setup failed): nothing was shown, so nothing is claimed.
    releaseLinks(
      deps.db,
      all.map((f) => f.link.id),
    );
    return;
  }
  const msg = recurrenceWarning(found.warnings, found.possible, deps.clock.now());
  if (msg) {
    const ids = [...found.warnings, ...found.possible].map((f) => f.link.id);
    await postClaimed(deps, client, channel, msg, ids);
  }
  for (const f of found.openDuplicates) {
    const posted = await postClaimed(deps, client, channel, openDuplicateNotice(f.related, f.link), [
      f.link.id,
    ]);
    // The other incident's people hear about this one too (the same pair, the same buttons).
    if (posted && f.related.channelId) {
      try {
        await client.chat.postMessage({
          channel: f.related.channelId,
          ...openDuplicateNotice(incident, f.link),
        });
      } catch (e) {
        deps.logger.warn(`could not tell ${f.related.channelId} about its open duplicate`, e);
      }
    }
  }
}

async function postClaimed(
  deps: Deps,
  client: WebClient,
  channel: string,
  msg: { text: string; blocks: unknown[] },
  linkIds: number[],
): Promise<boolean> {
  try {
    const res = await client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks as never });
    markShown(deps.db, linkIds, channel, res.ts ?? '', deps.clock.now());
    return true;
  } catch (e) {
    releaseLinks(deps.db, linkIds);
    throw e;
  }
}

export async function speakAboutRootCause(deps: Deps, client: WebClient, incidentId: number): Promise<void> {
  await warmRecurrence(deps.db);
  const echo = rootCauseEchoes(deps.db, incidentId, deps.clock.now());
  if (!echo?.incident.channelId) return;
  const msg = rootCauseEcho(echo.related);
  if (msg) await client.chat.postMessage({ channel: echo.incident.channelId, ...msg });
}

function findingOf(deps: Deps, link: LinkRow): Finding | null {
  const related = getIncidentById(deps.db, link.relatedId);
  if (!related) return null;
  const e = link.explanation;
  return {
    link,
    related,
    level: link.level as Level,
    explanation: {
      sharedTerms: Array.isArray(e.sharedTerms) ? (e.sharedTerms as string[]) : [],
      sharedServices: Array.isArray(e.sharedServices) ? (e.sharedServices as string[]) : [],
      sameCategory: e.sameCategory === true,
      category: typeof e.category === 'string' ? e.category : null,
      sharedSignatures: Array.isArray(e.sharedSignatures) ? (e.sharedSignatures as string[]) : [],
      ageDays: typeof e.ageDays === 'number' ? e.ageDays : 0,
      text: typeof e.text === 'number' ? e.text : 0,
    },
    openFollowUps: link.level === 'possible' ? [] : openFollowUpsOf(deps.db, related.id),
  };
}

/** After feedback: the clicked message re-rendered from the links it shows, buttons replaced by the verdict. */
export async function refreshFeedbackMessage(
  deps: Deps,
  client: WebClient,
  channel: string,
  ts: string,
  clicked: LinkRow,
): Promise<void> {
  const links = linksOfMessage(deps.db, channel, ts);
  let msg: { text: string; blocks: unknown[] } | null = null;
  if (links.length > 0 && links.every((l) => l.level !== 'open_duplicate')) {
    const findings = links.map((l) => findingOf(deps, l)).filter((f): f is Finding => f !== null);
    msg = recurrenceWarning(
      findings.filter((f) => f.level === 'warning'),
      findings.filter((f) => f.level === 'possible'),
      deps.clock.now(),
    );
  } else {
    // An open-duplicate notice: in the newer incident's channel it names the related one, and vice versa.
    const newer = getIncidentById(deps.db, clicked.incidentId);
    const older = getIncidentById(deps.db, clicked.relatedId);
    const other: Incident | undefined = newer?.channelId === channel ? older : newer;
    if (other) msg = openDuplicateNotice(other, clicked);
  }
  if (msg) await client.chat.update({ channel, ts, text: msg.text, blocks: msg.blocks as never });
}

/** Keeps the index in step with a change that needs no message (reopen, edits after resolution). */
export function reindex(deps: Deps, incidentId: number): void {
  if (recurrenceReady(deps.db)) {
    indexIncident(deps.db, incidentId);
    return;
  }
  // Still loading: the load may already have read the old version, so re-read it once it is done.
  afterCommit(deps, 'recurrence: reindex after load', async () => {
    await warmRecurrence(deps.db);
    indexIncident(deps.db, incidentId);
  });
}
