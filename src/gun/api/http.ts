import { _, makeRef, type Ref, receive, self, send } from '../../runtime/index.js';
import type { IncomingFrame } from '../frames.js';
import { type Headers, type HeadersInput, normalizeHeaders } from '../headers.js';
import { type RequestOpts, resolveRequestOptions } from '../options.js';
import type { IsFin } from '../protocols/protocol.js';
import { bodyArg, connectionArg, isFinArg, methodArg, pathArg, refArg, timeoutArg } from './checks.js';
import { withMonitor } from './connection.js';
import type { ConnPid, StreamRef } from './ids.js';

/**
 * HTTP requests, as Gun 2's: each returns the stream's ref at once; the
 * answer arrives in the caller's mailbox (or `reqOpts.replyTo`'s) as
 * `['gun_inform', pid, ref, status, headers]` (1xx),
 * `['gun_response', pid, ref, isFin, status, headers]`,
 * `['gun_data', pid, ref, isFin, data]`, `['gun_trailers', pid, ref, headers]`
 * and `['gun_error', pid, ref, reason]`, in both dialects. Requests made
 * while the connection is down wait for it to be up. On one HTTP/1.1
 * connection they are pipelined: written at once, answered in order.
 */

/** A request body: text (sent as UTF-8) or bytes. */
export type Body = string | Buffer | Uint8Array;

/**
 * `gun.request(pid, method, path, headers, body, reqOpts?)`: any method,
 * with a whole body (`content-length` is added unless given).
 *
 * @example
 * ```ts
 * const ref = gun.request(conn, 'PROPFIND', '/files', { depth: '1' }, '');
 * // Erlang: StreamRef = gun:request(ConnPid, <<"PROPFIND">>, "/files", [{<<"depth">>, <<"1">>}], <<>>)
 * ```
 */
export function request(
  pid: ConnPid,
  method: string,
  path: string,
  headers: HeadersInput,
  body: Body,
  reqOpts?: RequestOpts,
): StreamRef {
  return startRequest('request', pid, methodArg('request', method), path, headers, bodyArg('request', body), reqOpts);
}

/**
 * `GET path`.
 *
 * @example
 * ```ts
 * const ref = gun.get(conn, '/', { accept: 'text/html' });
 * const res = await gun.await(conn, ref); // ['response', 'nofin', 200, headers]
 * // Erlang: StreamRef = gun:get(ConnPid, "/", [{<<"accept">>, <<"text/html">>}])
 * ```
 */
export function get(pid: ConnPid, path: string, headers?: HeadersInput, reqOpts?: RequestOpts): StreamRef {
  return startRequest('get', pid, 'GET', path, headers, Buffer.alloc(0), reqOpts);
}

/**
 * `HEAD path`: the response has no body.
 *
 * @example
 * ```ts
 * const ref = gun.head(conn, '/big.iso');
 * const res = await gun.await(conn, ref); // ['response', 'fin', 200, headers]
 * ```
 */
export function head(pid: ConnPid, path: string, headers?: HeadersInput, reqOpts?: RequestOpts): StreamRef {
  return startRequest('head', pid, 'HEAD', path, headers, Buffer.alloc(0), reqOpts);
}

/**
 * `OPTIONS path`.
 *
 * @example
 * ```ts
 * const ref = gun.options(conn, '/');
 * ```
 */
export function options(pid: ConnPid, path: string, headers?: HeadersInput, reqOpts?: RequestOpts): StreamRef {
  return startRequest('options', pid, 'OPTIONS', path, headers, Buffer.alloc(0), reqOpts);
}

/**
 * `DELETE path` (exported as `delete`).
 *
 * @example
 * ```ts
 * const ref = gun.delete(conn, '/items/42');
 * ```
 */
function deleteRequest(pid: ConnPid, path: string, headers?: HeadersInput, reqOpts?: RequestOpts): StreamRef {
  return startRequest('delete', pid, 'DELETE', path, headers, Buffer.alloc(0), reqOpts);
}

export { deleteRequest as delete };

