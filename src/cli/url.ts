/**
 * What `beamish` takes from a URL: where to connect, and the credentials
 * it may carry (`ws://user:pass@host/`), which become an `authorization`
 * header, as curl and browsers do; Gun itself takes no URL.
 */

/** The URL's credentials, in a form safe to print: the password as `***`, the rest as typed. */
export function redactedUrl(typed: string, url: URL): string {
  if (url.password === '') return typed;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/**
 * Takes the credentials out of `url` (which is changed: no user, no
 * password) and returns `headers` with an `authorization: Basic …` header
 * made of them, UTF-8 and base64 as RFC 7617 says. An `authorization`
 * header already in `headers` wins, as a user's own header wins in curl;
 * the URL's credentials are then dropped.
 *
 * @example
 * const url = new URL('wss://alice:s%3Acret@example.org/chat');
 * takeCredentials(url, []); // [['authorization', 'Basic YWxpY2U6czpjcmV0']]
 * url.href; // 'wss://example.org/chat'
 */
export function takeCredentials(
  url: URL,
  headers: ReadonlyArray<readonly [string, string]>,
): ReadonlyArray<readonly [string, string]> {
  if (url.username === '' && url.password === '') return headers;
  const user = percentDecoded(url.username);
  const password = percentDecoded(url.password);
  url.username = '';
  url.password = '';
  if (headers.some(([name]) => name.toLowerCase() === 'authorization')) return headers;
  return [...headers, ['authorization', `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`]];
}

/** `text` percent-decoded; left as it is when it is not valid percent-encoding ('%zz'), as browsers leave it. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Where a URL points: host (IPv6 brackets off), port, and whether it is TLS. */
export function endpoint(url: URL): { host: string; port: number; tls: boolean } {
  const tls = url.protocol === 'wss:' || url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
  return { host, port, tls };
}
