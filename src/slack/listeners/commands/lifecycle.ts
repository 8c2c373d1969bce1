import type { Deps } from '../../../deps.js';
import type { Subcommand } from './router.js';

/** Subcommands of the lifecycle feature. */
export function lifecycleSubcommands(_deps: Deps): Subcommand[] {
  return [];
}
