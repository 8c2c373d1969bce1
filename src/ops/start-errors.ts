import { SocketStartError } from '../app.js';
import type { Config } from '../config.js';

/**
 * One line for a start-up that failed talking to Slack, naming the setting to fix. Bolt's own
 * messages ("An API error occurred: invalid_auth", "A request error occurred: …") name neither the
 * URL it tried nor the variable behind it. Never includes a token.
 */
export function describeStartError(
  e: unknown,
  config: Pick<Config, 'SLACK_API_URL' | 'SLACK_APP_TOKEN'>,
): string {
  type Coded = { code?: string; data?: { error?: unknown }; original?: unknown; message?: string };
  const socket = e instanceof SocketStartError;
  const err = (socket ? e.original : e) as Coded;
  // Bolt may wrap web-api's error (original); web-api's own errors also carry an original (the fetch error).
  const inner =
    [err, err?.original as Coded | undefined].find(
      (x) => typeof x?.code === 'string' && x.code.startsWith('slack_webapi_'),
    ) ?? err;
  const base = config.SLACK_API_URL.replace(/\/?$/, '/');
  const url = `${base}${socket ? 'apps.connections.open' : 'auth.test'}`;
  const slackError = typeof inner?.data?.error === 'string' ? inner.data.error : undefined;
  const tokenError = ['invalid_auth', 'not_authed', 'token_revoked', 'account_inactive'];
  if (slackError !== undefined && tokenError.includes(slackError))
    return socket
      ? `Slack refused SLACK_APP_TOKEN (${slackError} from ${url}): under Basic Information → App-Level Tokens create a token with connections:write (xapp-…), and turn Socket Mode on in the app's settings`
      : `Slack refused SLACK_BOT_TOKEN (${slackError} from ${url}): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page, and reinstall the app if it was revoked`;
  if (slackError !== undefined)
    return `Slack answered ${slackError} at start-up (${url}); see npm run doctor`;
  if (inner?.code === 'slack_webapi_request_error' || inner?.code === 'slack_webapi_http_error')
    return `could not reach Slack at ${url} (${inner.message ?? 'request failed'}): check SLACK_API_URL, DNS, the firewall or HTTPS proxy between this host and Slack`;
  return `failed to start: ${err?.message ?? String(e)}`;
}
