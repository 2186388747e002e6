#!/usr/bin/env python3
"""Sends many PUTs at the same moment, to provoke a rate limit without racing.

    burst.py --url https://127.0.0.1:PORT --ca ca.crt --cert k.crt --key k.key
             --count N --path '/inbox/k/k-{i:010d}.opb'
             [--bystander CERT KEY PATH]

Opens N TLS connections first (the handshakes are the slow part), then
sends one small PUT on each at once, so the server sees N requests within
a few milliseconds however slow the machine is. With --bystander, as soon
as one of them has been answered 429 (so the limit is reached right then),
it sends one PUT with another certificate on a connection opened before.
Prints one status code per line: "burst CODE" for each request in order,
then "bystander CODE".
"""
import argparse
import socket
import ssl
import threading
import urllib.parse


def connect(url, ca, cert, key):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert, key)
    sock = socket.create_connection((url.hostname, url.port), timeout=60)
    return ctx.wrap_socket(sock, server_hostname=url.hostname)


def request(conn, path, body=b"x"):
    head = (f"PUT {path} HTTP/1.1\r\nHost: localhost\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    conn.sendall(head.encode() + body)


def status(conn):
    """The response's status code; "000" when the connection failed."""
    try:
        line = conn.makefile("rb").readline().decode("latin-1")
    except OSError:
        line = ""
    finally:
        conn.close()
    parts = line.split()
    return parts[1] if len(parts) >= 2 else "000"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--path", required=True)
    ap.add_argument("--bystander", nargs=3, metavar=("CERT", "KEY", "PATH"))
    a = ap.parse_args()
    url = urllib.parse.urlsplit(a.url)

    conns = [connect(url, a.ca, a.cert, a.key) for _ in range(a.count)]
    go = threading.Barrier(a.count + 1)
    codes = [None] * a.count
    limited = threading.Event()

    def one(i):
        go.wait()
        try:
            request(conns[i], a.path.format(i=i + 1))
        except OSError:
            pass  # status() reports it as 000
        codes[i] = status(conns[i])
        if codes[i] == "429":
            limited.set()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(a.count)]
    for t in threads:
        t.start()
    by = None
    if a.bystander:
        by = connect(url, a.ca, a.bystander[0], a.bystander[1])
    go.wait()
    if by:
        while not limited.is_set() and any(t.is_alive() for t in threads):
            limited.wait(0.01)
        request(by, a.bystander[2])
        by_code = status(by)
    for t in threads:
        t.join()
    for c in codes:
        print("burst", c)
    if by:
        print("bystander", by_code)


if __name__ == "__main__":
    main()
