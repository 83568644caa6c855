import type { Pid, Ref } from '../../runtime/index.js';
import type { IncomingFrame, WireFrame } from '../frames.js';
import type { Headers } from '../headers.js';
import type { ResolvedWsOptions } from '../options.js';
import type { PerMessageDeflate } from './ws-library.js';

/**
 * What every protocol module is, as Gun's `gun_http` and `gun_ws` are: a
 * value that takes socket data and calls and answers with commands that the
 * connection process carries out. A module never touches a socket, a timer
 * or a mailbox, so it can be tested without a network: feed it bytes and
 * calls, read the commands it pushed.
 *
 * Each method takes `out`, the list to push its commands to, in order (the
 * connection reuses one list; a test passes a fresh array). A module that
 * has something to say later, outside any call (permessage-deflate inflates
 * asynchronously), hands those commands to the `later` function it was
 * built with; the connection posts them to its own mailbox and carries them
 * out there, in order, like socket events.
 */

/** `'fin'` when nothing follows on the stream, as Gun writes IsFin. */
export type IsFin = 'fin' | 'nofin';

/** A stream, as the connection opens it and the protocol keeps it. */
export interface Stream {
  readonly ref: Ref;
  /** Who gets the stream's messages: `reqOpts.replyTo`, else the caller. */
  readonly replyTo: Pid;
  /** A WebSocket upgrade request: the classic dialect writes its answer differently. */
  readonly upgrade: boolean;
}

/**
 * What happened on a stream. Each has the shape `gun.await` returns for it;
 * the dialect turns it into the message the stream's reply-to process gets
 * (gun2: `['gun_response', pid, ref, isFin, status, headers]` for
 * `['response', isFin, status, headers]`, and so on).
 */
export type StreamEvent =
  | readonly ['inform', status: number, headers: Headers]
  | readonly ['response', isFin: IsFin, status: number, headers: Headers]
  | readonly ['data', isFin: IsFin, data: Buffer]
  | readonly ['trailers', headers: Headers]
  | readonly ['upgrade', protocols: readonly string[], headers: Headers]
  | readonly ['ws', frame: IncomingFrame]
  /** HTTP/2 server push, told on the parent stream: the promised stream's ref and request. */
  | readonly ['push', pushed: Ref, method: string, uri: string, headers: Headers]
  | readonly ['error', reason: unknown];

/** A WebSocket handshake that succeeded: what the `ws` module is built from. */
export interface WsHandshake {
  readonly stream: Stream;
  /** The 101 response's headers, as received. */
  readonly headers: Headers;
  readonly opts: ResolvedWsOptions;
  /** permessage-deflate, when the server accepted our offer (ws-deflate.ts negotiated it). */
  readonly deflate: PerMessageDeflate | undefined;
}

export type Command =
  /** Bytes for the socket, in order. */
  | { readonly type: 'write'; readonly data: Buffer | string }
  /** An event for a stream's reply-to process. */
  | { readonly type: 'deliver'; readonly stream: Stream; readonly event: StreamEvent }
  /** Stop (false) or resume (true) reading the socket: flow control. */
  | { readonly type: 'active'; readonly active: boolean }
  /**
   * Hand the connection to another protocol (HTTP/1.1 → WebSocket after a
   * 101). `rest`: bytes already read past the response, which belong to it.
   */
  | { readonly type: 'switch'; readonly protocol: 'ws'; readonly handshake: WsHandshake; readonly rest: Buffer }
  /**
   * The protocol is done with the connection: close the socket. `reason` is
   * the one `gun_down` gives (`'normal'` for `connection: close` or a
   * completed WebSocket close; `['error', text]`-like for a protocol error).
   */
  | { readonly type: 'close'; readonly reason: unknown }
  /**
   * The connection is to close once what is under way ends (Gun's
   * `{closing, Timeout}` command): it enters its closing state, where new
   * streams wait for the next connection (or, with `retry` 0, are refused)
   * and the closing timeout bounds the wait for the protocol's `close`.
   */
  | { readonly type: 'closing' }
  /**
   * A call could not be carried out, or the connection failed:
   * `['gun_error', pid, ref?, reason]` to `to` (undefined: the owner).
   */
  | { readonly type: 'error'; readonly to: Pid | undefined; readonly ref: Ref | undefined; readonly reason: unknown }
  /**
   * Gun's `gun_notify`: `['gun_notify', pid, kind, value]` to `to`
   * (undefined: the owner): HTTP/2's `settings_changed` and `ping_ack`.
   */
  | { readonly type: 'notify'; readonly to: Pid | undefined; readonly kind: string; readonly value: unknown };

