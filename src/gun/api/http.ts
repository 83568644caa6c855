import { _, makeRef, on, type Ref, receive, self, send } from '../../runtime/index.js';
import type { IncomingFrame } from '../frames.js';
import { type Headers, type HeadersInput, normalizeHeaders } from '../headers.js';
import { type RequestOpts, resolveRequestOptions } from '../options.js';
import type { IsFin } from '../protocols/protocol.js';
import { bodyArg, type ConnPid, connectionArg, isFinArg, methodArg, pathArg, refArg, timeoutArg } from './checks.js';
import { withMonitor } from './connection.js';

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
 */
export function request(
  pid: ConnPid,
  method: string,
  path: string,
  headers: HeadersInput,
  body: Body,
  reqOpts?: RequestOpts,
): Ref {
  return startRequest('request', pid, methodArg('request', method), path, headers, bodyArg('request', body), reqOpts);
}

/** `GET path`. */
export function get(pid: ConnPid, path: string, headers?: HeadersInput, reqOpts?: RequestOpts): Ref {
  return startRequest('get', pid, 'GET', path, headers, Buffer.alloc(0), reqOpts);
}

/** `HEAD path`: the response has no body. */
export function head(pid: ConnPid, path: string, headers?: HeadersInput, reqOpts?: RequestOpts): Ref {
  return startRequest('head', pid, 'HEAD', path, headers, Buffer.alloc(0), reqOpts);
}

/** `OPTIONS path`. */
export function options(pid: ConnPid, path: string, headers?: HeadersInput, reqOpts?: RequestOpts): Ref {
  return startRequest('options', pid, 'OPTIONS', path, headers, Buffer.alloc(0), reqOpts);
}

/** `DELETE path` (exported as `delete`). */
function deleteRequest(pid: ConnPid, path: string, headers?: HeadersInput, reqOpts?: RequestOpts): Ref {
  return startRequest('delete', pid, 'DELETE', path, headers, Buffer.alloc(0), reqOpts);
}

export { deleteRequest as delete };

/**
 * `POST path`. With a body (a string or bytes), the whole request; without
 * one, or with request options in its place, a request whose body follows
 * in `gun.data` calls, as Gun's `post/3` and `post/4` with a map do.
 */
export function post(pid: ConnPid, path: string, headers: HeadersInput, reqOpts?: RequestOpts): Ref;
export function post(pid: ConnPid, path: string, headers: HeadersInput, body: Body, reqOpts?: RequestOpts): Ref;
export function post(pid: ConnPid, path: string, headers: HeadersInput, first?: unknown, second?: RequestOpts): Ref {
  return withBody('post', 'POST', pid, path, headers, first, second);
}

/** `PUT path`, as `post`. */
export function put(pid: ConnPid, path: string, headers: HeadersInput, reqOpts?: RequestOpts): Ref;
export function put(pid: ConnPid, path: string, headers: HeadersInput, body: Body, reqOpts?: RequestOpts): Ref;
export function put(pid: ConnPid, path: string, headers: HeadersInput, first?: unknown, second?: RequestOpts): Ref {
  return withBody('put', 'PUT', pid, path, headers, first, second);
}

/** `PATCH path`, as `post`. */
export function patch(pid: ConnPid, path: string, headers: HeadersInput, reqOpts?: RequestOpts): Ref;
export function patch(pid: ConnPid, path: string, headers: HeadersInput, body: Body, reqOpts?: RequestOpts): Ref;
export function patch(pid: ConnPid, path: string, headers: HeadersInput, first?: unknown, second?: RequestOpts): Ref {
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
): Ref {
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
 */
export function headers(pid: ConnPid, method: string, path: string, headers: HeadersInput, reqOpts?: RequestOpts): Ref {
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
): Ref {
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

/** More of a `gun.headers` request's body; `'fin'` ends it. */
export function data(pid: ConnPid, ref: Ref, isFin: IsFin, data: string | Buffer | Uint8Array): void {
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
 */
export function cancel(pid: ConnPid, ref: Ref): void {
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
  | readonly ['upgrade', string[], Headers]
  | readonly ['ws', IncomingFrame]
  | readonly ['error', AwaitError];

/**
 * Gun's `await`: the next message of stream `ref`, or why none came: a
 * stream error, a connection error (`gun_error` without a ref), the
 * connection's death (`['down', reason]`), or `'timeout'`. `timeout` in ms
 * (default 5000), or the ref of a monitor on the connection the caller
 * already holds (then 5000 ms). With `ref` undefined it waits for a
 * connection-level error only. Exported as `await`.
 */
async function awaitStream(pid: ConnPid, ref: Ref | undefined, timeout?: number | Ref): Promise<AwaitResult> {
  connectionArg('await', pid);
  // `await(pid, undefined)`, as Gun's tests use it: only a connection-level
  // error, the connection's death or the timeout can answer.
  if (ref !== undefined) refArg('await', ref);
  return withMonitor(pid, timeoutArg('await', timeout), (ms, mref) =>
    receive(
      [
        on(['gun_inform', pid, ref, _, _], ([, , , s, h]) => ['inform', s as number, h as Headers] as const),
        on(
          ['gun_response', pid, ref, _, _, _],
          ([, , , f, s, h]) => ['response', f as IsFin, s as number, h as Headers] as const,
        ),
        on(['gun_data', pid, ref, _, _], ([, , , f, d]) => ['data', f as IsFin, d as Buffer] as const),
        on(['gun_trailers', pid, ref, _], ([, , , h]) => ['trailers', h as Headers] as const),
        on(['gun_upgrade', pid, ref, _, _], ([, , , p, h]) => ['upgrade', p as string[], h as Headers] as const),
        on(['gun_ws', pid, ref, _], ([, , , frame]) => ['ws', frame as IncomingFrame] as const),
        ...errorClauses(pid, ref, mref),
      ],
      ms,
      ['error', 'timeout'] as const,
    ),
  );
}

export { awaitStream as await };

/** The three ways an await ends in error, as Gun's. */
function errorClauses(pid: ConnPid, ref: Ref | undefined, mref: Ref) {
  return [
    on(['gun_error', pid, ref, _], ([, , , r]) => ['error', ['stream_error', r]] as const),
    on(['gun_error', pid, _], ([, , r]) => ['error', ['connection_error', r]] as const),
    on(['DOWN', mref, 'process', pid, _], ([, , , , r]) => ['error', ['down', r]] as const),
  ];
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
 */
export async function awaitBody(pid: ConnPid, ref: Ref, timeout?: number | Ref): Promise<AwaitBodyResult> {
  connectionArg('awaitBody', pid);
  refArg('awaitBody', ref);
  return withMonitor(pid, timeoutArg('awaitBody', timeout), async (ms, mref) => {
    const chunks: Buffer[] = [];
    for (;;) {
      const next = await receive(
        [
          on(['gun_data', pid, ref, _, _], ([, , , f, d]) => ['data', f as IsFin, d as Buffer] as const),
          on(['gun_trailers', pid, ref, _], ([, , , h]) => ['trailers', h as Headers] as const),
          ...errorClauses(pid, ref, mref),
        ],
        ms,
        ['error', 'timeout'] as const,
      );
      switch (next[0]) {
        case 'data':
          chunks.push(next[2]);
          if (next[1] === 'fin') return ['ok', Buffer.concat(chunks)];
          break;
        case 'trailers':
          return ['ok', Buffer.concat(chunks), next[1]];
        default:
          return next;
      }
    }
  });
}
