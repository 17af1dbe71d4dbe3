/**
 * The query in the page URL: `?q=<query>` opens the app with that query, and typing keeps the
 * URL in step (history.replaceState, no new history entries). The link carries nothing else.
 */
export const QUERY_PARAM = 'q';

export function queryFromUrl(href: string): string {
  return new URL(href).searchParams.get(QUERY_PARAM) ?? '';
}

/** `href` with its query parameter set to `query`, or removed when the query is blank. */
export function urlWithQuery(href: string, query: string): string {
  const url = new URL(href);
  if (query.trim() === '') url.searchParams.delete(QUERY_PARAM);
  else url.searchParams.set(QUERY_PARAM, query);
  return url.href;
}
