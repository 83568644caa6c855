import net from 'node:net';

/**
 * A raw TCP origin, as gun_SUITE's `gen_tcp:listen(0)`: counts the
 * connections it accepts (with when), hands each to `onSocket`.
 */
export interface RawOrigin {
  readonly port: number;
  readonly sockets: net.Socket[];
  readonly acceptedAt: number[];
  close(): Promise<void>;
}

export async function startRawOrigin(onSocket: (s: net.Socket) => void = () => undefined): Promise<RawOrigin> {
  const sockets: net.Socket[] = [];
  const acceptedAt: number[] = [];
  const server = net.createServer((s) => {
    acceptedAt.push(Date.now());
    sockets.push(s);
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    acceptedAt,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
