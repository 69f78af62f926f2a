"""Issue 10 finding 6: no photo file is left on disk by an upload that
failed, whatever the failure: a photo posted to a request that does not
exist, a photo whose row the database refused (a trigger makes the insert
fail, as a full disk or a lost connection would), Open311 media with a
report that failed or whose photo link failed, and a handheld's resumable
upload whose link failed. Files in the photo directory are counted; the
resumable upload's partial file (photo_dir/.partial) is its resume state,
not a photo, and is not counted."""
import hashlib
import json
import os
import sys
import unittest
import urllib.parse

import harness as h
import agentkit as k

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_open311 as o311  # noqa: E402  (png, multipart)

FAIL_PHOTOS = (
    "CREATE OR REPLACE FUNCTION t_refuse_photo() RETURNS trigger"
    " LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'photo refused by test';"
    " END$$;"
    " CREATE TRIGGER t_refuse_photo BEFORE INSERT ON %s"
    " FOR EACH ROW EXECUTE FUNCTION t_refuse_photo()")


def photo_files(d):
    out = []
    for top, dirs, files in os.walk(d.photo_dir):
        dirs[:] = [x for x in dirs if x != ".partial"]
        out += [os.path.join(top, f) for f in files]
    return sorted(out)


class Orphans(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        k.ensure_protobuf()
        cls.M = k.load_messages()
        cls.url = h.city_database(
            "photo_orphans",
            h.office(skills="road"),
            h.crew("road-1", "多摩 道路1班", "road"),
        )
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.key = h.open311_key(cls.url, "fixmystreet")
        cls.d = h.Patrold(cls.url, "--open311-jurisdiction",
                          o311.JURISDICTION)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "agent", None) is not None:
            cls.agent.remove()
        cls.d.stop_clean()

    def tearDown(self):
        h.psql(self.url, "DROP TRIGGER IF EXISTS t_refuse_photo ON photos;"
               " DROP TRIGGER IF EXISTS t_refuse_photo ON requests;"
               " DROP TRIGGER IF EXISTS t_refuse_photo ON request_photos")

    def api(self, method, path, body=None, raw=None, ctype=None):
        headers = {"Authorization": "Bearer " + self.disp}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            ctype = "application/json"
        if ctype:
            headers["Content-Type"] = ctype
        status, _, reply = self.d.request(path, method=method, body=data,
                                          headers=headers)
        return status, json.loads(reply) if reply else None

    def new_request(self):
        st, r = self.api("POST", "/api/v1/requests", {
            "category": "road_pothole", "lat": 35.6050, "lon": 139.5600,
            "answers": {"depth": "shallow"}})
        self.assertEqual(st, 201, r)
        return r["id"]

    def open311(self, photo):
        fields = [("jurisdiction_id", o311.JURISDICTION),
                  ("api_key", self.key), ("service_code", "wasp_nest"),
                  ("lat", "35.605000"), ("long", "139.560000"),
                  ("attribute[nest_height]", "eaves"),
                  ("attribute[location]", "outdoor")]
        body, ctype = o311.multipart(
            fields, [("media", "nest.png", "image/png", photo)])
        status, _, reply = self.d.request(
            o311.BASE + "requests.json", method="POST", body=body,
            headers={"Content-Type": ctype})
        return status, json.loads(reply)

    def test_photo_for_a_request_that_does_not_exist(self):
        before = photo_files(self.d)
        for size in (100, 200 << 10):  # in memory and spooled to disk
            st, err = self.api("POST", "/api/v1/requests/987654/photos",
                               raw=o311.png(size), ctype="image/png")
            self.assertEqual((st, err["error"]["code"]), (404, "not_found"))
        self.assertEqual(photo_files(self.d), before)

    def test_photo_whose_row_fails(self):
        rid = self.new_request()
        before = photo_files(self.d)
        h.psql(self.url, FAIL_PHOTOS % "photos")
        st, err = self.api("POST", "/api/v1/requests/%d/photos" % rid,
                           raw=o311.png(3000), ctype="image/png")
        self.assertEqual(st, 500, err)
        self.assertEqual(photo_files(self.d), before)
        self.assertIn("event=photo_discarded", self.d.text())
        # The same photo goes in once the database takes it.
        self.tearDown()
        st, ok = self.api("POST", "/api/v1/requests/%d/photos" % rid,
                          raw=o311.png(3000), ctype="image/png")
        self.assertEqual(st, 201, ok)
        self.assertEqual(len(photo_files(self.d)), len(before) + 1)
        # A photo already kept for another request is never removed by a
        # failed upload of the same bytes.
        st, err = self.api("POST", "/api/v1/requests/987654/photos",
                           raw=o311.png(3000), ctype="image/png")
        self.assertEqual(st, 404)
        self.assertEqual(len(photo_files(self.d)), len(before) + 1)
        self.assertEqual(self.d.request(ok["url"], headers={
            "Authorization": "Bearer " + self.disp})[0], 200)

    def test_photo_the_disk_refuses(self):
        # A file where the photo's directory goes: the write fails as a
        # full or broken disk would, on every route that stores photos.
        photo = o311.png(5000)
        sub = os.path.join(self.d.photo_dir,
                           hashlib.sha256(photo).hexdigest()[:2])
        self.assertFalse(os.path.exists(sub))
        with open(sub, "w"):
            pass
        try:
            rid = self.new_request()
            st, err = self.api("POST", "/api/v1/requests/%d/photos" % rid,
                               raw=photo, ctype="image/png")
            self.assertEqual((st, err["error"]["message"]),
                             (500, "cannot store the photo"), err)
            st, reply = self.open311(photo)
            self.assertEqual((st, reply[0]["description"]),
                             (500, "media: cannot store the photo"), reply)
            self.assertEqual(
                self.d.text().count("event=photo_store_failed"), 2)
        finally:
            os.unlink(sub)

    def test_open311_media_of_a_failed_report(self):
        before = photo_files(self.d)
        h.psql(self.url, FAIL_PHOTOS % "requests")
        st, reply = self.open311(o311.png(4000))
        self.assertGreaterEqual(st, 500, reply)
        self.assertEqual(photo_files(self.d), before)

    def test_open311_media_whose_link_fails(self):
        before = photo_files(self.d)
        h.psql(self.url, FAIL_PHOTOS % "photos")
        st, reply = self.open311(o311.png(5000))
        # The report stands (the resident must not send it again); the
        # photo that could not be linked does not stay behind as a file.
        self.assertEqual(st, 200, reply)
        self.assertEqual(photo_files(self.d), before)
        self.assertIn("event=open311_photo_link_failed", self.d.text())

    def sync(self, token, batch, **items):
        return k.sync(self.d, self.M, token, batch, **items)

    def upload(self, token, sha, offset, chunk):
        return k.post(self.d, "/agent/v1/photos/" + sha, chunk, token=token,
                      method="PATCH", headers={
                          "Content-Type": "application/offset+octet-stream",
                          "Upload-Offset": str(offset)})

    def test_agent_upload_whose_link_fails(self):
        # A handheld of crew road-1 finishes its job with a photo, through
        # the protobuf sync API and the resumable upload, as patrol-agent
        # does.
        Orphans.agent = a = k.Agent("orphans")
        a.enroll(self.url, "road-1", "http://127.0.0.1:%d" % self.d.port)
        token = a.token()
        rid = self.new_request()
        crew = h.crew_id(self.url, "road-1")
        st, r = self.api("POST", "/api/v1/requests/%d/assign" % rid,
                         {"crew_id": crew})
        self.assertEqual(st, 200, r)
        photo = o311.png(6000)
        sha = hashlib.sha256(photo).hexdigest()
        M = self.M
        resp = self.sync(token, "orphan-1", status_changes=[
            M["StatusChange"](client_id="o-%d" % i, seq=i, request_id=rid,
                              action=act)
            for i, act in enumerate(("accept", "en_route", "on_site"), 1)],
            results=[M["JobResult"](client_id="o-4", seq=4, request_id=rid,
                                    outcome="repaired", photo_sha256=[sha])],
            photos=[M["PhotoManifest"](sha256=sha, bytes=len(photo),
                                       content_type="image/png")])
        APPLIED = M["ItemAck"].Status.Value("APPLIED")
        self.assertEqual([x.status for x in resp.acks], [APPLIED] * 4,
                         resp.acks)
        self.assertEqual(list(resp.photos_wanted), [sha])
        before = photo_files(self.d)
        partial = os.path.join(self.d.photo_dir, ".partial")

        # The link to the request fails (the database refuses the row):
        # 503, no stored file, but the upload's bytes stay as its resume
        # state.
        h.psql(self.url, FAIL_PHOTOS % "request_photos")
        half = len(photo) // 2
        st, hdrs, raw = self.upload(token, sha, 0, photo[:half])
        self.assertEqual(st, 204, raw)
        st, hdrs, raw = self.upload(token, sha, half, photo[half:])
        self.assertEqual(st, 503, raw)
        self.assertEqual(photo_files(self.d), before)
        self.assertIn("event=photo_link_failed", self.d.text())
        self.assertIn("event=photo_discarded", self.d.text())
        kept = [f for f in os.listdir(partial) if f.endswith(sha)]
        self.assertEqual(len(kept), 1, os.listdir(partial))
        self.assertEqual(os.path.getsize(os.path.join(partial, kept[0])),
                         len(photo))
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM photos"
                                " WHERE sha256 = '%s'" % sha), "0")

        # The retry finishes from the kept bytes once the database takes
        # the row: nothing sent again, the photo stored and linked once.
        self.tearDown()
        st, hdrs, _ = k.post(self.d, "/agent/v1/photos/" + sha, None,
                             token=token, method="HEAD")
        self.assertEqual(hdrs.get("Upload-Offset"), str(len(photo)), hdrs)
        st, hdrs, raw = self.upload(token, sha, len(photo), b"")
        self.assertEqual(st, 204, raw)
        self.assertEqual(len(photo_files(self.d)), len(before) + 1)
        self.assertEqual(os.listdir(partial), [])
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM "
                                "request_photos WHERE request_id = %d AND"
                                " sha256 = '%s'" % (rid, sha)), "1")


if __name__ == "__main__":
    h.main()
