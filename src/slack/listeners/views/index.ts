import type { App } from '@slack/bolt';
import type { Deps } from '../../../deps.js';
import { register as digest } from './digest.js';
import { register as lifecycle } from './lifecycle.js';
import { register as recurrence } from './recurrence.js';
import { register as resolution } from './resolution.js';
import { register as timeline } from './timeline.js';

/** Registers every views listener; each feature keeps its own in a file beside this one. */
export function register(app: App, deps: Deps): void {
  lifecycle(app, deps);
  timeline(app, deps);
  resolution(app, deps);
  recurrence(app, deps);
  digest(app, deps);
}
