#!/usr/bin/env python3
"""A fault-injecting TCP proxy for sync integration tests.

Sits between outpost-syncd and the drop box (nginx, TLS):

    fault_proxy.py --upstream 127.0.0.1:8443 --modes FILE [--port 0]
                   [--cert server.crt --key server.key] [--stats FILE]

It prints its port on the first line of stdout, then serves until killed.
FILE holds one mode per line; connection n (from 0) uses line n, and the
last line applies to every connection after it. The file is re-read for
every connection, so a test changes the fault by rewriting it.

Modes:
  pass          forward both ways untouched
  cut N         forward, then close both sides once N bytes came from the client
  stall [N]     forward N bytes from the client (default 0), then read and
                drop everything, never answering
  throttle R    forward both ways at R bytes/second
  status CODE   answer every request with HTTP CODE (500, 503, ...)
  cutdown N     forward, then close both sides once N bytes went to the client
  norange       serve GET/HEAD /channels/<path> from --serve-root DIR (the
                channels folder) as 200 with the whole file, ignoring Range
  overlong K    the same files, answering Range with a correct-looking 206
                but K bytes beyond the range (Content-Length counts them)

TLS is end to end between the kiosk and nginx, so a TCP proxy cannot change
HTTP answers. For `status`, `norange` and `overlong` the proxy therefore terminates TLS itself with the
drop box's own test certificate (--cert/--key) and answers CODE without
forwarding: to the kiosk it is the real server failing. Every other mode is
plain TCP and never sees plaintext.

--stats FILE: after each connection closes, the totals so far are written as
"connections C up U down D" (bytes from client, bytes to client).
"""
import argparse
import asyncio
import ssl
import sys

totals = {"connections": 0, "up": 0, "down": 0}


def mode_for(path, index):
    try:
        with open(path) as f:
            lines = [l.split() for l in f if l.strip() and not l.startswith("#")]
    except OSError:
        lines = []
    if not lines:
        return ["pass"]
    return lines[min(index, len(lines) - 1)]


def write_stats(path):
    if path:
        with open(path + ".tmp", "w") as f:
            f.write("connections %d up %d down %d\n" % (totals["connections"], totals["up"], totals["down"]))
        import os
        os.replace(path + ".tmp", path)


async def pump(reader, writer, direction, rate=0, limit=None, on_limit=None, hold=None):
    """Copies reader to writer. After `limit` bytes calls on_limit and stops.
    While hold["stalled"] is set nothing more is written and the writer is
    left open (the peer sees a stalled link, not a closed one)."""
    hold = hold if hold is not None else {}
    sent = 0
    try:
        while True:
            chunk = await reader.read(1024 if rate else 65536)
            if not chunk or hold.get("stalled"):
                break
            if limit is not None and sent + len(chunk) >= limit:
                chunk = chunk[: max(0, limit - sent)]
                if chunk:
                    writer.write(chunk)
                    await writer.drain()
                    totals[direction] += len(chunk)
                await on_limit()
                return
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
            totals[direction] += len(chunk)
            if rate:
                await asyncio.sleep(len(chunk) / rate)
    except (ConnectionError, asyncio.CancelledError, OSError):
        pass
    finally:
        if not hold.get("stalled"):
            try:
                writer.close()
            except Exception:
                pass


def abort(*writers):
    for w in writers:
        try:
            w.transport.abort()
        except Exception:
            pass


async def answer_status(reader, writer, code):
    """Reads one request at a time (headers + Content-Length body) and answers code."""
    reasons = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 429: "Too Many Requests"}
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            totals["up"] += len(head)
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                body = await reader.readexactly(length)
                totals["up"] += len(body)
            reply = ("HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n" % (code, reasons.get(code, "Error"))).encode()
            writer.write(reply)
            totals["down"] += len(reply)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def serve_files(reader, writer, root, extra):
    """Answers GET/HEAD of /channels/<path> from root, one request at a time.
    extra None: 200 and the whole file, Range ignored; extra K: Range gets a
    206 whose Content-Range is right but whose body runs K bytes past it."""
    import os
    import re
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            totals["up"] += len(head)
            lines = head.decode("latin-1").split("\r\n")
            method, target = lines[0].split(" ")[:2]
            rng = None
            for line in lines[1:]:
                if line.lower().startswith("range:"):
                    m = re.match(r"\s*bytes=(\d+)-(\d+)\s*$", line.split(":", 1)[1])
                    if m:
                        rng = (int(m.group(1)), int(m.group(2)))
            rel = target.split("?")[0]
            data = None
            if rel.startswith("/channels/") and ".." not in rel:
                try:
                    with open(os.path.join(root, rel[len("/channels/"):]), "rb") as f:
                        data = f.read()
                except OSError:
                    data = None
            if data is None:
                reply, body = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", b""
            elif extra is None or rng is None:
                body = data
                reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
            else:
                first, last = rng[0], min(rng[1], len(data) - 1)
                body = data[first : last + 1 + extra]
                reply = b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %d-%d/%d\r\nContent-Length: %d\r\n\r\n" % (
                    first, last, len(data), len(body))
            if method == "HEAD":
                body = b""
            writer.write(reply + body)
            totals["down"] += len(reply) + len(body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError, IndexError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def handle(args, client_reader, client_writer, index, tls):
    mode = mode_for(args.modes, index)
    name = mode[0]
    try:
        if name == "stall" and len(mode) == 1:
            while await client_reader.read(65536):
                pass
            return
        if name == "status":
            await answer_status(client_reader, client_writer, int(mode[1]))
            return
        if name in ("norange", "overlong"):
            await serve_files(client_reader, client_writer, args.serve_root,
                              None if name == "norange" else int(mode[1]))
            return
        host, port = args.upstream.rsplit(":", 1)
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            abort(client_writer)
            return
        rate = int(mode[1]) if name == "throttle" else 0
        limit = int(mode[1]) if name in ("cut", "stall") else None
        hold = {}
        down_limit = int(mode[1]) if name == "cutdown" else None

        async def on_limit():
            if name in ("cut", "cutdown"):
                abort(client_writer, up_writer)
                return
            # stall: keep the client connected, forward nothing more either way.
            hold["stalled"] = True
            abort(up_writer)
            try:
                while await client_reader.read(65536):
                    pass
            except (ConnectionError, OSError):
                pass
            client_writer.close()

        await asyncio.gather(
            pump(client_reader, up_writer, "up", rate, limit, on_limit, hold),
            pump(up_reader, client_writer, "down", rate, down_limit, on_limit if down_limit is not None else None, hold=hold),
        )
    finally:
        totals["connections"] += 1
        write_stats(args.stats)


async def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--upstream", required=True)
    p.add_argument("--modes", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--stats")
    p.add_argument("--serve-root", help="the channels folder, for norange and overlong")
    args = p.parse_args()

    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)

    counter = {"n": 0}

    async def on_connect(reader, writer):
        index = counter["n"]
        counter["n"] += 1
        mode = mode_for(args.modes, index)
        if mode[0] in ("status", "norange", "overlong"):
            if tls is None:
                writer.close()
                return
            try:
                await writer.start_tls(tls)
            except (ssl.SSLError, ConnectionError, OSError):
                writer.close()
                return
        await handle(args, reader, writer, index, tls)

    server = await asyncio.start_server(on_connect, "127.0.0.1", args.port)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
