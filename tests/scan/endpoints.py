#!/usr/bin/python3
"""endpoints.py - the test's own servers for tests/e2e/scan.sh.

Listens on 127.0.0.1 only, one port per endpoint, and behaves like the
endpoint's kind:

  owa-header BUILD  Outlook on the web: X-OWA-Version header + login page
  owa-path BUILD    only the /owa/auth/BUILD/ paths of the login page
  owa-hidden        Exchange headers and login page, no build anywhere
  web NAME          another web server (nginx, IIS, Apache default pages)
  stall-tls         accepts TCP and never starts TLS
  stall-http        completes TLS and never answers the request
  stall-smtp        accepts TCP and never sends a greeting
  smtp-exchange     an SMTP greeting and EHLO like Exchange's
  closed            a port bound but not listening: refused

Usage: endpoints.py SPEC CERT KEY PORTS HITS
SPEC has "[@ADDR:PORT] KIND [ARG] EXPECTED" lines (without an address, a
free port on 127.0.0.1); PORTS gets "PORT KIND ARG EXPECTED" (ADDR:PORT
for fixed ones, "ADDR:PORT cannot-bind REASON EXPECTED" on failure)
lines once everything listens; HITS gets one line "PORT" per accepted
connection, flushed at once, so the test can tell whether a port was
probed twice even if the scanner was killed.
"""
import asyncio
import os
import socket
import ssl
import sys

LOGIN_PAGE = """<!DOCTYPE html><html><head><title>Outlook</title>
<link rel="shortcut icon" href="/owa/auth/{build}/themes/resources/favicon.ico">
<link rel="stylesheet" href="/owa/auth/{build}/themes/resources/owafont_vertical.css">
<script src="/owa/auth/{build}/scripts/premium/flogon.js"></script>
</head><body><form action="/owa/auth.owa" method="POST">
<input name="destination" value="https://mail.example/owa/"></form>
</body></html>"""

HIDDEN_PAGE = """<!DOCTYPE html><html><head><title>Outlook</title>
<link rel="stylesheet" href="/owa/auth/themes/logon.css"></head>
<body><form action="/owa/auth.owa" method="POST"></form></body></html>"""

WEB_PAGES = {
    "nginx": ("nginx/1.22.1", "<html><head><title>Welcome to nginx!"
              "</title></head><body><h1>Welcome to nginx!</h1></body></html>"),
    "iis": ("Microsoft-IIS/10.0", "<html><head><title>IIS Windows Server"
            "</title></head><body><img src=\"iisstart.png\"></body></html>"),
    "apache": ("Apache/2.4.57 (Debian)", "<html><body><h1>It works!</h1>"
               "</body></html>"),
}


class Hits:
    def __init__(self, path):
        self.fp = open(path, "a", buffering=1)

    def hit(self, port):
        self.fp.write("%s\n" % port)
        self.fp.flush()


def response(status, headers, body):
    head = "HTTP/1.1 %s\r\n" % status
    for k, v in headers:
        head += "%s: %s\r\n" % (k, v)
    head += "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    return head.encode() + body.encode()


def http_answer(kind, arg):
    if kind == "owa-header":
        three = ".".join(arg.split(".")[:3])
        return response("200 OK", [
            ("Server", "Microsoft-IIS/10.0"), ("X-OWA-Version", arg),
            ("X-FEServer", "EXCH01"), ("X-Powered-By", "ASP.NET"),
            ("Content-Type", "text/html; charset=utf-8")],
            LOGIN_PAGE.format(build=three))
    if kind == "owa-path":
        return response("200 OK", [
            ("Server", "Microsoft-IIS/10.0"),
            ("Content-Type", "text/html; charset=utf-8")],
            LOGIN_PAGE.format(build=arg))
    if kind == "owa-hidden":
        return response("200 OK", [
            ("X-FEServer", "EXCH02"),
            ("Set-Cookie", "X-OWA-CANARY=abc; path=/; secure"),
            ("Content-Type", "text/html")], HIDDEN_PAGE)
    server, page = WEB_PAGES.get(arg, WEB_PAGES["nginx"])
    return response("404 Not Found", [("Server", server),
                                      ("Content-Type", "text/html")], page)


async def read_request(reader):
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        return True
    except (asyncio.TimeoutError, asyncio.IncompleteReadError,
            asyncio.LimitOverrunError, ConnectionError, ssl.SSLError):
        return False


async def smtp_session(reader, writer):
    writer.write(b"220 mail.example.test Microsoft ESMTP MAIL Service "
                 b"ready at Mon, 1 Sep 2025 10:00:00 +0200\r\n")
    while True:
        try:
            line = await asyncio.wait_for(reader.readline(), 10)
        except (asyncio.TimeoutError, ConnectionError):
            break
        if not line:
            break
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            writer.write(b"250-mail.example.test Hello\r\n250-SIZE 37748736"
                         b"\r\n250-PIPELINING\r\n250-X-ANONYMOUSTLS\r\n"
                         b"250-XEXCH50\r\n250 8BITMIME\r\n")
        elif verb == b"QUIT":
            writer.write(b"221 2.0.0 Service closing transmission channel"
                         b"\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"500 5.3.3 Unrecognized command\r\n")
        await writer.drain()


def make_handler(where, kind, arg, hits):
    async def handle(reader, writer):
        hits.hit(where["port"])
        try:
            if kind.startswith("stall"):
                await asyncio.sleep(3600)
            elif kind == "smtp-exchange":
                await smtp_session(reader, writer)
            elif await read_request(reader):
                writer.write(http_answer(kind, arg))
                await writer.drain()
        except (ConnectionError, ssl.SSLError, asyncio.CancelledError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass
    return handle


def closed_port(keep):
    """A port bound but not listening: connections are refused, and no
    other server can take it while the test runs."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    keep.append(s)
    return s.getsockname()[1]


async def main():
    spec, cert, key, ports_path, hits_path = sys.argv[1:6]
    hits = Hits(hits_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    servers, lines, reserved = [], [], []
    with open(spec) as f:
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            # "@ADDR:PORT KIND ..." binds a fixed address and port (the
            # test's "host" targets need 25 and 443); else 127.0.0.1:0.
            addr, fixed = "127.0.0.1", 0
            if words[0].startswith("@"):
                addr, fixed = words[0][1:].rsplit(":", 1)
                fixed = int(fixed)
                words = words[1:]
            kind, expected = words[0], words[-1]
            arg = words[1] if len(words) == 3 else "-"
            if kind == "closed":
                lines.append("%d %s %s %s" % (closed_port(reserved), kind, arg,
                                              expected))
                continue
            tls = None if kind in ("stall-tls", "stall-smtp",
                                   "smtp-exchange") else ctx
            where = {}
            try:
                srv = await asyncio.start_server(
                    make_handler(where, kind, arg, hits), addr, fixed,
                    ssl=tls, ssl_handshake_timeout=30 if tls else None,
                    backlog=64)
            except OSError as e:
                # Reported by the test, which then leaves those out.
                lines.append("%s:%d cannot-bind %s %s" % (
                    addr, fixed, str(e.strerror).replace(" ", "_"),
                    expected))
                continue
            port = srv.sockets[0].getsockname()[1]
            where["port"] = "%s:%d" % (addr, port) if fixed else str(port)
            servers.append(srv)
            lines.append("%s %s %s %s" % (where["port"], kind, arg,
                                          expected))
    with open(ports_path + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(ports_path + ".tmp", ports_path)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