/** A request's options, resolved. */
export interface RequestOptions {
  /**
   * gun_data messages the reply-to process may be sent before reading
   * pauses; Infinity: no flow control; undefined: the protocol's default
   * (HTTP/2's `http2Opts.flow`, as Gun's; Infinity over HTTP/1.1).
   */
  readonly flow: number | undefined;
}

/** The calls every protocol module answers; a call that makes no sense for it answers with an error command. */
/** Gun's protocol names, as `gun_up`, `gun_down` and `info` give them. */
export type ProtocolName = 'http' | 'http2' | 'ws';

export interface Protocol {
  /** Gun's protocol name, as `gun_up` and `gun_down` give it. */
  readonly name: ProtocolName;
  /** Bytes read from the socket. */
  handle(data: Buffer, out: Command[]): void;
  /**
   * A request. `body` is the whole body, or `undefined` when it follows in
   * `data` calls (`gun.headers`).
   */
  request(
    stream: Stream,
    method: string,
    path: string,
    headers: Headers,
    body: Buffer | undefined,
    opts: RequestOptions,
    out: Command[],
  ): void;
  /**
   * The calls below name a stream by its ref; `caller` is the process that
   * made the call, which gets the `error` command when the ref is unknown
   * or the call makes no sense in the stream's state (Gun's `badstate`).
   */
  /** More of a streamed request body; `'fin'` ends it. */
  data(ref: Ref, caller: Pid, isFin: IsFin, data: Buffer, out: Command[]): void;
  /** Stops delivering a stream's messages (those already sent may still be queued). */
  cancel(ref: Ref, caller: Pid, out: Command[]): void;
  /** An upgrade to WebSocket. */
  wsUpgrade(stream: Stream, path: string, headers: Headers, opts: ResolvedWsOptions, out: Command[]): void;
  /** WebSocket frames, in order; nothing after a close. */
  wsSend(ref: Ref, caller: Pid, frames: readonly WireFrame[], out: Command[]): void;
  /** Adds `increment` to a stream's flow credit, resuming reading when it was paused. */
  updateFlow(ref: Ref, caller: Pid, increment: number, out: Command[]): void;
  /** The keepalive timer fired: keep the connection alive, or say it is dead. */
  keepalive(out: Command[]): void;
  /** Milliseconds between keepalive calls; Infinity: none. */
  keepaliveInterval(): number;
  /** How long a graceful close may take before the connection gives up on it, in ms. */
  closingTimeout(): number;
  /** An upgrade waits for its answer: `wsSend` calls wait in the mailbox meanwhile. */
  awaitingUpgrade(): boolean;
  /** The WebSocket a call without a ref is for (the classic dialect's), if any. */
  wsRef(): Ref | undefined;
  /** Gun's ping (HTTP/2): `ping_ack` to `caller` when the peer answers. Absent: not supported. */
  ping?(ref: Ref, caller: Pid, out: Command[]): void;
  /** A graceful close begins (`shutdown`, owner down): say goodbye, then close. */
  closing(reason: unknown, out: Command[]): void;
  /**
   * The connection is gone (for `reason`, as `gun_down` gives it): the
   * streams that were still running (Gun's killed streams). `out` gets the
   * last deliveries, such as the end of a body that ran to the close, and
   * each killed stream's error where the protocol tells one (HTTP: Gun's
   * `closed` or `['closed', reason]`).
   */
  down(reason: unknown, out: Command[]): Stream[];
  /** What the protocol knows of a stream, or undefined. */
  streamInfo(ref: Ref): { readonly stream: Stream; readonly state: 'running' | 'stopping' } | undefined;
  /** Is this stream the protocol's? */
  has(ref: Ref): boolean;
}
