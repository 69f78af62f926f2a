"""The browser test's server side, on harness.py: a fresh database with the
demo data (Tama ward, crews, calls, users with password patrol-demo), an
admin with a password, a crew token, and patrold without map tiles.

Prints one JSON line ({"port", "crew_token", "dispatcher_token",
"db_url"}) when ready, then reads commands from stdin: "restart" stops patrold (checking
its exit status) and starts it again on the same port, answering
"restarted"; end of input stops it. Exits non-zero if any patrold did not
exit cleanly (the sanitizers' verdict)."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness as h  # noqa: E402


def main():
    url = h.demo_database("browser")
    h.user_add(url, "admin1", "admin", "--display-name", "管理者（テスト）",
               password="admin-password-1")
    crew = h.user_token(url, "crew1", "crew")
    dispatcher = h.ctl_ok(url, "token", "create", "--user", "dispatcher")
    flags = ["--tile-url", "", "--escalation-check-ms", "3600000"]
    d = h.Patrold(url, *flags)
    port = d.port
    print(json.dumps({"port": port, "crew_token": crew,
                      "dispatcher_token": dispatcher, "db_url": url}),
          flush=True)
    failed = []
    for line in sys.stdin:
        if line.strip() == "restart":
            rc = d.stop()
            if rc != 0:
                failed.append((rc, d.text()))
            d = h.Patrold(url, *flags, "--port", str(port))
            print("restarted", flush=True)
    rc = d.stop()
    if rc != 0:
        failed.append((rc, d.text()))
    for rc, log in failed:
        print("patrold exited %d:\n%s" % (rc, log), file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
