import * as wsModule from 'ws';

/**
 * The parts of `ws` the protocol modules drive directly: its frame
 * `Receiver` and `Sender`, its `PerMessageDeflate` extension and its
 * `sec-websocket-extensions` parser. ws exports them (its ESM wrapper does)
 * but neither documents them nor declares them in @types/ws, so the little
 * we use is typed here, once, and checked when this module loads: a ws that
 * no longer has them fails at import with a clear message, not later inside
 * a connection. `protocols/ws.ts`, `protocols/http1.ts` and their tests use
 * this module; nothing else touches ws's internals.
 */

export type Callback = (error?: Error | null) => void;

/** One extension's parameters, as `extension.parse` gives them: each name with its values. */
export type ExtensionParams = Record<string, Array<string | true>>;

/** The extensions a Receiver or Sender is given: permessage-deflate or nothing. */
export interface Extensions {
  readonly 'permessage-deflate'?: PerMessageDeflate;
}

export interface PerMessageDeflate {
  /** The client's offer, as `extension.format` writes it. */
  offer(): Record<string, unknown>;
  /** Checks the other side's answer (or offer, server side) and takes it; throws when it does not fit. */
  accept(params: ExtensionParams[]): Record<string, unknown>;
  cleanup(): void;
}

export interface Receiver {
  /** The Writable way in, buffering while an inflate runs. */
  write(chunk: Buffer): boolean;
  /**
   * The Writable hook, called directly by protocols/ws.ts: the callback
   * comes at once, or when an inflate finishes; with an error when the
   * frames break the protocol.
   */
  _write(chunk: Buffer, encoding: string, callback: Callback): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): unknown;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error & { code?: string }) => void): unknown;
}

export interface SendOptions {
  readonly binary: boolean;
  readonly compress: boolean;
  readonly fin: boolean;
  readonly mask: boolean;
}

export interface Sender {
  send(data: Buffer | string, options: SendOptions, cb?: Callback): void;
  ping(data: Buffer, mask: boolean, cb?: Callback): void;
  pong(data: Buffer, mask: boolean, cb?: Callback): void;
  close(code: number | undefined, data: Buffer | string | undefined, mask: boolean, cb?: Callback): void;
}

/** What a Sender writes to: a socket, as far as it is concerned. */
export interface SenderSocket {
  /** Read by the Sender when a deflate finishes: true drops the frame. */
  destroyed: boolean;
  cork(): void;
  uncork(): void;
  write(chunk: Buffer | string, cb?: Callback): boolean;
}

export interface WsLibrary {
  readonly Receiver: new (options: {
    readonly isServer: boolean;
    readonly extensions?: Extensions;
    readonly maxPayload?: number;
  }) => Receiver;
  readonly Sender: new (socket: SenderSocket, extensions?: Extensions) => Sender;
  readonly PerMessageDeflate: new (options?: {
    readonly isServer?: boolean;
    readonly maxPayload?: number;
  }) => PerMessageDeflate;
  readonly extension: {
    parse(header: string): Record<string, ExtensionParams[]>;
    format(extensions: Record<string, unknown>): string;
  };
}

export const wsLibrary = wsModule as unknown as WsLibrary;
if (
  typeof wsLibrary.Receiver !== 'function' ||
  typeof wsLibrary.Sender !== 'function' ||
  typeof wsLibrary.PerMessageDeflate !== 'function' ||
  typeof wsLibrary.extension?.parse !== 'function'
) {
  throw new Error('ws no longer exports Receiver, Sender, PerMessageDeflate and extension: beamish needs ws 8');
}
