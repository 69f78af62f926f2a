"""Open311 GeoReport v2 and the mySociety updates extension, against the real
patrold and PostgreSQL: residents' apps post wasp reports in XML and JSON,
the dispatcher sees them in the queue with the duplicate found, crews finish
the job through the JSON API, and the apps fetch the outcome back. No GET
ever shows a caller's name, phone, e-mail or home address.

The requests are made the way FixMyStreet's Open311 client makes them: the
XML paths, jurisdiction_id on every call, api_key on POSTs and on the
updates fetch, coordinates cut to 6 decimals, the name split into
first_name and last_name at its first space."""
import json
import os
import re
import struct
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
import zlib

import harness as h

JURISDICTION = "city.kawasaki.jp"
BASE = "/open311/v2/"
SAMPLES = os.path.join(h.SOURCE, "tests", "data", "open311")

# A wasp nest in Tama ward (14135), and a neighbour's report 80 m north.
NEST = ("35.605000", "139.560000")
NEAR = ("35.605720", "139.560000")

# What the residents tell the app: none of it may come out of a GET.
PERSONAL = ["多摩 太郎", "太郎", "044-000-1111", "taro@example.jp",
            "花子", "hanako@example.jp", "登戸1-2-3", "090-9999-0000",
            "自宅 住所"]

# The spec's fields (GeoReport v2), in its order.
REQUEST_FIELDS = ["service_request_id", "status", "status_notes",
                  "service_name", "service_code", "description",
                  "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url"]
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata",
                  "type", "keywords", "group"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required",
                    "datatype_description", "order", "description"]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist",
             "multivaluelist"}
UPDATE_FIELDS = ["update_id", "service_request_id", "status",
                 "updated_datetime", "description", "media_url"]
UPDATE_STATUSES = {"open", "closed", "fixed", "in_progress",
                   "action_scheduled", "investigating", "duplicate",
                   "not_councils_responsibility", "no_further_action",
                   "internal_referral", "cancelled", "planned", "for_triage"}
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")


def sample_json(name):
    with open(os.path.join(SAMPLES, name), encoding="utf-8") as f:
        return json.load(f)


