import type { Deps } from '../../../deps.js';
import type { Subcommand } from './router.js';

/** Subcommands of the digest feature. */
export function digestSubcommands(_deps: Deps): Subcommand[] {
  return [];
}
