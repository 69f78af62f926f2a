"""Hand-overs and call-backs (issue 16) against the real patrold, an SMTP
sink and PostgreSQL: the e-mail arrives with a receipt link; the request
stays open (handing_over) until the link is used once; expired, reused
and forged links are refused; an unconfirmed hand-over returns to the
queue; call-back results are recorded and no_answer proposes the next
attempt."""
import base64
import datetime
import hashlib
import hmac
import os
import re
import struct
import time
import unittest
import urllib.parse

import harness as h
import smtpsink

RIVER = "河川事務所（デモ）"
RIVER_MAIL = "kasen@example.jp"


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Handover(h.TokenCalls, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database(
            "handover",
            h.office(skills="road,river", name_ja="多摩"),
            ("directory", "add", RIVER, "--email", RIVER_MAIL,
             "--handles", "河川の護岸・水路", "--phone",
             "044-000-0001", "--hours", "平日 8:30-17:15", "--demo"),
            ("directory", "add", "道路管理者", "--email",
             "road@example.jp"),
        )
        r = h.patrolctl(cls.url, "directory", "list")
        assert r.returncode == 0, r.stderr
        cls.river_id = int(re.search(r"^(\d+)\t" + RIVER, r.stdout,
                                     re.M).group(1))
        cls.token = h.user_token(cls.url, "disp", "dispatcher")
        cls.admin = h.user_token(cls.url, "adm", "admin")
        cls.viewer = h.user_token(cls.url, "view", "viewer")
        cls.sink = smtpsink.Sink()
        cls.d = h.Patrold(cls.url, "--smtp-url", cls.sink.url,
                          "--smtp-from", "patrol@city.example.jp",
                          "--escalation-check-ms", "200",
                          "--callback-outcome-minutes", "60")

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        cls.sink.close()
        assert rc == 0, "patrold exited %d:\n%s" % (rc, cls.d.text())

    def create(self, d=None, **over):
        f = {"category": "river_defect", "lat": 35.6197, "lon": 139.5503,
             "address": "二ヶ領用水 宿河原堰付近", "description": "柵が壊れている",
             "caller": {"name": "多摩 花子", "phone": "044-000-2222"}}
        f.update(over)
        st, body = self.api("/api/v1/requests", f, d=d)
        self.assertEqual(st, 201, body)
        return body["id"]

    def hand_over(self, rid, d=None, n_mail=None):
        st, body = self.api("/api/v1/requests/%d/handover" % rid,
                            {"recipient_id": self.river_id,
                             "note": "護岸は県の管理。現地写真あり"}, d=d)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["state"], "handing_over")
        return body

    def mail_for(self, rid):
        deadline = time.time() + 15
        while time.time() < deadline:
            for m in self.sink.messages:
                if "#%d " % rid in m["subject"]:
                    return m
            time.sleep(0.05)
        self.fail("no e-mail for #%d" % rid)

    def link(self, mail):
        m = re.search(r"http://127\.0\.0\.1:\d+(/handover/[A-Za-z0-9_-]+"
                      r"\.[A-Za-z0-9_-]+)", mail["body"])
        self.assertIsNotNone(m, mail["body"])
        return m.group(1)

    def confirm(self, path, name="河川事務所 佐藤", d=None):
        d = d or self.d
        st, _, out = d.request(
            path, method="POST",
            body=urllib.parse.urlencode({"received_by": name}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        return st, out.decode()

    def detail(self, rid, d=None):
        st, body = self.api("/api/v1/requests/%d" % rid, d=d)
        self.assertEqual(st, 200, body)
        return body

    def test_directory(self):
        st, body = self.api("/api/v1/directory")
        self.assertEqual(st, 200, body)
        river = [e for e in body if e["name"] == RIVER][0]
        self.assertEqual(river["email"], RIVER_MAIL)
        self.assertTrue(river["demo"])
        self.assertEqual(self.api("/api/v1/directory",
                                  token=self.viewer)[0], 403)
        # Only admins change it; a bad address names the field.
        st, body = self.api("/api/v1/directory", {"name": "x", "email":
                                                  "a@b.jp"})
        self.assertEqual(st, 403, body)
        st, body = self.api("/api/v1/directory", {"name": "県 土木事務所",
                                                  "email": "no address"},
                            token=self.admin)
        self.assertEqual((st, body["error"]["field"]), (422, "email"), body)
        st, body = self.api("/api/v1/directory", {"name": "県 土木事務所",
                                                  "email": "doboku@example.jp",
                                                  "phone": "044-111-1111"},
                            token=self.admin)
        self.assertEqual(st, 200, body)
        st, again = self.api("/api/v1/directory", {"name": "県 土木事務所",
                                                   "email": "x@example.jp"},
                             token=self.admin)
        self.assertEqual((st, again["error"]["code"]), (409, "duplicate"))
        st, _ = self.api("/api/v1/directory/%d" % body["id"],
                         method="DELETE", token=self.admin)
        self.assertEqual(st, 200)
        names = [e["name"] for e in self.api("/api/v1/directory")[1]]
        self.assertNotIn("県 土木事務所", names)

    def test_mail_arrives_and_receipt_closes_once(self):
        rid = self.create()
        self.hand_over(rid)
        # Open, not done, until the recipient confirms.
        d = self.detail(rid)
        self.assertEqual(d["state"], "handing_over")
        self.assertIsNone(d["outcome"])
        st, queue = self.api("/api/v1/requests?state=open")
        self.assertIn(rid, [r["id"] for r in queue])
        mail = self.mail_for(rid)
        self.assertEqual(mail["to"], ["<%s>" % RIVER_MAIL])
        self.assertIn("引継ぎ依頼", mail["subject"])
        for text in ["二ヶ領用水 宿河原堰付近", "柵が壊れている",
                     "護岸は県の管理", "openstreetmap.org"]:
            self.assertIn(text, mail["body"])
        # No caller's name or phone leaves the office.
        self.assertNotIn("多摩 花子", mail["body"])
        self.assertNotIn("044-000-2222", mail["body"])
        path = self.link(mail)
        st, _, page = self.d.request(path)
        self.assertEqual(st, 200)
        self.assertIn("受領を確認する", page.decode())
        self.assertIn("柵が壊れている", page.decode())
        # Looking at the page changed nothing.
        self.assertEqual(self.detail(rid)["state"], "handing_over")
        st, page = self.confirm(path)
        self.assertEqual(st, 200, page)
        self.assertIn("受領を記録しました", page)
        d = self.detail(rid)
        self.assertEqual(d["state"], "done")
        self.assertEqual(d["outcome"], "handed_over")
        self.assertEqual(d["handovers"][-1]["received_by"], "河川事務所 佐藤")
        self.assertTrue(d["handovers"][-1]["received_at"])
        kinds = [e["kind"] for e in d["events"]]
        self.assertIn("handover_mailed", kinds)
        self.assertEqual(kinds[-1], "handover_received")
        # Reused: refused, and nothing changes.
        st, page = self.confirm(path, "別の人")
        self.assertEqual(st, 409, page)
        self.assertIn("既に受領済み", page)
        self.assertEqual(self.detail(rid)["handovers"][-1]["received_by"],
                         "河川事務所 佐藤")
        # The caller's call-back says whom it went to.
        st, cbs = self.api("/api/v1/callbacks")
        mine = [c for c in cbs if c["request_id"] == rid][0]
        self.assertEqual(mine["handed_to"]["name"], RIVER)
        self.assertEqual(mine["handed_to"]["received_by"], "河川事務所 佐藤")
        # Due within the configured hour of closing, not overdue at once.
        self.assertFalse(mine["overdue"])
        self.assertTrue(mine["due"])

    def test_forged_and_malformed_links_are_refused(self):
        rid = self.create()
        self.hand_over(rid)
        path = self.link(self.mail_for(rid))
        payload, mac = path[len("/handover/"):].split(".")
        bad = bytearray(base64.urlsafe_b64decode(mac + "="))
        bad[0] ^= 1
        forged = "/handover/%s.%s" % (payload, b64(bytes(bad)))
        for p, status in [(forged, 403), ("/handover/nonsense", 404),
                          (path[:-1], 404)]:
            st, _, page = self.d.request(p)
            self.assertEqual(st, status, (p, page))
            st, page = self.confirm(p)
            self.assertEqual(st, status, (p, page))
        # Someone else's payload with our MAC is forged too.
        other = b64(os.urandom(16) + struct.pack(">Q", int(time.time()) +
                                                 3600))
        st, page = self.confirm("/handover/%s.%s" % (other, mac))
        self.assertEqual(st, 403, page)
        self.assertEqual(self.detail(rid)["state"], "handing_over")

    def test_expired_link_is_refused(self):
        rid = self.create()
        self.hand_over(rid)
        self.mail_for(rid)
        # Signed with the server's own key, but expired a minute ago.
        key = bytes.fromhex(h.psql(
            self.url, "SELECT encode(secret, 'hex') FROM server_secrets"
            " WHERE name = 'handover_receipt'").strip())
        payload = os.urandom(16) + struct.pack(">Q", int(time.time()) - 60)
        mac = hmac.new(key, payload, hashlib.sha512).digest()[:32]
        path = "/handover/%s.%s" % (b64(payload), b64(mac))
        st, page = self.confirm(path)
        self.assertEqual(st, 410, page)
        self.assertIn("期限切れ", page)
        # The same, unexpired, is a well-signed link nobody was sent.
        payload = os.urandom(16) + struct.pack(">Q", int(time.time()) + 600)
        mac = hmac.new(key, payload, hashlib.sha512).digest()[:32]
        st, page = self.confirm("/handover/%s.%s" % (b64(payload), b64(mac)))
        self.assertEqual(st, 404, page)
        self.assertEqual(self.detail(rid)["state"], "handing_over")

    def test_handover_input_errors(self):
        rid = self.create()
        st, body = self.api("/api/v1/requests/%d/handover" % rid, {})
        self.assertEqual((st, body["error"]["field"]), (422, "recipient_id"))
        st, body = self.api("/api/v1/requests/%d/handover" % rid,
                            {"recipient_id": 999999})
        self.assertEqual((st, body["error"]["code"]),
                         (422, "unknown_recipient"))
        st, body = self.api("/api/v1/requests/%d/handover" % rid,
                            {"recipient_id": self.river_id, "to": "x"})
        self.assertEqual(st, 400, body)
        st, body = self.api("/api/v1/requests/%d/handover" % rid,
                            {"recipient_id": self.river_id},
                            token=self.viewer)
        self.assertEqual(st, 403, body)
        self.hand_over(rid)
        st, body = self.api("/api/v1/requests/%d/handover" % rid,
                            {"recipient_id": self.river_id})
        self.assertEqual((st, body["error"]["code"]),
                         (409, "invalid_transition"))

    def test_unconfirmed_handover_returns_to_queue(self):
        d = h.Patrold(self.url, "--smtp-url", self.sink.url,
                      "--escalation-check-ms", "200",
                      "--handover-return-s", "1")
        try:
            rid = self.create(d=d)
            self.hand_over(rid, d=d)
            path = self.link(self.mail_for(rid))
            deadline = time.time() + 15
            while time.time() < deadline:
                det = self.detail(rid, d=d)
                if det["state"] == "new":
                    break
                time.sleep(0.1)
            self.assertEqual(det["state"], "new")
            self.assertTrue(det["escalated_at"])
            self.assertEqual(det["events"][-1]["kind"], "handover_returned")
            self.assertTrue(det["handovers"][-1]["returned_at"])
            st, page = self.confirm(path, d=d)
            self.assertEqual(st, 410, page)
            self.assertEqual(self.detail(rid, d=d)["state"], "new")
        finally:
            rc = d.stop()
            self.assertEqual(rc, 0, d.text())

    def test_callback_results(self):
        at = (datetime.datetime.now(datetime.timezone.utc) +
              datetime.timedelta(minutes=5)).isoformat()
        rid = self.create(callback_at=at)
        cb = "/api/v1/requests/%d/callback" % rid
        for body, field in [({"result": "maybe"}, "result"),
                            ({"result": "answered", "at": at}, "at"),
                            ({"note": "x"}, "result")]:
            st, out = self.api(cb, body)
            self.assertEqual((st, out["error"]["field"]), (422, field), out)
        before = time.time()
        st, out = self.api(cb, {"result": "no_answer", "note": "留守電"})
        self.assertEqual(st, 200, out)
        nxt = datetime.datetime.fromisoformat(out["next_attempt_at"])
        # The next attempt is proposed after the configured 30 minutes.
        self.assertAlmostEqual(nxt.timestamp(), before + 30 * 60, delta=60)
        self.assertIsNone(out["callback_done_at"])
        self.assertEqual(out["callback_attempts"], 1)
        st, cbs = self.api("/api/v1/callbacks")
        mine = [c for c in cbs if c["request_id"] == rid][0]
        self.assertEqual((mine["result"], mine["attempts"], mine["due"]),
                         ("no_answer", 1, False))
        st, out = self.api(cb, {"result": "explained",
                                "note": "ミツバチは駆除しない理由を説明"})
        self.assertEqual(st, 200, out)
        self.assertTrue(out["callback_done_at"])
        self.assertEqual(out["callback_result"], "explained")
        d = self.detail(rid)
        ev = [e for e in d["events"] if e["kind"].startswith("callback")]
        self.assertEqual([e["kind"] for e in ev],
                         ["callback_no_answer", "callback_done"])
        self.assertEqual(ev[-1]["detail"]["result"], "explained")
        self.assertEqual(ev[-1]["detail"]["note"],
                         "ミツバチは駆除しない理由を説明")
        st, cbs = self.api("/api/v1/callbacks")
        self.assertNotIn(rid, [c["request_id"] for c in cbs])
        # The brief list (the console's reminder) has no personal data
        # and is not audited.
        audits = int(h.psql(self.url, "SELECT count(*) FROM audit_log"
                            " WHERE action = 'callers.read'"))
        rid2 = self.create(callback_at=datetime.datetime.now(
            datetime.timezone.utc).isoformat())
        st, brief = self.api("/api/v1/callbacks?status=due&brief=1")
        self.assertEqual(st, 200)
        mine = [c for c in brief if c["request_id"] == rid2][0]
        self.assertNotIn("callers", mine)
        self.assertTrue(mine["due"])
        self.assertEqual(audits, int(h.psql(
            self.url, "SELECT count(*) FROM audit_log"
            " WHERE action = 'callers.read'")))


if __name__ == "__main__":
    h.main()
