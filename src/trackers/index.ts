import type { Config } from '../config.js';
import { githubTracker } from './github.js';
import type { FetchFn } from './http.js';
import { jiraTracker } from './jira.js';
import { linearTracker } from './linear.js';
import type { Tracker } from './types.js';

/** Where each tracker's API lives when TRACKER_URL is not set (Jira has no default: it is your site). */
export const DEFAULT_URLS = { github: 'https://api.github.com', linear: 'https://api.linear.app' } as const;

/** The configured tracker, or null when TRACKER is unset (follow-ups then live in Firebreak only). */
export function trackerFromConfig(config: Config, fetchFn?: FetchFn): Tracker | null {
  const token = config.TRACKER_TOKEN ?? '';
  const project = config.TRACKER_PROJECT ?? '';
  const common = {
    labels: config.TRACKER_LABELS,
    webhookSecret: config.TRACKER_WEBHOOK_SECRET,
    ...(fetchFn ? { fetch: fetchFn } : {}),
  };
  switch (config.TRACKER) {
    case 'github':
      return githubTracker({
        ...common,
        baseUrl: config.TRACKER_URL ?? DEFAULT_URLS.github,
        token,
        repo: project,
      });
    case 'jira':
      return jiraTracker({
        ...common,
        baseUrl: config.TRACKER_URL ?? '',
        email: config.TRACKER_EMAIL ?? '',
        token,
        project,
        issueType: config.TRACKER_ISSUE_TYPE,
      });
    case 'linear':
      return linearTracker({
        ...common,
        baseUrl: config.TRACKER_URL ?? DEFAULT_URLS.linear,
        token,
        teamId: project,
      });
    default:
      return null;
  }
}
