import type { DemoContext } from '../context.js';

export const title = 'Recurrence';

/** Filled by the Recurrence feature. */
export async function scene(d: DemoContext): Promise<void> {
  d.narrate('(not built yet)');
}
