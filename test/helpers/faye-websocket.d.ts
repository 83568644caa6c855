/** The part of faye-websocket's server API the interop peer uses (the package ships no types). */
declare module 'faye-websocket' {
  import type { IncomingMessage } from 'node:http';
  import type { Duplex } from 'node:stream';

  interface MessageEvent {
    readonly data: string | Buffer;
  }
  interface CloseEvent {
    readonly code: number;
    readonly reason: string;
  }

  class WebSocket {
    constructor(request: IncomingMessage, socket: Duplex, body: Buffer, protocols?: string[], options?: object);
    static isWebSocket(request: IncomingMessage): boolean;
    readonly protocol: string;
    send(data: string | Buffer): boolean;
    close(code?: number, reason?: string): void;
    on(event: 'message', listener: (event: MessageEvent) => void): this;
    on(event: 'close', listener: (event: CloseEvent) => void): this;
    on(event: 'open' | 'error', listener: (event: unknown) => void): this;
  }
  export = WebSocket;
}