def png(extra=0):
    """A 1x1 PNG, padded with a trailing chunk to the size asked."""
    def chunk(t, d):
        return (struct.pack(">I", len(d)) + t + d
                + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
    body = (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")))
    if extra:
        body += chunk(b"tEXt", b"\x00" * extra)
    return body + chunk(b"IEND", b"")


def multipart(fields, files=(), boundary=None):
    """(body, content type) of multipart/form-data."""
    boundary = boundary or "----patrol" + uuid.uuid4().hex
    out = []
    for k, v in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\""
                    "\r\n\r\n" % (boundary, k)).encode())
        out.append(v.encode() if isinstance(v, str) else v)
        out.append(b"\r\n")
    for k, name, ctype, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                    "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                    % (boundary, k, name, ctype)).encode())
        out.append(data)
        out.append(b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


class Open311(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database(
            "open311",
            h.office(name_en="Tama road and park centre"),
            h.crew("tama-wasp-1", "多摩 蜂班", "wasp", at=(35.6330, 139.5290)),
        )
        ctl = lambda *a: h.patrolctl(cls.url, *a)
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.crew = h.user_token(cls.url, "crew1", "crew",
                                crew="tama-wasp-1")
        r = ctl("open311", "key", "add", "fixmystreet")
        assert r.returncode == 0, r.stderr
        cls.key = r.stdout.strip()
        assert re.match(r"^pt_[A-Za-z0-9_-]{43}$", cls.key), r.stdout
        assert "not shown again" in r.stderr
        cls.d = h.Patrold(cls.url, "--open311-jurisdiction", JURISDICTION)
        cls.gets = []  # every GET reply body, checked for personal data

    # Open311 calls, as FixMyStreet makes them

    def get(self, path, **params):
        params.setdefault("jurisdiction_id", JURISDICTION)
        status, headers, body = self.d.request(
            BASE + path + "?" + urllib.parse.urlencode(params))
        self.gets.append(body)
        return status, headers, body

    def get_xml(self, path, **params):
        status, headers, body = self.get(path, **params)
        self.assertTrue(headers["Content-Type"].startswith("text/xml"),
                        headers["Content-Type"])
        return status, ET.fromstring(body)

    def get_json(self, path, **params):
        status, headers, body = self.get(path, **params)
        self.assertTrue(
            headers["Content-Type"].startswith("application/json"))
        return status, json.loads(body)

    def post(self, path, fields, files=(), raw=None, ctype=None):
        fields = [("jurisdiction_id", JURISDICTION),
                  ("api_key", self.key)] + list(fields)
        if raw is not None:
            body = raw
        elif files:
            body, ctype = multipart(fields, files)
        else:
            body = urllib.parse.urlencode(fields).encode()
            ctype = "application/x-www-form-urlencoded; charset=utf-8"
        status, headers, reply = self.d.request(
            BASE + path, method="POST", body=body,
            headers={"Content-Type": ctype})
        if path.endswith(".xml"):
            return status, ET.fromstring(reply)
        return status, json.loads(reply)

    def api(self, method, path, token, body=None):
        return self.d.api(method, path, token, body)

    def act(self, token, rid, action, **body):
        st, r = self.api("POST", "/api/v1/requests/%s/%s" % (rid, action),
                         token, body)
        self.assertEqual(st, 200, (action, r))
        return r

    def assert_error(self, status, doc, want_status, field=None, fmt="xml"):
        """errors/error/{code,description}, naming the field if given."""
        self.assertEqual(status, want_status, doc if fmt == "json"
                         else ET.tostring(doc))
        if fmt == "xml":
            self.assertEqual(doc.tag, "errors")
            err = doc.find("error")
            code, desc = err.findtext("code"), err.findtext("description")
        else:
            self.assertIsInstance(doc, list)
            code, desc = str(doc[0]["code"]), doc[0]["description"]
            self.assertEqual(set(doc[0]), {"code", "description"})
        self.assertEqual(code, str(want_status))
        if field:
            self.assertTrue(desc.startswith(field + ":"), desc)
        return desc

    def wasp_report(self, lat_lon, **extra):
        fields = [("service_code", "wasp_nest"), ("lat", lat_lon[0]),
                  ("long", lat_lon[1]),
                  ("attribute[nest_height]", "eaves"),
                  ("attribute[location]", "outdoor")]
        return fields + list(extra.items())

    # The spec's shapes

    def check_request_json(self, r):
        self.assertEqual(list(r)[:len(REQUEST_FIELDS)], REQUEST_FIELDS)
        self.assertIsInstance(r["service_request_id"], str)
        self.assertIn(r["status"], ("open", "closed"))
        for k in ("requested_datetime", "updated_datetime"):
            self.assertRegex(r[k], DATE)
        if r["expected_datetime"] is not None:
            self.assertRegex(r["expected_datetime"], DATE)
        self.assertIsInstance(r["lat"], float)
        self.assertIsInstance(r["long"], float)
        for k in set(r) - {"lat", "long", "extended_attributes", "notes"}:
            self.assertTrue(r[k] is None or isinstance(r[k], str), (k, r))

    def check_update_json(self, u):
        self.assertEqual(list(u)[:len(UPDATE_FIELDS)], UPDATE_FIELDS)
        self.assertIsInstance(u["update_id"], str)
        self.assertIsInstance(u["service_request_id"], str)
        self.assertIn(u["status"], UPDATE_STATUSES)
        self.assertRegex(u["updated_datetime"], DATE)
        self.assertIsInstance(u["description"], str)

    # The tests

    def test_discovery_and_services(self):
        st, doc = self.get_xml("discovery.xml")
        self.assertEqual(st, 200)
        ep = doc.find("endpoints/endpoint")
        self.assertEqual(ep.findtext("specification"),
                         "http://wiki.open311.org/GeoReport_v2")
        self.assertEqual([f.text for f in ep.findall("formats/format")],
                         ["text/xml", "application/json"])
        self.assertTrue(ep.findtext("url").endswith("/open311/v2"))

        # The same element names as San Francisco's, Japanese by default.
        st, doc = self.get_xml("services.xml")
        self.assertEqual(st, 200)
        sample = ET.parse(os.path.join(
            SAMPLES, "open311status_san_francisco_services.xml")).getroot()
        self.assertEqual(doc.tag, sample.tag)
        self.assertEqual({c.tag for c in doc}, {"service"})
        self.assertEqual([c.tag for c in doc[0]], SERVICE_FIELDS)
        self.assertEqual({c.tag for c in doc[0]}, {c.tag for c in sample[0]})
        byc = {s.findtext("service_code"): s for s in doc}
        self.assertEqual(byc["wasp_nest"].findtext("service_name"),
                         "ハチの巣（スズメバチ・アシナガバチ）")
        self.assertEqual(byc["wasp_nest"].findtext("metadata"), "true")
        self.assertEqual(byc["bee_swarm"].findtext("metadata"), "false")

        # JSON: Bloomington's field names; English on request.
        st, services = self.get_json("services.json", locale="en")
        sample = sample_json("open311status_bloomington_services.json")
        self.assertEqual(set(services[0]), set(sample[0]))
        self.assertEqual(list(services[0]), SERVICE_FIELDS)
        wasp = [s for s in services if s["service_code"] == "wasp_nest"][0]
        self.assertEqual(wasp["service_name"], "Wasp/hornet nest")
        self.assertIs(wasp["metadata"], True)
        self.assertEqual(wasp["type"], "realtime")

        # The definition: our questions as attributes.
        st, d = self.get_json("services/wasp_nest.json", locale="en")
        self.assertEqual(st, 200)
        self.assertEqual(d["service_code"], "wasp_nest")
        attrs = d["attributes"]
        self.assertEqual([a["code"] for a in attrs],
                         ["nest_height", "location", "near_path"])
        for i, a in enumerate(attrs):
            self.assertEqual(list(a)[:len(ATTRIBUTE_FIELDS)],
                             ATTRIBUTE_FIELDS)
            self.assertIn(a["datatype"], DATATYPES)
            self.assertEqual(a["order"], i + 1)
            self.assertIs(a["variable"], True)
        self.assertIs(attrs[0]["required"], True)
        self.assertIs(attrs[2]["required"], False)
        self.assertEqual(attrs[0]["values"][1],
                         {"key": "eaves", "name": "Eaves"})
        st, doc = self.get_xml("services/wasp_nest.xml")
        self.assertEqual(doc.tag, "service_definition")
        vals = doc.findall("attributes/attribute")[0].findall(
            "values/value")
        self.assertEqual(vals[1].findtext("name"), "軒下")
        self.assertEqual(doc.find("attributes/attribute/required").text,
                         "true")

        st, doc = self.get_xml("services/no_such_thing.xml")
        self.assert_error(st, doc, 404, "service_code")
        # jurisdiction_id is checked because one is configured.
        st, doc = self.get_xml("services.xml", jurisdiction_id="elsewhere")
        self.assert_error(st, doc, 404, "jurisdiction_id")
        st, doc = self.get_json("services.json", jurisdiction_id="elsewhere")
        self.assert_error(st, doc, 404, "jurisdiction_id", fmt="json")
        # Every GET checks it, after the format of its path.
        for path in ["discovery", "services/wasp_nest", "requests",
                     "requests/1", "servicerequestupdates", "tokens/12345"]:
            st, doc = self.get_json(path + ".json",
                                    jurisdiction_id="elsewhere")
            self.assert_error(st, doc, 404, "jurisdiction_id", fmt="json")
            st, doc = self.get_xml(path + ".html",
                                   jurisdiction_id="elsewhere")
            self.assertIn("the path ends in .xml or .json",
                          self.assert_error(st, doc, 404))

    def test_report_through_dispatch_and_back(self):
        feed = h.EventStream(self.d, self.disp)
        start = time.strftime("%Y-%m-%dT%H:%M:%S+09:00",
                              time.gmtime(time.time() + 9 * 3600 - 60))

        # A resident reports a nest through a FixMyStreet-style app (XML).
        st, doc = self.post("requests.xml", self.wasp_report(
            NEST, first_name="多摩", last_name="太郎",
            email="taro@example.jp", phone="044-000-1111",
            description="軒下に巣 <大きい> & \"危ない\"",
            media_url="https://fms.example.org/photo/1.jpeg",
            **{"attribute[fixmystreet_id]": "4242",
               "attribute[near_path]": "yes"}))
        self.assertEqual(st, 200, ET.tostring(doc))
        self.assertEqual(doc.tag, "service_requests")
        req = doc.find("request")
        a = req.findtext("service_request_id")
        self.assertTrue(a.isdigit())
        self.assertIsNone(req.find("token"))
        self.assertIn(a, req.findtext("service_notice"))

        # The neighbour's city app posts JSON with a photo (multipart).
        st, reply = self.post("requests.json", self.wasp_report(
            NEAR, first_name="隣", last_name="花子",
            email="hanako@example.jp", locale="en"),
            files=[("media", "nest.png", "image/png", png())])
        self.assertEqual(st, 200, reply)
        self.assertEqual(list(reply[0]), ["service_request_id",
                                          "service_notice", "account_id"])
        b = reply[0]["service_request_id"]
        self.assertIsInstance(b, str)
        self.assertIn("reported nearby", reply[0]["service_notice"])

        # The dispatcher's queue has both, as Open311 reports, with the
        # priority raised by near_path and the duplicate found.
        st, queue = self.api("GET", "/api/v1/requests", self.disp)
        self.assertEqual(st, 200, queue)
        mine = {str(r["id"]): r for r in queue if str(r["id"]) in (a, b)}
        self.assertEqual(set(mine), {a, b})
        self.assertEqual(mine[a]["channel"], "open311")
        self.assertEqual(mine[a]["priority"], 1)
        self.assertEqual(mine[a]["ward_code"], "14135")
        self.assertEqual(mine[b]["answers"],
                         {"nest_height": "eaves", "location": "outdoor"})
        st, detail = self.api("GET", "/api/v1/requests/" + b, self.disp)
        received = [e for e in detail["events"]
                    if e["kind"] == "open311_received"][0]
        self.assertEqual(received["detail"]["duplicates"], [int(a)])
        self.assertEqual(received["detail"]["client"], "fixmystreet")
        self.assertEqual(received["actor"], "open311:fixmystreet")
        self.assertEqual(len(detail["photos"]), 1)
        self.assertNotIn("hanako", json.dumps(detail["events"]))
        # The callers' data went where a phone call's goes (staff only).
        st, detail = self.api("GET", "/api/v1/requests/" + a, self.disp)
        self.assertEqual(detail["callers"][0]["name"], "多摩 太郎")
        self.assertEqual(detail["callers"][0]["phone"], "044-000-1111")
        self.assertEqual(h.psql(self.url, "SELECT email FROM callers WHERE "
                                "request_id = %s" % a), "taro@example.jp")
        feed.wait_for(lambda e: e["request_id"] == int(b)
                      and e["kind"] == "open311_received")

        # The neighbour's report is merged into the first; a crew goes.
        self.act(self.disp, b, "merge", parent_id=int(a))
        crew_id = h.crew_id(self.url, "tama-wasp-1")
        self.act(self.disp, a, "assign", crew_id=crew_id)
        self.act(self.crew, a, "accept")

        # Meanwhile the resident comments through the app: the dispatcher
        # sees it in the timeline and the live feed, without the name.
        fields = [("service_request_id", a), ("update_id", "fms-77"),
                  ("status", "OPEN"),
                  ("description", "蜂が増えています <急ぎ>"),
                  ("updated_datetime", "2026-07-01T10:00:00+09:00"),
                  ("first_name", "多摩"), ("last_name", "太郎"),
                  ("email", "taro@example.jp"),
                  ("service_request_id_ext", "4242")]
        st, doc = self.post("servicerequestupdates.xml", fields)
        self.assertEqual(st, 200, ET.tostring(doc))
        self.assertEqual(doc.tag, "service_request_updates")
        update_id = doc.findtext("request_update/update_id")
        self.assertTrue(update_id.isdigit())
        # Sent again (a retry): the same update, stored once.
        st, doc = self.post("servicerequestupdates.xml", fields)
        self.assertEqual(doc.findtext("request_update/update_id"), update_id)
        e = feed.wait_for(lambda e: e["request_id"] == int(a)
                          and e["kind"] == "resident_comment")
        self.assertEqual(e["detail"]["comment"], "蜂が増えています <急ぎ>")
        self.assertEqual(e["detail"]["status"], "open")
        self.assertNotIn("taro", json.dumps(e))
        self.assertNotIn("太郎", json.dumps(e))
        st, detail = self.api("GET", "/api/v1/requests/" + a, self.disp)
        self.assertEqual([x["kind"] for x in detail["events"]].count(
            "resident_comment"), 1)

        # While the crew is on its way, the app sees action_scheduled.
        st, doc = self.get_xml("requests/%s.xml" % a)
        self.assertEqual(doc.findtext("request/status"), "open")
        self.assertEqual(doc.findtext("request/status_notes"),
                         "担当班が出動を受けました")

        self.act(self.crew, a, "on_site", lat=35.605, lon=139.56)
        self.act(self.crew, a, "done", outcome="removed",
                 note="多摩 太郎様宅の軒下で駆除")
        feed.close()

        # GET requests: both closed, in XML shaped like San Francisco's.
        st, doc = self.get_xml("requests.xml", service_request_id=a + "," + b)
        self.assertEqual(st, 200)
        sample = ET.parse(os.path.join(
            SAMPLES, "open311status_san_francisco_requests.xml")).getroot()
        self.assertEqual(doc.tag, sample.tag)
        reqs = {r.findtext("service_request_id"): r for r in doc}
        self.assertEqual(set(reqs), {a, b})
        tags = [c.tag for c in reqs[a]]
        self.assertEqual(tags[:len(sample[0])], [c.tag for c in sample[0]])
        self.assertEqual(tags, REQUEST_FIELDS)
        self.assertEqual(reqs[a].findtext("status"), "closed")
        self.assertEqual(reqs[b].findtext("status"), "closed")
        self.assertEqual(reqs[a].findtext("status_notes"), "対応が完了しました")
        # Escaped by the writer, read back unchanged.
        self.assertEqual(reqs[a].findtext("description"),
                         "軒下に巣 <大きい> & \"危ない\"")
        self.assertEqual(reqs[a].findtext("lat"), "35.605")
        self.assertEqual(reqs[a].findtext("agency_responsible"),
                         "多摩区道路公園センター")
        self.assertEqual(reqs[a].findtext("media_url"),
                         "https://fms.example.org/photo/1.jpeg")
        self.assertRegex(reqs[a].findtext("updated_datetime"), DATE)
        self.assertEqual(reqs[a].find("expected_datetime").text, None)

        # JSON, with extensions: Bloomington's names plus ours.
        st, rows = self.get_json("requests.json", extensions="true",
                                 locale="en", status="closed")
        sample = sample_json("open311status_bloomington_requests.json")
        got = {r["service_request_id"]: r for r in rows}
        for r in rows:
            self.check_request_json(r)
            self.assertTrue(set(sample[0]) <= set(r))
        self.assertEqual(got[a]["status_notes"], "Fixed")
        self.assertEqual(got[b]["extended_attributes"],
                         {"channel": "open311",
                          "ward": "神奈川県川崎市多摩区",
                          "duplicate": a, "parent_service_request_id": a})
        notes = got[a]["notes"]
        self.assertEqual([n["status"] for n in notes],
                         ["open", "action_scheduled", "action_scheduled",
                          "in_progress", "fixed"])
        self.assertEqual([n["type"] for n in notes],
                         ["opened", "activity", "activity", "activity",
                          "closed"])
        self.assertEqual(notes[-1]["external_status_code"], "done:removed")
        for n in notes:
            self.assertRegex(n["datetime"], DATE)
        st, rows = self.get_json("requests.json", status="open")
        self.assertNotIn(a, [r["service_request_id"] for r in rows])
        st, one = self.get_json("requests/%s.json" % a)
        self.assertEqual(one[0]["status"], "closed")
        self.check_request_json(one[0])

        # servicerequestupdates, as FixMyStreet polls it (with its key).
        end = time.strftime("%Y-%m-%dT%H:%M:%S+09:00",
                            time.gmtime(time.time() + 9 * 3600 + 60))
        st, doc = self.get_xml("servicerequestupdates.xml", api_key=self.key,
                               start_date=start, end_date=end)
        self.assertEqual(st, 200)
        self.assertEqual(doc.tag, "service_request_updates")
        ups = [{c.tag: c.text for c in u} for u in doc]
        for u in ups:
            self.assertEqual(list(u)[:len(UPDATE_FIELDS)], UPDATE_FIELDS)
        mine = [(u["service_request_id"], u["status"],
                 u["external_status_code"]) for u in ups
                if u["service_request_id"] in (a, b)]
        self.assertEqual(mine, [
            (b, "duplicate", "merge"),
            (a, "action_scheduled", "assign"),
            (b, "action_scheduled", "assign"),
            (a, "action_scheduled", "accept"),
            (b, "action_scheduled", "accept"),
            (a, "in_progress", "on_site"),
            (b, "in_progress", "on_site"),
            (a, "fixed", "done:removed"),
            (b, "fixed", "done:removed")])
        ids = [u["update_id"] for u in ups]
        self.assertEqual(len(ids), len(set(ids)))
        fixed_a = [u for u in ups if u["service_request_id"] == a][-1]
        self.assertEqual(fixed_a["fixmystreet_id"], "4242")
        self.assertEqual(fixed_a["description"], "対応が完了しました")
        # The resident's own comment does not come back as an update.
        self.assertNotIn(update_id, ids)
        st, ups = self.get_json("servicerequestupdates.json",
                                api_key=self.key, start_date=start,
                                end_date=end, locale="en")
        for u in ups:
            self.check_update_json(u)
        self.assertEqual([u["description"] for u in ups
                          if u["service_request_id"] == a][-1], "Fixed")

        self.assert_no_personal_data()

    def test_phone_calls_are_not_published(self):
        # A call taken by phone: the caller did not publish anything, so
        # Open311 shows no description, no address and only ~100 m.
        st, r = self.api("POST", "/api/v1/requests", self.disp, {
            "category": "road_pothole", "channel": "phone",
            "lat": 35.6123456, "lon": 139.5654321,
            "address": "登戸1-2-3 電話 太郎様宅前",
            "description": "電話 太郎様より。自宅 住所 前の穴",
            "answers": {"depth": "shallow"},
            "caller": {"name": "電話 太郎", "phone": "090-9999-0000",
                       "address": "自宅 住所"}})
        self.assertEqual(st, 201, r)
        st, rows = self.get_json("requests/%d.json" % r["id"],
                                 extensions="true")
        self.assertEqual(st, 200)
        row = rows[0]
        self.check_request_json(row)
        self.assertIsNone(row["description"])
        self.assertEqual(row["address"], "神奈川県川崎市多摩区")
        self.assertEqual((row["lat"], row["long"]), (35.612, 139.565))
        self.assertEqual(row["extended_attributes"]["channel"], "phone")
        st, doc = self.get_xml("requests.xml", service_code="road_pothole")
        self.assertIn(str(r["id"]), [x.findtext("service_request_id")
                                     for x in doc])
        self.assert_no_personal_data()

    def test_zz_outside_our_wards_is_flagged(self):
        """A call from just over the city line (Inagi city hall, west of
        Tama ward): inside the service area, outside every ward. The JSON
        API's reply and the request say so with the nearest ward; the
        Open311 reply tells the resident it may be passed on."""
        inagi = (35.6379, 139.5047)
        st, r = self.api("POST", "/api/v1/requests", self.disp, {
            "category": "wasp_nest", "lat": inagi[0], "lon": inagi[1],
            "answers": {"nest_height": "eaves", "location": "outdoor"}})
        self.assertEqual(st, 201, r)
        self.assertIsNone(r["ward_code"])
        out = r["outside_wards"]
        self.assertIs(out["outside_wards"], True)
        self.assertEqual(out["nearest_ward_code"], "14135")
        self.assertIn("多摩区", out["nearest_ward_name"])
        self.assertGreater(out["distance_m"], 50)
        self.assertLess(out["distance_m"], 3000)
        # The boundary data names no municipality outside Kawasaki.
        self.assertIsNone(out["municipality"])
        st, got = self.api("GET", "/api/v1/requests/%d" % r["id"], self.disp)
        self.assertEqual(st, 200, got)
        self.assertEqual(got["outside_wards"], out)
        # A point in Tama ward is not flagged.
        st, inside = self.api("POST", "/api/v1/requests", self.disp, {
            "category": "wasp_nest", "lat": float(NEST[0]),
            "lon": float(NEST[1]),
            "answers": {"nest_height": "eaves", "location": "outdoor"}})
        self.assertEqual(st, 201, inside)
        self.assertIs(inside["outside_wards"], False)
        st, got = self.api("GET", "/api/v1/requests/%d" % inside["id"],
                           self.disp)
        self.assertIs(got["outside_wards"], False)

        st, reply = self.post("requests.json", self.wasp_report(inagi))
        self.assertEqual(st, 200, reply)
        notice = reply[0]["service_notice"]
        self.assertIn("区域外", notice)
        self.assertIn("多摩区の境界から", notice)
        st, doc = self.post("requests.xml", self.wasp_report(
            inagi, locale="en"))
        self.assertEqual(st, 200, ET.tostring(doc))
        self.assertIn("outside our wards",
                      doc.find("request").findtext("service_notice"))
        st, doc = self.post("requests.xml", self.wasp_report(NEST))
        self.assertNotIn("区域外",
                         doc.find("request").findtext("service_notice"))
        # The queue holds them with no ward, for the console to flag.
        rid = reply[0]["service_request_id"]
        st, queue = self.api("GET", "/api/v1/requests", self.disp)
        mine = [q for q in queue if str(q["id"]) == rid]
        self.assertEqual(len(mine), 1)
        self.assertIsNone(mine[0]["ward_code"])

    def test_bad_input(self):
        # Away from the other tests' nest: one of these is accepted.
        report = self.wasp_report(("35.630000", "139.500000"))
        without = lambda k: [f for f in report if f[0] != k]

        st, doc = self.post("requests.xml", without("service_code"))
        self.assert_error(st, doc, 400, "service_code")
        st, doc = self.post("requests.xml", [
            f for f in report if f[0] not in ("lat", "long")])
        self.assert_error(st, doc, 400, "lat")
        st, doc = self.post("requests.xml", without("lat"))
        self.assert_error(st, doc, 400, "lat")
        st, doc = self.post("requests.xml", without("lat") + [
            ("address_string", "多摩区登戸")])
        self.assert_error(st, doc, 400, "lat")
        st, doc = self.post("requests.xml", [
            ("service_code", "no_such"), ("lat", NEST[0]),
            ("long", NEST[1])])
        self.assert_error(st, doc, 404, "service_code")
        # Not even the shape of a code: no such service, before the rest.
        st, doc = self.post("requests.xml", [("service_code", "Wasp-Nest")])
        self.assert_error(st, doc, 404, "service_code")
        st, doc = self.post("requests.json", without(
            "attribute[nest_height]") + [("attribute[nest_height]", "roof")])
        self.assert_error(st, doc, 400, "attribute[nest_height]", fmt="json")
        st, doc = self.post("requests.xml", without("attribute[location]"))
        self.assert_error(st, doc, 400, "attribute[location]")
        st, doc = self.post("requests.xml", report + [
            ("attribute[colour]", "red")])
        self.assert_error(st, doc, 400, "attribute[colour]")
        # Outside the service area: the coordinate that is out is named.
        st, doc = self.post("requests.xml", without("lat") + [
            ("lat", "34.000000")])
        self.assert_error(st, doc, 400, "lat")
        st, doc = self.post("requests.xml", without("long") + [
            ("long", "141.000000")])
        self.assert_error(st, doc, 400, "long")
        st, doc = self.post("requests.xml", without("long") + [
            ("long", "east")])
        self.assert_error(st, doc, 400, "long")
        # 4000 characters is the spec's limit.
        st, doc = self.post("requests.xml", report + [
            ("description", "蜂" * 4001)])
        self.assert_error(st, doc, 400, "description")
        st, doc = self.post("requests.xml", report + [
            ("description", "蜂" * 4000)])
        self.assertEqual(st, 200)
        # Duplicate keys, for a field that takes one value.
        st, doc = self.post("requests.xml", report + [
            ("service_code", "wasp_nest")])
        self.assert_error(st, doc, 400, "service_code")
        st, doc = self.post("requests.xml", report + [
            ("attribute[location][]", "indoor"),
            ("attribute[location][]", "outdoor")])
        self.assert_error(st, doc, 400, "attribute[location]")
        # Invalid UTF-8 and control characters.
        body = (urllib.parse.urlencode(
            [("api_key", self.key)] + report).encode()
            + b"&description=%C3%28")
        st, doc = self.post("requests.xml", [], raw=body,
                            ctype="application/x-www-form-urlencoded")
        self.assert_error(st, doc, 400, "description")
        st, doc = self.post("requests.xml", report + [
            ("description", "bell \x07")])
        self.assert_error(st, doc, 400, "description")
        st, doc = self.post("requests.xml", [], raw=b"a=%zz",
                            ctype="application/x-www-form-urlencoded")
        self.assert_error(st, doc, 400)
        st, doc = self.post("requests.xml", [], raw=b"{}",
                            ctype="application/json")
        self.assert_error(st, doc, 400)

        # Photos: a 20 MB one is too large; a text file is no photo.
        st, doc = self.post("requests.xml", report, files=[
            ("media", "big.png", "image/png", png(20 << 20))])
        self.assert_error(st, doc, 413, "media")
        st, doc = self.post("requests.xml", report, files=[
            ("media[]", "x.png", "image/png", b"not a picture")])
        self.assert_error(st, doc, 400, "media[]")
        # Broken multipart: no closing boundary, a wrong one, no CRLF.
        fields = [("api_key", self.key)] + report
        body, ctype = multipart(fields, [("media", "a.png", "image/png",
                                          png())])
        for raw, ct in [
                (body[:-len(b"--\r\n") - 40], ctype),
                (body, ctype.replace("----patrol", "----other")),
                (body.replace(b"\r\n", b"\n"), ctype),
                (body, "multipart/form-data"),
                (b"", ctype)]:
            st, doc = self.post("requests.xml", [], raw=raw, ctype=ct)
            desc = self.assert_error(st, doc, 400)
            self.assertIn("multipart", desc)

        # Keys: missing, wrong, revoked.
        body = urllib.parse.urlencode(report).encode()
        st, doc = self.post("requests.xml", [], raw=body,
                            ctype="application/x-www-form-urlencoded")
        self.assert_error(st, doc, 403, "api_key")
        body = urllib.parse.urlencode(report + [("api_key", "pt_" + "x" * 43)
                                                ]).encode()
        st, doc = self.post("requests.json", [], raw=body,
                            ctype="application/x-www-form-urlencoded")
        self.assert_error(st, doc, 403, "api_key", fmt="json")
        r = h.patrolctl(self.url, "open311", "key", "add", "oldapp")
        old = r.stdout.strip()
        r = h.patrolctl(self.url, "open311", "key", "revoke", "oldapp")
        self.assertEqual(r.returncode, 0, r.stderr)
        body = urllib.parse.urlencode(report + [("api_key", old)]).encode()
        st, doc = self.post("requests.xml", [], raw=body,
                            ctype="application/x-www-form-urlencoded")
        self.assert_error(st, doc, 403, "api_key")
        r = h.patrolctl(self.url, "open311", "key", "add", "fixmystreet")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("already has a live key", r.stderr)
        st, doc = self.get_xml("servicerequestupdates.xml", api_key="nope")
        self.assert_error(st, doc, 403, "api_key")

        # Jurisdiction on a POST; updates to unknown requests.
        st, doc = self.post("requests.xml", report + [
            ("jurisdiction_id", "x")], raw=None)
        self.assert_error(st, doc, 400, "jurisdiction_id")  # given twice
        body = urllib.parse.urlencode(
            [("api_key", self.key), ("jurisdiction_id", "elsewhere")]
            + report).encode()
        st, doc = self.post("requests.xml", [], raw=body,
                            ctype="application/x-www-form-urlencoded")
        self.assert_error(st, doc, 404, "jurisdiction_id")
        st, doc = self.post("servicerequestupdates.xml", [
            ("service_request_id", "99999999"), ("description", "x")])
        self.assert_error(st, doc, 404, "service_request_id")
        st, doc = self.post("servicerequestupdates.xml", [
            ("description", "x")])
        self.assert_error(st, doc, 400, "service_request_id")

        # GET: unknown ids and paths, tokens, dates, limits.
        st, doc = self.get_xml("requests/99999999.xml")
        self.assert_error(st, doc, 404, "service_request_id")
        st, doc = self.get_json("requests/abc.json")
        self.assert_error(st, doc, 404, "service_request_id", fmt="json")
        st, doc = self.get_xml("tokens/12345.xml")
        self.assert_error(st, doc, 404, "token")
        st, doc = self.get_json("tokens/12345.json")
        self.assert_error(st, doc, 404, "token", fmt="json")
        st, doc = self.get_xml("nothing_here.xml")
        self.assert_error(st, doc, 404)
        st, doc = self.get_xml("requests.csv")
        self.assert_error(st, doc, 404)
        st, doc = self.get_xml("requests.xml", start_date="2026-01-01",
                               end_date="2026-06-01")
        self.assert_error(st, doc, 400, "start_date")
        st, doc = self.get_xml("requests.xml", start_date="2026-06-01",
                               end_date="2026-01-01")
        self.assert_error(st, doc, 400, "end_date")
        st, doc = self.get_xml("requests.xml", start_date="yesterday")
        self.assert_error(st, doc, 400, "start_date")
        # In the right shape, but no day: PostgreSQL refuses the value.
        st, doc = self.get_xml("requests.xml",
                               start_date="2026-02-31T00:00:00+09:00",
                               end_date="2026-03-02T00:00:00+09:00")
        self.assert_error(st, doc, 400, "invalid value")
        st, doc = self.get_xml("requests.xml", status="pending")
        self.assert_error(st, doc, 400, "status")
        st, doc = self.get_xml("requests.xml", page_size="1001")
        self.assert_error(st, doc, 400, "page_size")

    def test_lenient_dates_and_paging(self):
        for i in range(3):
            st, reply = self.post("requests.json", self.wasp_report(
                ("35.6%d" % i, "139.55")))
            self.assertEqual(st, 200, reply)
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600))
        for form in [today, today + "T00:00", today + " 00:00:00",
                     today + "T00:00:00.123+09:00", today + "T00:00:00+0900",
                     today + "T00:00:00 09:00",  # an unescaped '+'
                     today + "T00:00:00+09", "2000-01-01T00:00:00Z"]:
            st, rows = self.get_json("requests.json", start_date=form)
            self.assertEqual(st, 200, (form, rows))
        st, rows = self.get_json("requests.json",
                                 start_date="2000-01-01T00:00:00Z")
        self.assertEqual(rows, [])  # 90 days from then
        st, p1 = self.get_json("requests.json", page_size=2)
        st, p2 = self.get_json("requests.json", page_size=2, page=2)
        self.assertEqual(len(p1), 2)
        ids = [r["service_request_id"] for r in p1 + p2]
        self.assertEqual(len(ids), len(set(ids)))
        st, rows = self.get_json("requests.json",
                                 updated_after=today + "T00:00:00+09:00")
        self.assertGreaterEqual(len(rows), 3)

    def assert_no_personal_data(self):
        for body in self.gets:
            text = body.decode("utf-8")
            for s in PERSONAL:
                self.assertNotIn(s, text)


if __name__ == "__main__":
    h.main()
