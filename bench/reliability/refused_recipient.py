"""One recipient refused by the mail server: everyone else is still emailed (issue 13, reliability suite).

    .venv/bin/python bench/reliability/refused_recipient.py            # scratch SQLite with the demo
    DATABASE_URL=postgres://.../<scratch db> .venv/bin/python bench/reliability/refused_recipient.py

Seeds the demo into a scratch database (SQLite by default), starts a tiny SMTP server on loopback
that answers 550 to the first reminder recipient (by sorted address) and accepts everyone else,
runs `manage.py send_reminders` through Django's SMTP backend against it, and prints who was
accepted, who was refused, and the command's exit status and output."""

import os
import re
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/reliability_mail.sqlite3")
ENV = {**os.environ, "DEBUG": "true", "EMAIL_HOST": "127.0.0.1", "EMAIL_USE_TLS": "false"}
ACCEPTED, REFUSED, REFUSE = [], [], set()


class SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 stub ESMTP")
        while True:
            line = self.rfile.readline().decode(errors="replace").strip()
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 stub")
            elif verb == "MAIL" or verb == "RSET" or verb == "NOOP":
                self.reply("250 OK")
            elif verb == "RCPT":
                address = line.split(":", 1)[1].strip().strip("<>").lower()
                if address in REFUSE:
                    REFUSED.append(address)
                    self.reply("550 5.1.1 Mailbox unavailable")
                else:
                    ACCEPTED.append(address)
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                while self.rfile.readline() not in (b".\r\n", b".\n", b""):
                    pass
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**ENV, **env}, capture_output=True, text=True
    )


def main():
    if os.environ["DATABASE_URL"].startswith("sqlite:////tmp/"):
        Path(os.environ["DATABASE_URL"][len("sqlite:///") :]).unlink(missing_ok=True)
    assert manage("migrate", "--noinput").returncode == 0
    seeded = manage("seed_demo")
    assert seeded.returncode == 0, seeded.stderr
    dry = manage("send_reminders", "--dry-run")
    names = re.findall(r"Would email (\S+):", dry.stdout)
    emails = manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model as g;"
        f"print('\\n'.join(g().objects.filter(username__in={names!r}).values_list('email', flat=True)))",
    )
    addresses = sorted(a.strip().lower() for a in emails.stdout.split() if "@" in a)
    print(f"dry run names {len(addresses)} recipient(s)")
    if not addresses:
        print(dry.stdout)
        return
    REFUSE.add(addresses[0])
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    run = manage(
        "send_reminders",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_PORT=str(server.server_address[1]),
    )
    server.shutdown()
    print(f"refused: {REFUSED}")
    print(f"accepted ({len(set(ACCEPTED))}): {sorted(set(ACCEPTED))}")
    missing = [a for a in addresses[1:] if a not in ACCEPTED]
    print(f"send_reminders exit {run.returncode}; recipients not emailed besides the refused one: {missing or 'none'}")
    print(run.stdout[-2000:], run.stderr[-2000:])


if __name__ == "__main__":
    main()
