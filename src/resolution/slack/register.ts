import type { App } from '@slack/bolt';
import type { Deps } from '../../runtime/deps.js';
import type { Subcommand } from '../../slack/command/router.js';
import { register as actions } from './actions.js';
import { resolutionSubcommands } from './commands.js';
import { register as events } from './events.js';
import { postmortemSubcommand, registerPostmortem } from './postmortem.js';
import { register as submissions } from './submissions.js';

/** The resolution feature's Slack listeners (registration apart from handling; each surface in its own file). */
export function register(app: App, deps: Deps): void {
  actions(app, deps);
  registerPostmortem(app, deps);
  submissions(app, deps);
  events(app, deps);
}

/** The `/incident` subcommands this feature answers. */
export function subcommands(deps: Deps): Subcommand[] {
  return [...resolutionSubcommands(deps), postmortemSubcommand(deps)];
}
