import type { AllMiddlewareArgs, RespondArguments, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Deps } from '../../runtime/deps.js';

/**
 * `/incident <subcommand> …`. Each feature contributes subcommands from its own file; the router
 * splits the text, finds the handler, and turns domain errors into ephemeral replies. `help` is
 * generated from what is registered, so it always lists exactly the subcommands that exist.
 */
export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export interface SubcommandCall {
  deps: Deps;
  /** Bolt's arguments: command payload, ack, respond, client … */
  bolt: CommandArgs;
  /** The text after the subcommand name, trimmed (decoded: as the person typed it). */
  rest: string;
  /** Everything the user typed after `/incident`, trimmed (decoded once, by the router). */
  text: string;
  /** People Slack identified in the text (`@bob` → its ID): for `deps.people.resolve`. */
  mentions: ReadonlyMap<string, string>;
  /** Ephemeral reply to the caller (through ack when not yet acked, else response_url). */
  reply(message: string | RespondArguments): Promise<void>;
  /** True once ack() was called. */
  readonly acked: boolean;
}

export interface Subcommand {
  name: string;
  aliases?: readonly string[];
  /** e.g. `status <investigating|identified|monitoring>` */
  usage: string;
  description: string;
  /** Shown under its own heading in help: lifecycle, timeline, resolution, reports. */
  group: string;
  run(call: SubcommandCall): Promise<void>;
}

export function splitCommand(text: string): { name: string; rest: string } {
  const trimmed = text.trim();
  const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
  if (!m) return { name: '', rest: '' };
  return { name: (m[1] ?? '').toLowerCase(), rest: (m[2] ?? '').trim() };
}

export function findSubcommand(list: readonly Subcommand[], name: string): Subcommand | undefined {
  return list.find((s) => s.name === name || s.aliases?.includes(name));
}

/**
 * The person a command names (src/slack/mentions.ts, the one parser). An unknown name also starts an
 * early re-read of the member list in the background, so someone who just joined is found on the
 * next try; the command itself never waits for that read.
 */
export function whoIsNamed(deps: Deps, call: SubcommandCall, client: WebClient, ref: string): string {
  try {
    return deps.people.resolve(ref, call.mentions);
  } catch (e) {
    deps.people.refreshSoon(client);
    throw e;
  }
}
