import type { App } from '@slack/bolt';
import type { Deps } from '../../runtime/deps.js';
import type { Subcommand } from '../../slack/command/router.js';
import { digestSubcommands } from './commands.js';

/** The digest feature has no listeners of its own beyond `/incident digest` (posting is a job). */
export function register(_app: App, _deps: Deps): void {}

/** The `/incident` subcommands this feature answers. */
export function subcommands(deps: Deps): Subcommand[] {
  return digestSubcommands(deps);
}
