"""The OpenAPI document (server/openapi.yaml) served at /api/v1/openapi.yaml:
it parses, it names every route the C sources register and every action of
the life cycle, and what it says about roles and tokens is what the live
server does. A route or action added without documenting it fails here."""
import glob
import http.client
import json
import os
import re
import sys
import unittest

import harness as h

try:
    import yaml
except ImportError:
    # A missing dependency is a broken setup, not a reason to skip.
    print("PyYAML is missing under %s: install python3-yaml "
          "(scripts/deps.sh test)" % sys.executable, file=sys.stderr)
    sys.exit(1)

DOC = os.path.join(h.SOURCE, "server", "openapi.yaml")
SERVER = os.path.join(h.SOURCE, "server")
ROLES = ["viewer", "crew", "dispatcher", "supervisor", "admin"]
METHODS = {"GET": "get", "HEAD": "head", "POST": "post", "PUT": "put",
           "PATCH": "patch", "DELETE": "delete"}
# The one route that is a family of paths: each action is its own path.
ACTION_ROUTE = "/api/v1/requests/{}/{}"
MISSING_ID = "999999"


def norm(path):
    """/api/v1/requests/{id}/assign -> /api/v1/requests/{}/assign"""
    return re.sub(r"\{[^}]*\}", "{}", path)


def c_routes():
    """{(path, method)} from every http_route table in server/*.c."""
    routes = set()
    for f in sorted(glob.glob(os.path.join(SERVER, "*.c"))):
        with open(f, encoding="utf-8") as fp:
            src = fp.read()
        for table in re.findall(
                r"struct http_route\s+\w+\[\]\s*=\s*\{(.*?)\n\};", src,
                re.S):
            for methods, path in re.findall(
                    r'\{\s*"[^"]*",\s*((?:(?:EVHTTP_REQ|HTTP_ROUTE)_\w+'
                    r'(?:\([^)]*\))?\s*\|?\s*)+),'
                    r'\s*"([^"]+)"', table):
                if not re.match(r"/api/v1/|/healthz$|/metrics$", path):
                    continue  # the console's files are not the API
                for m in re.findall(r"EVHTTP_REQ_(\w+)", methods):
                    routes.add((path, METHODS[m]))
    return routes


def c_actions():
    """lifecycle.c's table, as lifecycle_dump prints it: name -> (from
    states, to state, roles)."""
    import subprocess
    dump = os.path.join(h.BUILD, "tests", "unit", "lifecycle_dump")
    table = json.loads(subprocess.run([dump], check=True,
                                      capture_output=True).stdout)["table"]
    out = {name: (set(a["from"]), a["to"], set(a["roles"]))
           for name, a in table["actions"].items()}
    assert "assign" in out and "escalate" in out, out
    return out


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS.values():
                yield path, method, op


def needs_token(doc, op):
    return op.get("security", doc.get("security")) != []


class Document(unittest.TestCase):
    """The file itself, against the C sources."""

    @classmethod
    def setUpClass(cls):
        with open(DOC, encoding="utf-8") as f:
            cls.doc = yaml.safe_load(f)
        cls.paths = {norm(p): p for p in cls.doc["paths"]}

    def test_is_openapi_3(self):
        self.assertRegex(str(self.doc["openapi"]), r"^3\.\d+\.\d+$")
        self.assertIn("title", self.doc["info"])
        scheme = self.doc["components"]["securitySchemes"]["bearerAuth"]
        self.assertEqual((scheme["type"], scheme["scheme"]),
                         ("http", "bearer"))

    def test_every_route_is_documented(self):
        routes = c_routes()
        self.assertIn(("/healthz", "get"), routes)
        self.assertIn(("/api/v1/openapi.yaml", "get"), routes)
        self.assertIn((ACTION_ROUTE, "post"), routes)
        for path, method in sorted(routes):
            if path == ACTION_ROUTE:
                continue  # see test_every_action_is_documented
            with self.subTest(path=path, method=method):
                self.assertIn(norm(path), self.paths)
                self.assertIn(method, self.doc["paths"][self.paths[path]])

    def test_nothing_undocumented_is_invented(self):
        routes = {(norm(p), m) for p, m in c_routes()}
        actions = c_actions()
        for path, method, _ in operations(self.doc):
            if not re.match(r"/api/v1/|/healthz$|/metrics$", path):
                continue
            with self.subTest(path=path, method=method):
                m = re.fullmatch(r"/api/v1/requests/\{[^}]+\}/(\w+)", path)
                if m and (norm(path), method) not in routes:
                    self.assertIn(m.group(1), actions)
                    self.assertEqual(method, "post")
                else:
                    self.assertIn((norm(path), method), routes)

    def test_every_action_is_documented(self):
        for name, (frm, to, roles) in sorted(c_actions().items()):
            path = "/api/v1/requests/{}/%s" % name
            with self.subTest(action=name):
                if not roles:
                    # escalate: the server's alone, not callable.
                    self.assertNotIn(path, self.paths)
                    continue
                self.assertIn(path, self.paths)
                op = self.doc["paths"][self.paths[path]]["post"]
                self.assertIn("requestBody", op)
                self.assertEqual(set(op["x-roles"]), roles)
                self.assertEqual(set(op["x-allowed-from"]), frm)
                self.assertEqual(op["x-to-state"], to)
                self.assertIn("409", op["responses"])

    def test_error_schema(self):
        err = self.doc["components"]["schemas"]["Error"]
        inner = err["properties"]["error"]
        for k in ("code", "message", "field"):
            self.assertIn(k, inner["properties"])
        self.assertEqual(set(inner["required"]), {"code", "message"})

    def test_references_resolve_and_ids_are_unique(self):
        refs = set()

        def walk(x):
            if isinstance(x, dict):
                if "$ref" in x:
                    refs.add(x["$ref"])
                for v in x.values():
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)
        walk(self.doc)
        for ref in sorted(refs):
            with self.subTest(ref=ref):
                self.assertTrue(ref.startswith("#/"))
                node = self.doc
                for part in ref[2:].split("/"):
                    self.assertIn(part, node)
                    node = node[part]
        ids = [op["operationId"] for _, _, op in operations(self.doc)]
        self.assertEqual(len(ids), len(set(ids)))

    def test_token_and_roles_are_stated(self):
        for path, method, op in operations(self.doc):
            with self.subTest(path=path, method=method):
                if not needs_token(self.doc, op):
                    continue
                self.assertIn("401", op["responses"])
                self.assertTrue(set(op["x-roles"]) <= set(ROLES))
                if set(op["x-roles"]) != set(ROLES):
                    self.assertIn("403", op["responses"])

    def test_validates_as_openapi(self):
        try:
            from openapi_spec_validator import validate
        except ImportError:
            self.skipTest("openapi-spec-validator is not installed")
        validate(self.doc)


