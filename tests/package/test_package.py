"""The Debian package, as an office's IT staff get it (issue 18).

Builds patrol_VERSION_amd64.deb with CPack from a release build of this
checkout (prefix /usr), then checks what is in it: the file name, Depends
(from dpkg-shlibdeps, so Debian's library packages), the files of the
installed layout, the conffile, the maintainer scripts; unpacks it into a
throwaway dpkg root (dpkg --root), runs systemd-analyze verify on its units
there, runs its postinst against recording stand-ins for adduser and
install, and finally uses the installed binaries, migrations, data and
console against PostgreSQL (when DATABASE_URL is set).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness as h  # noqa: E402

SOURCE = h.SOURCE
BUILD = os.path.abspath(os.environ.get("PATROL_PACKAGE_BUILD",
                                       os.path.join(h.BUILD, "pkg-release")))
UNITS = ["patrold.service", "patrol-backup.service", "patrol-backup.timer",
         "patrol-retention.service", "patrol-retention.timer"]


def run(cmd, **kw):
    kw.setdefault("timeout", 600)
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (
            " ".join(cmd), r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
    return r.stdout


def project_version():
    with open(os.path.join(SOURCE, "CMakeLists.txt")) as f:
        return re.search(r"project\(patrol VERSION ([0-9.]+)",
                         f.read()).group(1)


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps", "dpkg"):
            if shutil.which(tool) is None:
                raise unittest.SkipTest("%s is missing" % tool)
        env = dict(os.environ)
        # A release build: no sanitizers, the Debian prefix. ccache (when
        # the caller set it up) makes the rebuilds cheap.
        env.pop("ASAN_OPTIONS", None)
        run(["cmake", "-S", SOURCE, "-B", BUILD,
             "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DPATROL_TESTS=OFF",
             "-DCMAKE_INSTALL_PREFIX=/usr"], env=env)
        for old in os.listdir(BUILD):
            if old.endswith(".deb"):
                os.remove(os.path.join(BUILD, old))
        run(["cmake", "--build", BUILD, "-j2", "--target", "package"],
            env=env, timeout=840)
        cls.deb = os.path.join(
            BUILD, "patrol_%s_amd64.deb" % project_version())
        cls.tmp = tempfile.mkdtemp(prefix="patrol-deb-")
        cls.root = os.path.join(cls.tmp, "root")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def field(self, name):
        return run(["dpkg-deb", "-f", self.deb, name]).strip()

    def test_1_name_and_control(self):
        self.assertTrue(os.path.exists(self.deb),
                        "no %s in %s" % (os.path.basename(self.deb),
                                         os.listdir(BUILD)))
        self.assertEqual(self.field("Package"), "patrol")
        self.assertEqual(self.field("Version"), project_version())
        self.assertEqual(self.field("Architecture"), "amd64")

    def test_2_depends(self):
        deps = [d.strip() for d in self.field("Depends").split(",")]
        names = {re.split(r"[ (]", d)[0] for d in deps}
        # Libraries (dpkg-shlibdeps, with versions) and commands it runs.
        for lib in ("libc6", "libpq5", "libevent-2.1-7", "libsodium23",
                    "libjansson4", "libssl3", "libsystemd0", "libcairo2",
                    "libxml2", "libprotobuf-c1", "adduser",
                    "postgresql-client", "libcurl4"):
            self.assertIn(lib, names, "Depends: %s" % deps)
        self.assertTrue(any(n.startswith("libproj") for n in names), deps)
        self.assertTrue(any(d.startswith("libpq5 (>=") for d in deps), deps)
        # The handheld's program is not the server's package: none of
        # its own libraries (patrold uses libcurl too, for the hand-over
        # e-mail), and no sanitizer runtime.
        for lib in ("libgps28", "libsqlite3-0", "libasan8",
                    "libubsan1"):
            self.assertNotIn(lib, names, deps)

    def test_3_contents(self):
        listing = run(["dpkg-deb", "-c", self.deb])
        paths = {line.split()[-1].lstrip(".") for line in
                 listing.splitlines() if line.strip()}
        paths = {p.rstrip("/") for p in paths}
        want = ["/usr/bin/patrold", "/usr/bin/patrolctl",
                "/etc/patrol/patrold.conf",
                "/usr/share/patrol/openapi.yaml",
                "/usr/share/patrol/console/index.html",
                "/usr/share/patrol/data/demo.json",
                "/usr/share/patrol/vendor/leaflet/dist/leaflet.js",
                "/usr/share/patrol/prometheus/patrol-alerts.yml",
                "/usr/share/doc/patrol/NOTICE"]
        want += ["/usr/share/patrol/schema/" + f
                 for f in os.listdir(os.path.join(SOURCE, "schema"))
                 if f.endswith(".sql")]
        want += ["/usr/share/patrol/schema/functions/" + f
                 for f in os.listdir(os.path.join(SOURCE, "schema",
                                                  "functions"))]
        want += ["/usr/share/patrol/schema/edited.sha256"]
        want += ["/usr/lib/systemd/system/" + u for u in UNITS]
        for p in want:
            self.assertIn(p, paths)
        self.assertNotIn("/usr/bin/patrol-agent", paths)
        self.assertFalse([p for p in paths if "node_modules" in p
                          or p.startswith("/usr/local")], paths)
        control = run(["dpkg-deb", "-I", self.deb])
        for script in ("postinst", "prerm", "postrm", "conffiles"):
            self.assertIn(script, control)
        conffiles = run(["dpkg-deb", "--ctrl-tarfile", self.deb])
        del conffiles  # checked through dpkg --root below

    def unpack(self):
        """dpkg --root into a throwaway root (no scripts run there)."""
        if os.path.exists(os.path.join(self.root, "usr", "bin", "patrold")):
            return
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates",
                  "var/lib/dpkg/triggers"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        for f in ("status", "available"):
            open(os.path.join(self.root, "var/lib/dpkg", f), "a").close()
        # --unpack: files and the package database; the postinst is
        # tested on its own below (running it would need a whole system).
        run(["dpkg", "--root=" + self.root, "--force-depends",
             "--force-not-root", "--log=/dev/null", "--unpack", self.deb])
        # dpkg unpacks a conffile beside its place and moves it there
        # when configuring (which would run the postinst): do that step.
        conf = os.path.join(self.root, "etc/patrol/patrold.conf")
        os.rename(conf + ".dpkg-new", conf)

    def test_4_dpkg_root(self):
        self.unpack()
        status = run(["dpkg", "--root=" + self.root, "-s", "patrol"])
        self.assertIn("Status: install ok unpacked", status)
        self.assertIn("/etc/patrol/patrold.conf", status)  # a conffile
        files = run(["dpkg", "--root=" + self.root, "-L", "patrol"])
        self.assertIn("/usr/lib/systemd/system/patrold.service", files)
        # No build machine's path in any default, the config or a unit.
        out = run([os.path.join(self.root, "usr/bin/patrold"), "--help"])
        for p in ("'/etc/patrol/patrold.conf'", "'/usr/share/patrol/schema'",
                  "'/usr/share/patrol/data'", "'/usr/share/patrol/console'",
                  "'/usr/share/patrol/vendor'",
                  "'/usr/share/patrol/openapi.yaml'",
                  "'/var/lib/patrol/photos'"):
            self.assertIn(p, out)
        texts = [out]
        for rel in ["etc/patrol/patrold.conf"] + [
                "usr/lib/systemd/system/" + u for u in UNITS]:
            with open(os.path.join(self.root, rel)) as f:
                texts.append(f.read())
        for t in texts:
            self.assertNotIn(SOURCE, t)
            self.assertNotIn(BUILD, t)
            self.assertNotIn("/usr/local", t)
        # The example configuration is every option, commented out, and
        # valid once uncommented.
        conf = texts[1]
        self.assertFalse([l for l in conf.splitlines()
                          if l and not l.startswith("#")], conf)
        live = os.path.join(self.tmp, "live.conf")
        with open(live, "w") as f:
            for line in conf.splitlines():
                if re.match(r"# [a-z0-9_]+ = ", line):
                    f.write(line[2:] + "\n")
        r = subprocess.run([os.path.join(self.root, "usr/bin/patrolctl"),
                            "--config", live, "--help"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_5_units(self):
        self.unpack()
        with open(os.path.join(self.root,
                               "usr/lib/systemd/system/patrold.service")) as f:
            unit = f.read()
        for line in ("Type=notify", "Restart=on-failure", "User=patrol",
                     "ProtectSystem=strict", "ProtectHome=yes",
                     "NoNewPrivileges=yes", "PrivateTmp=yes",
                     "CapabilityBoundingSet=\n",
                     "ReadWritePaths=/var/lib/patrol",
                     "ExecStart=/usr/bin/patrold --config "
                     "/etc/patrol/patrold.conf"):
            self.assertIn(line, unit)
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze is missing")
        # verify needs the standard targets and the commands the units
        # run inside the root: take the host's.
        sysdir = os.path.join(self.root, "lib/systemd/system")
        os.makedirs(sysdir, exist_ok=True)
        for f in os.listdir("/lib/systemd/system"):
            src = os.path.join("/lib/systemd/system", f)
            if not os.path.exists(os.path.join(sysdir, f)) and \
                    os.path.isfile(src):
                shutil.copy(src, sysdir, follow_symlinks=True)
        for cmd in ("/bin/sh", "/usr/bin/find"):
            dst = os.path.join(self.root, cmd.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if not os.path.exists(dst):
                shutil.copy(cmd, dst, follow_symlinks=True)
        r = subprocess.run(
            ["systemd-analyze", "verify", "--man=no",
             "--root=" + self.root] +
            ["/usr/lib/systemd/system/" + u for u in UNITS],
            capture_output=True, text=True, timeout=120)
        # Warnings (unknown keys, bad values) count as failures too.
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))
        # And it does fail: a unit whose command is missing.
        os.rename(os.path.join(self.root, "usr/bin/patrolctl"),
                  os.path.join(self.root, "usr/bin/patrolctl.away"))
        try:
            r = subprocess.run(
                ["systemd-analyze", "verify", "--man=no",
                 "--root=" + self.root,
                 "/usr/lib/systemd/system/patrol-retention.service"],
                capture_output=True, text=True, timeout=120)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("patrolctl", r.stderr)
        finally:
            os.rename(os.path.join(self.root, "usr/bin/patrolctl.away"),
                      os.path.join(self.root, "usr/bin/patrolctl"))

    def test_6_postinst(self):
        """The postinst makes the user and directories: run it with
        stand-ins that record their arguments instead of changing this
        machine."""
        ctrl = os.path.join(self.tmp, "control")
        run(["dpkg-deb", "-e", self.deb, ctrl])
        with open(os.path.join(ctrl, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/etc/patrol/patrold.conf"])
        shims = os.path.join(self.tmp, "shims")
        os.makedirs(shims, exist_ok=True)
        log = os.path.join(self.tmp, "calls.log")
        for name, rc in (("getent", 2), ("adduser", 0), ("install", 0),
                         ("chown", 0), ("chmod", 0), ("systemctl", 0),
                         ("runuser", 0)):
            with open(os.path.join(shims, name), "w") as f:
                f.write("#!/bin/sh\necho \"%s $*\" >>%s\nexit %d\n"
                        % (name, log, rc))
            os.chmod(os.path.join(shims, name), 0o755)
        env = dict(os.environ, PATH=shims + ":/usr/bin:/bin")
        run(["sh", "-e", os.path.join(ctrl, "postinst"), "configure"],
            env=env)
        with open(log) as f:
            calls = f.read()
        self.assertRegex(calls, r"adduser --system --group .*patrol\n")
        self.assertRegex(calls, r"install -d -o patrol -g patrol -m 0750 "
                         r"/var/lib/patrol /var/lib/patrol/photos "
                         r"/var/backups/patrol")
        # An existing user is kept.
        os.remove(log)
        with open(os.path.join(shims, "getent"), "w") as f:
            f.write("#!/bin/sh\necho patrol:x:999:999::/var/lib/patrol:"
                    "/usr/sbin/nologin\n")
        run(["sh", "-e", os.path.join(ctrl, "postinst"), "configure"],
            env=env)
        with open(log) as f:
            self.assertNotIn("adduser", f.read())

    def test_7_installed_files_work(self):
        """The installed migrations, data and console, used for real."""
        if not os.environ.get("DATABASE_URL"):
            self.skipTest("DATABASE_URL is not set")
        self.unpack()
        share = os.path.join(self.root, "usr/share/patrol")
        url = h.fresh_database("package")
        ctl = [os.path.join(self.root, "usr/bin/patrolctl"),
               "--config", os.path.join(self.root, "etc/patrol/patrold.conf"),
               "--database-url", url, "--schema-dir", share + "/schema",
               "--data-dir", share + "/data"]
        run(ctl + ["migrate"])
        self.assertIn("schema is current", run(ctl + ["migrate", "status"]))
        run(ctl + ["demo", "load"])
        photos = os.path.join(self.tmp, "photos")
        proc = subprocess.Popen(
            [os.path.join(self.root, "usr/bin/patrold"), "--database-url",
             url, "--port", "0", "--schema-dir", share + "/schema",
             "--console-dir", share + "/console", "--vendor-dir",
             share + "/vendor", "--api-doc", share + "/openapi.yaml",
             "--photo-dir", photos],
            stderr=subprocess.PIPE, text=True)
        try:
            port = None
            for line in proc.stderr:
                m = re.search(r"event=listening url=http://[^:]+:(\d+)/",
                              line)
                if m:
                    port = int(m.group(1))
                    break
            self.assertIsNotNone(port, "patrold did not start")
            import urllib.request
            for path, needle in (("/", b"<html"),
                                 ("/vendor/leaflet/leaflet.js", b"Leaflet"),
                                 ("/api/v1/openapi.yaml", b"openapi")):
                try:
                    with urllib.request.urlopen(
                            "http://127.0.0.1:%d%s" % (port, path),
                            timeout=10) as r:
                        self.assertIn(needle, r.read()[:200000], path)
                except urllib.error.HTTPError as e:
                    self.fail("%s: %d" % (path, e.code))
        finally:
            proc.terminate()
            proc.wait(30)


if __name__ == "__main__":
    unittest.main(verbosity=2)
