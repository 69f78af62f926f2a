"""The workflow browser test's server side (issue 16), on harness.py: a
fresh database with the demo data, an SMTP sink that writes every message
it gets to a directory, and patrold sending hand-over e-mail to it.

Prints one JSON line ({"port", "db_url", "mail_dir", "dispatcher_token",
"admin_token"}) when ready; end of input stops everything. Exits non-zero
if patrold did not exit cleanly (the sanitizers' verdict)."""
import json
import os
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "integration"))
import harness as h  # noqa: E402
import smtpsink  # noqa: E402


def main():
    url = h.demo_database("workflow")
    h.user_add(url, "admin1", "admin", "--display-name", "管理者（テスト）",
               password="admin-password-1")
    tokens = {user: h.ctl_ok(url, "token", "create", "--user", user)
              for user in ["dispatcher", "admin1"]}
    mail_dir = tempfile.mkdtemp(prefix="mail-",
                                dir=os.environ.get("TMPDIR", "/tmp"))
    sink = smtpsink.Sink(mail_dir)
    d = h.Patrold(url, "--tile-url", "", "--escalation-check-ms", "500",
                  "--smtp-url", sink.url, "--smtp-from",
                  "patrol@city.example.jp")
    print(json.dumps({"port": d.port, "db_url": url, "mail_dir": mail_dir,
                      "dispatcher_token": tokens["dispatcher"],
                      "admin_token": tokens["admin1"]}), flush=True)
    for _ in sys.stdin:
        pass
    rc = d.stop()
    sink.close()
    if rc != 0:
        print("patrold exited %d:\n%s" % (rc, d.text()), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