/**
 * `POST path`. With a body (a string or bytes), the whole request; without
 * one, or with request options in its place, a request whose body follows
 * in `gun.data` calls, as Gun's `post/3` and `post/4` with a map do.
 *
 * @example
 * ```ts
 * const ref = gun.post(conn, '/items', { 'content-type': 'application/json' }, JSON.stringify({ n: 1 }));
 * // a body sent in pieces:
 * const up = gun.post(conn, '/upload', { 'content-type': 'text/plain' });
 * gun.data(conn, up, 'nofin', 'first part, ');
 * gun.data(conn, up, 'fin', 'last part');
 * ```
 */
export function post(pid: ConnPid, path: string, headers: HeadersInput, reqOpts?: RequestOpts): StreamRef;
export function post(pid: ConnPid, path: string, headers: HeadersInput, body: Body, reqOpts?: RequestOpts): StreamRef;
export function post(
  pid: ConnPid,
  path: string,
  headers: HeadersInput,
  first?: unknown,
  second?: RequestOpts,
): StreamRef {
  return withBody('post', 'POST', pid, path, headers, first, second);
}

/**
 * `PUT path`, as `post`.
 *
 * @example
 * ```ts
 * const ref = gun.put(conn, '/items/42', { 'content-type': 'text/plain' }, 'forty-two');
 * ```
 */
export function put(pid: ConnPid, path: string, headers: HeadersInput, reqOpts?: RequestOpts): StreamRef;
export function put(pid: ConnPid, path: string, headers: HeadersInput, body: Body, reqOpts?: RequestOpts): StreamRef;
export function put(
  pid: ConnPid,
  path: string,
  headers: HeadersInput,
  first?: unknown,
  second?: RequestOpts,
): StreamRef {
  return withBody('put', 'PUT', pid, path, headers, first, second);
}

/**
 * `PATCH path`, as `post`.
 *
 * @example
 * ```ts
 * const ref = gun.patch(conn, '/items/42', { 'content-type': 'application/json' }, '{"n":2}');
 * ```
 */
export function patch(pid: ConnPid, path: string, headers: HeadersInput, reqOpts?: RequestOpts): StreamRef;
export function patch(pid: ConnPid, path: string, headers: HeadersInput, body: Body, reqOpts?: RequestOpts): StreamRef;
export function patch(
  pid: ConnPid,
  path: string,
  headers: HeadersInput,
  first?: unknown,
  second?: RequestOpts,
): StreamRef {
  return withBody('patch', 'PATCH', pid, path, headers, first, second);
}

/** Gun's post/3,4,5: a body (string or bytes) makes a whole request; none, or options in its place, a streamed one. */
function withBody(
  fn: string,
  method: string,
  pid: ConnPid,
  path: string,
  headers: HeadersInput,
  first: unknown,
  second: RequestOpts | undefined,
): StreamRef {
  if (typeof first === 'string' || first instanceof Uint8Array) {
    return startRequest(fn, pid, method, path, headers, bodyArg(fn, first), second);
  }
  // Options in the body's place (or nothing): the body is streamed. A
  // second options argument then means the first was meant as a body.
  const isOptions = typeof first === 'object' && first !== null && !Array.isArray(first);
  if (second !== undefined || (first !== undefined && !isOptions)) bodyArg(fn, first);
  return startRequest(fn, pid, method, path, headers, undefined, first as RequestOpts | undefined);
}

/**
 * `gun.headers(pid, method, path, headers, reqOpts?)`: a request whose body
 * follows in `gun.data` calls (chunked unless a content-length is given).
 *
 * @example
 * ```ts
 * const ref = gun.headers(conn, 'PUT', '/log', { 'content-type': 'text/plain' });
 * gun.data(conn, ref, 'nofin', 'line 1\n');
 * gun.data(conn, ref, 'fin', 'line 2\n');
 * ```
 */
export function headers(
  pid: ConnPid,
  method: string,
  path: string,
  headers: HeadersInput,
  reqOpts?: RequestOpts,
): StreamRef {
  return startRequest('headers', pid, methodArg('headers', method), path, headers, undefined, reqOpts);
}

