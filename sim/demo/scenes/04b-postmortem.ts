import { WS } from '../../api.js';
import type { DemoContext } from '../context.js';

/**
 * Demo scene: after the resolution, bob clicks **Postmortem** on the resolution message and the
 * postmortem draft becomes the incident channel's canvas; a new follow-up and `/incident postmortem`
 * later refresh the same canvas. Prints the canvas as people would read it.
 */
export const title = 'Postmortem: the draft as a Slack canvas in the incident channel';

export async function scene(d: DemoContext): Promise<void> {
  const { sim, say } = d;
  const bob = d.person(WS.users.bob);
  const alice = d.person(WS.users.alice);
  // The most recent resolved incident's channel (scene 04 resolved one).
  const resolved = sim
    .channels()
    .filter((c) => c.name.startsWith('inc-') && !c.is_archived)
    .map((c) => ({
      c,
      m: sim.messages(c.id).find((m) => m.user === WS.botUser && /resolved/.test(m.text ?? '')),
    }))
    .filter((x) => x.m)
    .at(-1);
  if (!resolved?.m) {
    say('(no resolved incident in this run: skipping the postmortem canvas)');
    return;
  }
  const { c: ch, m: resolution } = resolved;
  for (const p of [alice, bob])
    if (!sim.members(ch.id).includes(p.id)) await sim.join(p.id, ch.id, WS.botUser);
  await d.idle();

  say(`bob clicks [Postmortem] on the resolution message in #${ch.name}`);
  await bob.click('Postmortem', { channel: ch.id, ts: resolution.ts });
  await d.idle();
  const canvas = sim.channelCanvas(ch.id);
  if (!canvas) throw new Error('the Postmortem button made no canvas');
  say(`bob sees (only to him): ${bob.lastEphemeral()?.text ?? ''}`);
  say(
    `#${ch.name} shows: ${
      sim
        .render(ch.id)
        .split('\n')
        .filter((l) => l.includes('/docs/'))
        .at(-1) ?? ''
    }`,
  );
  say(`The channel's canvas "${canvas.title}" (${canvas.id}) reads:\n${readable(canvas.markdown)}`);

  say('alice adds a follow-up, then runs: /incident postmortem');
  await alice.command('followup Alert on EU pool exhaustion within 2 minutes @bob due in 7d', ch.id);
  await alice.command('postmortem', ch.id);
  await d.idle();
  const again = sim.channelCanvas(ch.id);
  say(`alice sees: ${alice.lastEphemeral()?.text ?? ''}`);
  say(
    `Still one canvas (${again?.id}, edits: ${again?.history.map((h) => h.operation).join(' → ')}); its follow-ups now:\n${readable(
      (again?.markdown ?? '').split('## Follow-ups')[1] ?? '',
    )}`,
  );
}

/** Canvas mentions `![](@U…)` as Slack shows them: the person's name. */
function readable(markdown: string): string {
  const names: Record<string, string> = Object.fromEntries(
    Object.entries({ ...WS.users }).map(([name, id]) => [id, name]),
  );
  return markdown.replace(/!\[\]\(@([UW][A-Z0-9]+)\)/g, (_m, id: string) => `@${names[id] ?? id}`);
}
