import type { App } from '@slack/bolt';
import type { Deps } from '../../runtime/deps.js';
import type { Subcommand } from '../../slack/command/router.js';
import { register as actions } from './actions.js';
import { timelineSubcommands } from './commands.js';
import { register as events } from './events.js';
import { register as shortcuts } from './shortcuts.js';
import { register as submissions } from './submissions.js';

/** The timeline feature's Slack listeners (registration apart from handling; each surface in its own file). */
export function register(app: App, deps: Deps): void {
  shortcuts(app, deps);
  actions(app, deps);
  submissions(app, deps);
  events(app, deps);
}

/** The `/incident` subcommands this feature answers. */
export function subcommands(deps: Deps): Subcommand[] {
  return timelineSubcommands(deps);
}