function startRequest(
  fn: string,
  pid: ConnPid,
  method: string,
  path: string,
  headersIn: HeadersInput | undefined,
  body: Buffer | undefined,
  reqOpts: RequestOpts | undefined,
): StreamRef {
  connectionArg(fn, pid);
  const target = pathArg(fn, path);
  const pairs = normalizeHeaders(fn, headersIn);
  const { replyTo, flow } = resolveRequestOptions(fn, reqOpts);
  const ref = makeRef();
  send(pid, [
    '$gun_call',
    { kind: 'request', ref, replyTo: replyTo ?? self(), method, path: target, headers: pairs, body, opts: { flow } },
  ]);
  return ref;
}

/**
 * More of a streamed request's body (`gun.headers`, or `post`/`put`/`patch`
 * without a body); `'fin'` ends it. Gun's `data/4`.
 *
 * @example
 * ```ts
 * const ref = gun.post(conn, '/upload', { 'content-type': 'application/octet-stream' });
 * gun.data(conn, ref, 'nofin', Buffer.from([1, 2, 3]));
 * gun.data(conn, ref, 'fin', Buffer.from([4, 5]));
 * ```
 */
export function data(pid: ConnPid, ref: StreamRef, isFin: IsFin, data: string | Buffer | Uint8Array): void {
  connectionArg('data', pid);
  send(pid, [
    '$gun_call',
    {
      kind: 'data',
      ref: refArg('data', ref),
      caller: self(),
      isFin: isFinArg('data', isFin),
      data: bodyArg('data', data),
    },
  ]);
}

/**
 * Stops a stream: nothing more is delivered for it. Messages already sent
 * may still be in the mailbox (`gun.flush(ref)` removes them).
 *
 * @example
 * ```ts
 * const ref = gun.get(conn, '/slow');
 * gun.cancel(conn, ref);
 * gun.flush(ref); // what came before the cancel
 * ```
 */
export function cancel(pid: ConnPid, ref: StreamRef): void {
  connectionArg('cancel', pid);
  send(pid, ['$gun_call', { kind: 'cancel', ref: refArg('cancel', ref), caller: self() }]);
}

/** Why `await` and `awaitBody` came back without a message: Gun's error shapes. */
export type AwaitError =
  | readonly ['stream_error', unknown]
  | readonly ['connection_error', unknown]
  | readonly ['down', unknown]
  | 'timeout';

/** What `gun.await` returns: the stream's next message, as Gun's `await/3` shapes it. */
export type AwaitResult =
  | readonly ['inform', number, Headers]
  | readonly ['response', IsFin, number, Headers]
  | readonly ['data', IsFin, Buffer]
  | readonly ['trailers', Headers]
  /** HTTP/2 push on this stream: the pushed stream's ref, its method, URI and request headers. */
  | readonly ['push', StreamRef, string, string, Headers]
  | readonly ['upgrade', string[], Headers]
  /** HTTP/2: a `gun_notify` of the connection (`'settings_changed'`, `'ping_ack'`), as Gun's await returns it. */
  | readonly ['notify', string, unknown]
  | readonly ['ws', IncomingFrame]
  | readonly ['error', AwaitError];

/**
 * Gun's `await`: the next message of stream `ref` (over HTTP/2 also a
 * push on it, `['push', pushedRef, method, uri, headers]`, and the
 * connection's `gun_notify`, `['notify', kind, value]`, as Gun's await
 * returns them), or why none came: a
 * stream error, a connection error (`gun_error` without a ref), the
 * connection's death (`['down', reason]`), or `'timeout'`. `timeout` in ms
 * (default 5000), or the ref of a monitor on the connection the caller
 * already holds (then 5000 ms). With `ref` undefined it waits for a
 * connection-level error only. Exported as `await`.
 *
 * @example
 * ```ts
 * const ref = gun.get(conn, '/');
 * const res = await gun.await(conn, ref, 10_000);
 * if (res[0] === 'response') console.log(res[2]); // the status
 * else if (res[0] === 'error') console.error(res[1]); // ['stream_error', reason], 'timeout', ...
 * // Erlang: {response, IsFin, Status, Headers} = gun:await(ConnPid, StreamRef, 10000)
 * ```
 */
