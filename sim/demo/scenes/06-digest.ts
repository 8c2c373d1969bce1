import { weekContaining } from '../../../src/digest/week.js';
import type { Simulator } from '../../api.js';
import { WS } from '../../api.js';

/**
 * Demo scene: the week ends, Monday 09:00 comes, and the weekly digest is posted to #eng-leads
 * with its details and chart in the thread. The incidents of the earlier scenes are its data.
 */
export interface DigestSceneContext {
  sim: Simulator;
  idle(): Promise<void>;
  clock: { advance(ms: number): void };
  say(line: string): void;
  /** The bot under demo (the harness's `bot`): its scheduler runs the digest job. */
  bot?: { scheduler: { run(name: string): Promise<void> } };
}

export const title = 'Weekly digest: Monday morning in #eng-leads';

export default async function run(ctx: DigestSceneContext): Promise<void> {
  const { sim, say } = ctx;
  if (!ctx.bot) throw new Error('the digest scene needs the bot (ctx.bot) to run its scheduled job');
  const now = sim.clock.now();
  // Next Monday 09:00 UTC: DIGEST_CRON's default in the demo's DIGEST_TZ (UTC).
  const due = weekContaining(now, 'UTC').end.getTime() + 9 * 3_600_000;
  ctx.clock.advance(due - now.getTime());
  say(
    `The clock moves to ${new Date(due).toISOString().slice(0, 16).replace('T', ' ')} UTC: Monday, digest time.`,
  );
  await ctx.bot.scheduler.run('digest');
  await ctx.idle();
  const post = sim
    .messages(WS.channels.digest)
    .filter((m) => m.user === WS.botUser)
    .at(-1);
  if (!post) throw new Error('no digest was posted to #eng-leads');
  say(`#eng-leads shows:\n${sim.renderBlocks(post.blocks, post.text)}`);
  for (const reply of sim.replies(WS.channels.digest, post.ts)) {
    if (reply.files?.length) {
      for (const f of reply.files) say(`  ↳ in the thread: ${f.title} (${f.name}, ${f.size} bytes PNG)`);
    } else {
      say(`  ↳ in the thread:\n${sim.renderBlocks(reply.blocks, reply.text)}`);
    }
  }
}
