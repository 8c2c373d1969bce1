import type { Deps } from '../../../deps.js';
import type { Subcommand } from './router.js';

/** Subcommands of the timeline feature. */
export function timelineSubcommands(_deps: Deps): Subcommand[] {
  return [];
}
