import type { App } from '@slack/bolt';
import type { Deps } from '../../runtime/deps.js';
import type { Subcommand } from '../../slack/command/router.js';
import { register as actions } from './actions.js';
import { register as events } from './events.js';

/** The recurrence feature's Slack listeners (registration apart from handling; each surface in its own file). */
export function register(app: App, deps: Deps): void {
  actions(app, deps);
  events(app, deps);
}

/** The `/incident` subcommands this feature answers. */
export function subcommands(_deps: Deps): Subcommand[] {
  return [];
}
