import { type DemoContext, demoContext } from '../../sim/demo/context.js';
import { type Harness, startHarness } from './harness.js';

/**
 * Plays one demo scene against a fresh bot and returns what it printed, the way `npm run demo`
 * shows it; `before` seeds what the earlier scenes would have made. The bot is closed either way.
 */
export async function playScene(
  scene: (d: DemoContext) => Promise<void>,
  env: Record<string, string> = {},
  before: (h: Harness) => void | Promise<void> = () => {},
): Promise<string> {
  const h = await startHarness({ env });
  const lines: string[] = [];
  try {
    await before(h);
    await scene(demoContext(h, (t) => lines.push(t)));
  } finally {
    await h.close();
  }
  return lines.join('\n');
}