class Served(h.ServerTest):
    """The live server agrees with the document."""

    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("openapi")
        cls.tokens = {role: h.user_token(cls.url, "u_" + role, role)
                      for role in ROLES}
        cls.d = h.Patrold(cls.url)
        with open(DOC, encoding="utf-8") as f:
            cls.doc = yaml.safe_load(f)

    def call(self, method, path, token=None, body=None):
        """(status, headers, body); reads only the head of a stream."""
        headers = {}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        data = None
        if method in ("post", "patch"):
            headers["Content-Type"] = "application/json"
            data = json.dumps(body if body is not None else {}).encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port,
                                          timeout=10)
        try:
            conn.request(method.upper(), path, body=data, headers=headers)
            r = conn.getresponse()
            stream = (r.getheader("Content-Type") or "").startswith(
                "text/event-stream")
            raw = b"" if stream or method == "head" else r.read()
            return r.status, r.headers, raw
        finally:
            conn.close()

    def concrete(self, path):
        return re.sub(r"\{[^}]*\}", MISSING_ID, path)

    def test_served_without_a_token(self):
        status, headers, body = self.d.request("/api/v1/openapi.yaml")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"],
                         "application/yaml; charset=utf-8")
        with open(DOC, "rb") as f:
            self.assertEqual(body, f.read())
        self.assertTrue(str(yaml.safe_load(body)["openapi"]).startswith("3."))

    def test_create_without_token_is_401_as_documented(self):
        op = self.doc["paths"]["/api/v1/requests"]["post"]
        self.assertIn("401", op["responses"])
        status, headers, raw = self.d.request(
            "/api/v1/requests", method="POST",
            body=b'{"category":"road_pothole","lat":35.6,"lon":139.56}',
            headers={"Content-Type": "application/json"})
        self.assertEqual(status, 401)
        self.assertEqual(headers["WWW-Authenticate"], 'Bearer realm="patrol"')
        self.assertEqual(json.loads(raw)["error"]["code"], "unauthorized")

    def test_live_errors_fit_the_error_schema(self):
        inner = self.doc["components"]["schemas"]["Error"]["properties"][
            "error"]["properties"]
        status, _, raw = self.call("post", "/api/v1/requests",
                                   self.tokens["dispatcher"],
                                   {"category": "road_pothole", "lat": 35.6})
        self.assertEqual(status, 422)
        err = json.loads(raw)["error"]
        self.assertEqual((err["code"], err["field"]), ("missing_field", "lon"))
        self.assertTrue(set(err) <= set(inner), err)

    def test_every_operation_needs_a_token_iff_documented(self):
        for path, method, op in operations(self.doc):
            if "{" in path and not path.startswith("/api/v1/"):
                continue  # /console/{file}
            with self.subTest(path=path, method=method):
                status, headers, _ = self.call(method, self.concrete(path))
                if needs_token(self.doc, op):
                    self.assertEqual(status, 401)
                    self.assertIn("WWW-Authenticate", headers)
                else:
                    self.assertNotIn(status, (401, 403))

    def test_roles_are_what_the_document_says(self):
        # Bodies are {} and ids do not exist: nothing is ever changed, and
        # a role that is allowed gets some other answer than 403.
        for path, method, op in operations(self.doc):
            if not needs_token(self.doc, op):
                continue
            for role in ROLES:
                with self.subTest(path=path, method=method, role=role):
                    status, _, raw = self.call(method, self.concrete(path),
                                               self.tokens[role])
                    if role in op["x-roles"]:
                        # A crew user is also bound to its crew (issue 10):
                        # another crew's object is refused for that, not
                        # for the role.
                        if status == 403 and role == "crew":
                            self.assertIn(json.loads(raw)["error"]["code"],
                                          ("not_your_crew", "no_crew"), raw)
                        else:
                            self.assertNotIn(status, (401, 403), raw)
                        self.assertIn(str(status), op["responses"], raw)
                    else:
                        self.assertEqual(status, 403, raw)

    def test_missing_document_is_404(self):
        with h.Patrold(self.url, "--api-doc",
                       "/nonexistent/openapi.yaml") as d:
            status, body = d.json("/api/v1/openapi.yaml")
            self.assertEqual(status, 404)
            self.assertEqual(body["error"]["code"], "not_found")


if __name__ == "__main__":
    h.main()
