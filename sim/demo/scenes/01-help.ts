import { WS } from '../../api.js';
import type { DemoContext } from '../context.js';

export const title = 'Help: what /incident can do';

/** Someone new types `/incident help` in #general and sees the subcommands, only to them. */
export async function scene(d: DemoContext): Promise<void> {
  const dave = d.person(WS.users.dave);
  d.narrate('dave types in #general: /incident help');
  const r = await dave.command('help', WS.channels.general);
  d.narrate(`Firebreak answered in ${r.ms} ms. Only dave sees:`);
  d.narrate(`\n${indent(d.sim.renderBlocks(r.reply?.blocks, r.reply?.text ?? '(nothing)', true))}`);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
