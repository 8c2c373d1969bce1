import type { App, RespondArguments } from '@slack/bolt';
import { DomainError } from '../../incidents/errors.js';
import type { Deps } from '../../runtime/deps.js';
import { COMMAND } from '../ids.js';
import { fromCommand } from '../text.js';
import { helpText } from './help.js';
import {
  type CommandArgs,
  findSubcommand,
  type Subcommand,
  type SubcommandCall,
  splitCommand,
} from './router.js';

/** The features' subcommands, in help order, followed by `help` itself. */
export function withHelp(features: Subcommand[]): Subcommand[] {
  const list: Subcommand[] = [...features];
  list.push({
    name: 'help',
    usage: 'help',
    description: 'this list',
    group: 'Help',
    run: async (call) => call.reply(helpText(list)),
  });
  return list;
}

/** The default when `/incident` has no text: a feature may claim it (the declare modal). */
const EMPTY = '';

/** Ack by then at the latest, leaving a margin under Slack's 3 s for the network. */
export const ACK_DEADLINE_MS = 2000;

/** Registers `/incident`: one listener that routes to the subcommands the features hand it. */
export function registerCommand(app: App, deps: Deps, subcommands: Subcommand[]): void {
  app.command(COMMAND, async (bolt: CommandArgs) => {
    // Decoded once here (entities, escaped mentions, links): handlers see what the person typed.
    const { text, mentions } = fromCommand(bolt.command.text ?? '');
    let { name, rest } = splitCommand(text);
    // `/incident INC-4 status identified`: the ref goes first; keep it in `rest` for the handler.
    if (/^(inc-?\d+|#\d+)$/i.test(name)) {
      const inner = splitCommand(rest);
      rest = `${name} ${inner.rest}`.trim();
      name = inner.name;
    }
    let acked = false;
    // Bolt's own ack; `bolt.ack` is wrapped below so handlers can call it more than once.
    const wrappedAck = bolt.ack as (a?: unknown) => Promise<void>;
    const call: SubcommandCall = {
      deps,
      bolt,
      rest,
      text: text.trim(),
      mentions,
      get acked() {
        return acked;
      },
      async reply(message) {
        const body: RespondArguments = typeof message === 'string' ? { text: message } : message;
        if (!acked) {
          acked = true;
          await wrappedAck({ response_type: 'ephemeral', ...body });
        } else {
          await bolt.respond({ response_type: 'ephemeral', ...body });
        }
      },
    };
    bolt.ack = (async (arg?: unknown) => {
      if (acked) return;
      acked = true;
      await wrappedAck(arg);
    }) as typeof bolt.ack;
    // Slack gives up after 3 s. Whatever a handler waits on (a slow or rate-limited Slack call),
    // the command is acknowledged in time; the answer then goes through response_url.
    const deadline = setTimeout(() => {
      if (acked) return;
      acked = true;
      wrappedAck().catch((e: unknown) => deps.logger.warn('late ack of /incident failed', e));
    }, ACK_DEADLINE_MS);
    const sub = findSubcommand(subcommands, name === EMPTY ? 'declare' : name);
    try {
      if (!sub) {
        await call.reply(
          helpText(
            subcommands.filter((s) => s.name !== EMPTY),
            name === EMPTY ? undefined : name,
          ),
        );
        return;
      }
      await sub.run(call);
    } catch (e) {
      if (e instanceof DomainError) {
        await call.reply(`:warning: ${e.message}`);
        return;
      }
      await call
        .reply(':x: Something went wrong on our side; it has been logged. Please try again.')
        .catch(() => undefined);
      throw e;
    } finally {
      clearTimeout(deadline);
      if (!acked) await bolt.ack();
    }
  });
}
