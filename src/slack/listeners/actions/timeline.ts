import type { App } from '@slack/bolt';
import type { Deps } from '../../../deps.js';

/** actions listeners of the timeline feature. */
export function register(_app: App, _deps: Deps): void {}
