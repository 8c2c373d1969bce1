import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DEMO_ALERTS_TOKEN,
  DEMO_API_TOKEN,
  DEMO_METRICS_TOKEN,
  type DemoContext,
  demoContext,
} from './demo/context.js';
import { startStack } from './stack.js';

/**
 * `npm run demo`: the local Slack and the bot on a temp database with a fake clock, then every
 * scene in demo/scenes in file-name order, printing what each person sees.
 */
type SceneFn = (d: DemoContext) => Promise<void>;

const SCENES = fileURLToPath(new URL('./demo/scenes/', import.meta.url));
const rule = (title: string) => `\n━━━ ${title} ${'━'.repeat(Math.max(3, 72 - title.length))}`;

async function main(): Promise<void> {
  // A metrics token, so the operations scene can scrape GET /metrics as Prometheus would.
  const stack = await startStack({
    tmpPrefix: 'firebreak-demo-',
    // And tokens for the alerts and HTTP API scenes.
    env: { METRICS_TOKEN: DEMO_METRICS_TOKEN, ALERTS_TOKEN: DEMO_ALERTS_TOKEN, API_TOKEN: DEMO_API_TOKEN },
  });
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const narrate = (t: string) =>
    out(
      t
        .split('\n')
        .map((l, i) => `${i === 0 ? '» ' : '  '}${l}`)
        .join('\n'),
    );
  const d = demoContext(stack, narrate, out);
  out(`Firebreak demo — local Slack at ${stack.sim.url}, bot at ${stack.botUrl}`);
  out(
    `Workspace: alice (New York), bob (Berlin), carol (Kolkata), dave (UTC); #general, #incidents, #eng-leads, #random`,
  );
  let failed = 0;
  try {
    const files = readdirSync(SCENES)
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
    for (const file of files) {
      const mod = (await import(pathToFileURL(`${SCENES}${file}`).href)) as {
        scene?: SceneFn;
        default?: SceneFn;
        title?: string;
      };
      const fn = mod.scene ?? mod.default;
      out(rule(`${file.replace(/\.(ts|js)$/, '')}${mod.title ? `: ${mod.title}` : ''}`));
      if (!fn) {
        out('  (this scene exports nothing to run)');
        continue;
      }
      try {
        await fn(d);
        await stack.idle();
      } catch (e) {
        failed++;
        out(`  ✗ scene failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    out(rule('what people see at the end'));
    for (const ch of stack.sim.channels())
      if (stack.sim.messages(ch.id).length > 0) out(stack.sim.render(ch.id));
  } finally {
    await stack.close();
  }
  if (failed > 0) {
    out(`\n${failed} scene(s) failed`);
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
