import type { App } from '@slack/bolt';
import type { Deps } from '../../deps.js';
import { registerPostmortem } from '../../resolution/slack/postmortem.js';
import { register as actions } from './actions/index.js';
import { register as commands } from './commands/index.js';
import { register as events } from './events/index.js';
import { register as shortcuts } from './shortcuts/index.js';
import { register as views } from './views/index.js';

/** Registration apart from handling: one call per surface. */
export function registerListeners(app: App, deps: Deps): void {
  commands(app, deps);
  shortcuts(app, deps);
  actions(app, deps);
  registerPostmortem(app, deps);
  views(app, deps);
  events(app, deps);
}
