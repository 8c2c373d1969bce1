import type { App } from '@slack/bolt';
import type { Deps } from '../../../deps.js';

/** views listeners of the resolution feature. */
export function register(_app: App, _deps: Deps): void {}
