/**
 * Cursor paging as Slack documents it for users.list, conversations.list, conversations.members and
 * conversations.replies:
 * - https://api.slack.com/docs/pagination: a page and `response_metadata.next_cursor`, empty at the
 *   end; cursors are opaque strings (base64 here, as in Slack's examples such as `dXNlcjpVMDYxTkZUVDI=`).
 * - Each method's page (https://api.slack.com/methods/users.list, …/conversations.list,
 *   …/conversations.members, …/conversations.replies): "Fewer than the requested number of items may
 *   be returned, even if the end of the list hasn't been reached", and "specify a limit value under
 *   1000" (conversations.list: "Must be an integer under 1000"); a bad limit is `invalid_limit`, a bad
 *   cursor `invalid_cursor`.
 * - conversations.list: "any filters used in the request are applied after retrieving a virtual
 *   page's limit", so a page can be short, or even empty, with more to come (`filter` below).
 *
 * The simulator therefore ends every page that is not the last one item short of the limit: a bot that
 * stops when a page is not full, or ignores `next_cursor`, misses people, channels or replies here as it
 * would in Slack.
 */

export class PagingError extends Error {
  constructor(readonly error: 'invalid_limit' | 'invalid_cursor') {
    super(error);
  }
}

/** Largest limit Slack accepts on these methods ("under 1000"). */
export const MAX_LIMIT = 999;

export const encodeCursor = (offset: number): string =>
  Buffer.from(`offset:${offset}`, 'utf8').toString('base64');

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const m = /^offset:(\d+)$/.exec(text);
  if (!m) throw new PagingError('invalid_cursor');
  return Number(m[1]);
}

function readLimit(raw: unknown, defaultLimit: number): number {
  if (raw === undefined || raw === '' || raw === null) return defaultLimit;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > MAX_LIMIT) throw new PagingError('invalid_limit');
  // Slack treats limit=0 as "no limit given".
  return n === 0 ? defaultLimit : n;
}

/**
 * One page of `all` for the request's `limit` and `cursor`. `keep` filters after the virtual page is
 * taken (conversations.list's documented behaviour), so a page may hold fewer items, or none.
 */
export function cursorPage<T>(
  all: readonly T[],
  args: { limit?: unknown; cursor?: unknown },
  defaultLimit: number,
  keep: (item: T) => boolean = () => true,
): { items: T[]; next_cursor: string } {
  const limit = Math.min(readLimit(args.limit, defaultLimit), MAX_LIMIT);
  const cursor = typeof args.cursor === 'string' ? args.cursor : '';
  const offset = cursor === '' ? 0 : decodeCursor(cursor);
  if (offset > all.length) throw new PagingError('invalid_cursor');
  const rest = all.length - offset;
  // Not the last page: one item short of the limit, as Slack may do.
  const take = rest > limit && limit > 1 ? limit - 1 : Math.min(limit, rest);
  const end = offset + take;
  return {
    items: all.slice(offset, end).filter(keep),
    next_cursor: end < all.length ? encodeCursor(end) : '',
  };
}
