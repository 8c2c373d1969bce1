import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { DomainError } from '../incidents/errors.js';
import type { Deps } from '../runtime/deps.js';
import { describeError } from './effects.js';
import { safe } from './format.js';
import type { ViewStateValues } from './view-state.js';

/** How every modal submission is acknowledged in time, whatever it waits on (lifecycle, resolution …). */

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
 * Runs a submission. A DomainError becomes an inline error on its field (or on `fallbackBlock`),
 * which keeps the modal open with what the person typed; after the deadline it becomes a DM
 * that starts with `lateIntro` (what did not happen) and repeats what they typed.
 */
export async function submit(
  deps: Deps,
  args: ViewArgs,
  fallbackBlock: string,
  lateIntro: string,
  fn: (s: Submission) => Promise<void>,
  /** Maps a DomainError's field to the block that shows it (default: the field itself). */
  blockFor: (field?: string) => string | undefined = (f) => f,
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
    await fn({ ack: ackOnce });
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    if (!acked) {
      await ackOnce({
        response_action: 'errors',
        errors: { [blockFor(e.field) ?? fallbackBlock]: e.message.slice(0, 300) },
      });
      return;
    }
    await dm(deps, args, `:warning: ${lateIntro}: ${e.message}${typedText(valuesOf(args))}`);
  } finally {
    clearTimeout(deadline);
    if (!acked) await ackOnce();
  }
}

export async function dm(deps: Deps, args: ViewArgs, text: string): Promise<void> {
  try {
    await args.client.chat.postMessage({ channel: args.body.user.id, text });
  } catch (e) {
    deps.logger.error(`could not tell ${args.body.user.id}: ${text}: ${describeError(e)}`);
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
