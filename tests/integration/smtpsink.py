"""A local SMTP sink for tests: accepts every message on 127.0.0.1 and
keeps it (in memory, and in a directory when given one, a file per
message). Enough of RFC 5321 for libcurl: EHLO/HELO, MAIL, RCPT, DATA
with dot-unstuffing, RSET, NOOP, QUIT. (Debian's python3-aiosmtpd does
the same as a program; this one needs no package for the interpreter the
tests run under.)"""
import email
import email.policy
import os
import socketserver
import threading
import time


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        sink = self.server.sink
        self.reply("220 sink ESMTP")
        mail_from, rcpt = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == "HELO":
                self.reply("250 sink")
            elif verb == "MAIL":
                mail_from, rcpt = cmd[10:].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpt.append(cmd[8:].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = []
                while True:
                    d = self.rfile.readline()
                    if not d or d in (b".\r\n", b".\n"):
                        break
                    if d.startswith(b".."):
                        d = d[1:]
                    data.append(d)
                sink.add(mail_from, rcpt, b"".join(data))
                self.reply("250 OK queued")
            elif verb == "RSET":
                mail_from, rcpt = None, []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Sink:
    def __init__(self, directory=None):
        self.directory = directory
        self.messages = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.url = "smtp://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def add(self, mail_from, rcpt, raw):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.messages.append({"from": mail_from, "to": rcpt,
                                  "subject": str(msg["subject"]),
                                  "body": msg.get_content(), "raw": raw})
            n = len(self.messages)
        if self.directory:
            path = os.path.join(self.directory, "%04d.eml" % n)
            with open(path + ".tmp", "wb") as f:
                f.write(raw)
            os.rename(path + ".tmp", path)

    def wait(self, n=1, timeout=15):
        """The first n messages, once they have come."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages[:n])
            time.sleep(0.05)
        raise AssertionError("no e-mail at the SMTP sink after %ds" % timeout)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