async function awaitStream(pid: ConnPid, ref: StreamRef | undefined, timeout?: number | Ref): Promise<AwaitResult> {
  connectionArg('await', pid);
  // `await(pid, undefined)`, as Gun's tests use it: only a connection-level
  // error, the connection's death or the timeout can answer.
  if (ref !== undefined) refArg('await', ref);
  return withMonitor(pid, timeoutArg('await', timeout), async (ms, mref) => {
    // Plain patterns, not on() clauses: an await per message is a hot path
    // (a pipelined request loop), and clauses would be closures made anew
    // on every call. The message is reshaped below instead.
    const message = await receive(
      [
        ['gun_inform', pid, ref, _, _],
        ['gun_response', pid, ref, _, _, _],
        ['gun_data', pid, ref, _, _],
        ['gun_trailers', pid, ref, _],
        ['gun_push', pid, ref, _, _, _, _],
        ['gun_upgrade', pid, ref, _, _],
        ['gun_ws', pid, ref, _],
        ['gun_notify', pid, _, _],
        ['gun_error', pid, ref, _],
        ['gun_error', pid, _],
        ['DOWN', mref, 'process', pid, _],
      ],
      ms,
      TIMEOUT,
    );
    return message === TIMEOUT ? TIMEOUT : awaitResult(message);
  });
}

export { awaitStream as await };

const TIMEOUT = ['error', 'timeout'] as const;

/** A message that `await` or `awaitBody` took, as Gun's await shapes it. */
function awaitResult(message: readonly unknown[]): AwaitResult {
  switch (message[0]) {
    case 'gun_error':
      return message.length === 4
        ? ['error', ['stream_error', message[3]]]
        : ['error', ['connection_error', message[2]]];
    case 'DOWN':
      return ['error', ['down', message[4]]];
    case 'gun_notify':
      return ['notify', message[2], message[3]] as unknown as AwaitResult;
    default:
      // gun_inform → ['inform', status, headers], gun_data → ['data', isFin, data], ...
      return [(message[0] as string).slice(4), ...message.slice(3)] as unknown as AwaitResult;
  }
}

/** What `gun.awaitBody` returns: Gun's `{ok, Body}`, `{ok, Body, Trailers}` or `{error, Reason}`. */
export type AwaitBodyResult =
  | readonly ['ok', Buffer]
  | readonly ['ok', Buffer, Headers]
  | readonly ['error', AwaitError];

/**
 * Gun's `await_body`: the rest of stream `ref`'s body, once it has all come
 * (call it after the `gun_response` that said `'nofin'`). `timeout` applies
 * to each message, as in Gun.
 *
 * @example
 * ```ts
 * const ref = gun.get(conn, '/');
 * const res = await gun.await(conn, ref);
 * if (res[0] === 'response' && res[1] === 'nofin') {
 *   const body = await gun.awaitBody(conn, ref); // ['ok', body] or ['ok', body, trailers]
 *   if (body[0] === 'ok') console.log(body[1].toString());
 * }
 * ```
 */
export async function awaitBody(pid: ConnPid, ref: StreamRef, timeout?: number | Ref): Promise<AwaitBodyResult> {
  connectionArg('awaitBody', pid);
  refArg('awaitBody', ref);
  return withMonitor(pid, timeoutArg('awaitBody', timeout), async (ms, mref) => {
    const patterns = [
      ['gun_data', pid, ref, _, _],
      ['gun_trailers', pid, ref, _],
      ['gun_error', pid, ref, _],
      ['gun_error', pid, _],
      ['DOWN', mref, 'process', pid, _],
    ] as const;
    const chunks: Buffer[] = [];
    for (;;) {
      const message = await receive(patterns, ms, TIMEOUT);
      if (message === TIMEOUT) return TIMEOUT;
      switch (message[0]) {
        case 'gun_data':
          chunks.push(message[4] as Buffer);
          if (message[3] === 'fin') return ['ok', chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)];
          break;
        case 'gun_trailers':
          return ['ok', Buffer.concat(chunks), message[3] as Headers];
        default:
          return awaitResult(message) as AwaitBodyResult;
      }
    }
  });
}
