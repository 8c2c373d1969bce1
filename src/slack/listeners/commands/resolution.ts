import type { Deps } from '../../../deps.js';
import type { Subcommand } from './router.js';

/** Subcommands of the resolution feature. */
export function resolutionSubcommands(_deps: Deps): Subcommand[] {
  return [];
}
