import type { App } from '@slack/bolt';
import type { Deps } from '../../../deps.js';

/** events listeners of the resolution feature. */
export function register(_app: App, _deps: Deps): void {}
