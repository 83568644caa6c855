"""An echo server from Debian's python3-websockets, for the Gun interop tests.

Listens on 127.0.0.1 on a free port, prints "PORT <n>", echoes every message,
and answers pings and closes as websockets does. Stopped by SIGTERM.
"""
import asyncio
import signal

import websockets


async def echo(ws, path=None):
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass


async def main():
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with websockets.serve(echo, "127.0.0.1", 0, subprotocols=["mychat"]) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        await stop


asyncio.run(main())
