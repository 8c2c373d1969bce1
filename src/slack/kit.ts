import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { DomainError } from '../incidents/errors.js';
import type { AppLogger } from '../log.js';
import type { Deps } from '../runtime/deps.js';
import type { IncidentChange } from '../runtime/hooks.js';
import { describeError } from './effects.js';
import { safe } from './format.js';
import type { ViewStateValues } from './view-state.js';

/**
 * The one way each feature's glue does the things every feature does with Slack: submit a modal
 * (acknowledged in time, a DomainError shown inline), open a modal, tell one person something
 * privately, and run work after the commit.
 */

export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type AckArg = Parameters<ViewArgs['ack']>[0];

/**
 * Slack closes the connection after 3 s and shows the person an error. A submission that still
 * waits on Slack (users.info, conversations.members) by this time is acknowledged anyway — the
 * modal closes — and finishes afterwards; what it would have shown inline is then sent as a DM.
 */
export const VIEW_ACK_DEADLINE_MS = 2000;

export interface Submission {
  /** Acknowledges once; later calls (and calls after the deadline) do nothing. */
  ack(response?: AckArg): Promise<void>;
}

/**
 * Runs a submission. A DomainError becomes an inline error on its field's block (or on
 * `fallbackBlock` when it names none, or one this form does not have), which keeps the modal open
 * with what the person typed; after the deadline it becomes a DM that starts with `lateIntro`
 * (what did not happen) and repeats what they typed.
 */
export async function submit(
  deps: Deps,
  args: ViewArgs,
  fallbackBlock: string,
  lateIntro: string,
  /** Checks and commits; may return the Slack work to run after the acknowledgement (afterCommit). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a submission that defers nothing is an async fn returning nothing.
  fn: (s: Submission) => Promise<AfterCommit | undefined | void>,
  /**
   * Maps a DomainError's field to one of this form's input blocks, or to undefined when the form has
   * none for it. Each form states its own: the view in a submission payload carries no blocks to
   * check against, and Slack shows `errors` only under the view's input blocks, keyed by block_id
   * (https://docs.slack.dev/tools/bolt-js/concepts/acknowledge), so a block the form lacks would
   * hide the message.
   */
  blockFor: (field?: string) => string | undefined,
): Promise<void> {
  let acked = false;
  const ackOnce = async (response?: AckArg) => {
    if (acked) return;
    acked = true;
    await args.ack(response);
  };
  const deadline = setTimeout(() => {
    if (acked) return;
    ackOnce().catch((e: unknown) => deps.logger.warn(`late ack of ${args.view.callback_id} failed`, e));
  }, VIEW_ACK_DEADLINE_MS);
  try {
    const after = await fn({ ack: ackOnce });
    await ackOnce();
    if (after) afterCommit(deps, `view:${args.view.callback_id}`, after);
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    if (!acked) {
      await ackOnce({
        response_action: 'errors',
        errors: { [blockFor(e.field) ?? fallbackBlock]: e.message.slice(0, 300) },
      });
      return;
    }
    await tellPrivately(
      args.client,
      args.body.user.id,
      null,
      `:warning: ${lateIntro}: ${e.message}${typedText(valuesOf(args))}`,
      deps.logger,
    );
  } finally {
    clearTimeout(deadline);
    if (!acked) await ackOnce();
  }
}

/**
 * The `blockFor` of a form whose input blocks are named as its verbs name their fields: the blocks
 * listed (those the form always has); any other field goes on the submission's fallback block.
 */
export const blocksNamed =
  (...blockIds: string[]) =>
  (field?: string): string | undefined =>
    field !== undefined && blockIds.includes(field) ? field : undefined;

/** Slack work that runs after the change committed and the person was answered. */
export type AfterCommit = () => Promise<unknown>;

/** Runs `work` after the answer to Slack, tracked (stop() waits for it; a failure is logged). */
export function afterCommit(deps: Pick<Deps, 'tasks'>, label: string, work: AfterCommit): void {
  deps.tasks.defer(label, work);
}

/**
 * Tells other features (the recurrence engine, …) about the changes a verb returned. The one place
 * glue emits hooks: call it after the verb's transaction committed, once per verb call.
 */
export function publish(deps: Pick<Deps, 'hooks'>, changes: readonly IncidentChange[]): void {
  for (const change of changes) deps.hooks.emit(change);
}

/**
 * Opens a modal with a trigger_id (valid 3 s) through the person-facing client, never one background
 * work queues on; a refusal becomes a DomainError the caller tells the person, not a lost click.
 */
export async function openModal(deps: Pick<Deps, 'slack'>, triggerId: string, view: View): Promise<void> {
  try {
    await deps.slack.interactive.views.open({ trigger_id: triggerId, view });
  } catch (e) {
    throw new DomainError(
      'slack_failed',
      `Slack did not open the form (${describeError(e)}). Please try again.`,
    );
  }
}

/**
 * Tells one person something privately: ephemeral in `channel` if we can, else by DM. With a
 * logger, a DM that fails too is logged instead of thrown (a late answer nobody waits on).
 */
export async function tellPrivately(
  client: WebClient,
  userId: string,
  channel: string | null | undefined,
  text: string,
  logger?: AppLogger,
): Promise<void> {
  if (channel) {
    try {
      await client.chat.postEphemeral({ channel, user: userId, text });
      return;
    } catch {
      // Not a channel the bot can post in (or the person left it): fall back to a DM.
    }
  }
  try {
    await client.chat.postMessage({ channel: userId, text });
  } catch (e) {
    if (!logger) throw e;
    logger.error(`could not tell ${userId}: ${text}: ${describeError(e)}`);
  }
}

/** What the person typed, quoted, so a closed modal does not lose it. */
export function typedText(values: ViewStateValues): string {
  const typed = Object.values(values)
    .flatMap((b) => Object.values(b ?? {}))
    .map((v) => (v?.type === 'plain_text_input' ? (v.value ?? '').trim() : ''))
    .filter(Boolean);
  if (!typed.length) return '';
  return `\nWhat you typed:\n${typed.map((t) => `>${safe(t, 900).replace(/\n/g, '\n>')}`).join('\n')}`;
}

export const valuesOf = (args: ViewArgs) => args.view.state.values as unknown as ViewStateValues;
