#!/usr/bin/env python3
"""test_scripts.py: the scripts a new user runs first.

nightly.sh takes relative paths (INBOX, OUTROOT, and those inside
SHIPSKIP_ARGS) from the caller's directory, not the repository's. test.sh,
run by a user who is not root, has no sudo and no Chromium, runs the suite
without the browser check and says so plainly, before and after; with sudo
or as root it installs Chromium as before. demo.sh builds quietly (the build
log only when the build fails) and ends by saying how to open the pages.

test.sh and demo.sh run from a copy of the scripts in a scratch tree whose
setup.sh, id, sudo and ctest are stand-ins that record how they were
called: the logic is tested without installing anything or rebuilding the
tree the other tests are running.
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.path.abspath(os.environ.get("SHIPSKIP_BIN", "./build/shipskip"))
REPO = os.path.realpath(os.environ.get(
    "SK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..")))


def write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


class ScriptCase(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="sk-scripts-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def scratch(self, script, setup_body):
        """A tree with scripts/<script> copied from the repository and a
        stand-in scripts/setup.sh running setup_body; returns its root."""
        root = os.path.join(self.tmp, "repo")
        os.makedirs(os.path.join(root, "scripts"))
        shutil.copy(os.path.join(REPO, "scripts", script),
                    os.path.join(root, "scripts", script))
        write(os.path.join(root, "scripts", "setup.sh"),
              "#!/usr/bin/env bash\n"
              f'echo "$*" >> "{self.tmp}/setup.calls"\n' + setup_body, 0o755)
        return root

    def stand_ins(self, **scripts):
        """A directory for PATH holding only bash, the few tools the
        scripts use, and the given stand-ins (name -> shell body)."""
        path = os.path.join(self.tmp, "bin")
        os.makedirs(path)
        for tool in ("bash", "dirname", "nproc", "cat", "mktemp", "rm"):
            os.symlink(shutil.which(tool), os.path.join(path, tool))
        for name, body in scripts.items():
            write(os.path.join(path, name),
                  "#!/bin/bash\n" + body + "\n", 0o755)
        return path

    def calls(self, name):
        try:
            with open(os.path.join(self.tmp, name + ".calls")) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []


class TestNightly(ScriptCase):

    def test_relative_paths_are_the_callers(self):
        cwd = os.path.join(self.tmp, "here")
        os.makedirs(os.path.join(cwd, "inbox"))
        shutil.copytree(os.path.join(REPO, "fixtures", "tools"),
                        os.path.join(cwd, "inbox"), dirs_exist_ok=True)
        shutil.copytree(os.path.join(REPO, "fixtures", "exchanges"),
                        os.path.join(cwd, "recorded"))
        env = dict(os.environ, SHIPSKIP_BIN=BIN, SHIPSKIP_DATE="2026-12-03",
                   SHIPSKIP_ARGS="--replay recorded")
        res = subprocess.run(
            ["bash", os.path.join(REPO, "scripts", "nightly.sh"), "inbox",
             "runs"], cwd=cwd, env=env, capture_output=True, text=True,
            timeout=120)
        self.assertEqual(res.returncode, 0, res.stderr)
        with open(os.path.join(cwd, "runs", "2026-12-03",
                               "summary.json")) as f:
            summary = json.load(f)
        self.assertEqual(summary["totals"]["tools"], 6)
        self.assertTrue(os.path.isfile(os.path.join(
            cwd, "runs", "2026-12-03", "code-llama-4.md")))
        self.assertFalse(os.path.exists(os.path.join(REPO, "runs")))


class TestTestSh(ScriptCase):

    def run_test_sh(self, uid, sudo=False, ctest_status=0):
        root = self.scratch("test.sh", "exit 0\n")
        tools = {"id": f"echo {uid}",
                 "ctest": f'echo "$*" >> "{self.tmp}/ctest.calls"; '
                          f"exit {ctest_status}"}
        if sudo:
            tools["sudo"] = '"$@"'
        path = self.stand_ins(**tools)
        env = {"PATH": path, "HOME": self.tmp,
               "CHROMIUM": os.path.join(self.tmp, "no-chromium")}
        return subprocess.run(["bash", os.path.join(root, "scripts",
                                                    "test.sh")],
                              env=env, capture_output=True, text=True,
                              timeout=60)

    def test_no_root_no_sudo_runs_the_suite_without_the_browser(self):
        res = self.run_test_sh(uid=1000)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.calls("setup"), [""])  # no --with-browser
        self.assertEqual(len(self.calls("ctest")), 1)
        note = ("the browser check of the published pages (check_site) "
                "DID NOT RUN")
        self.assertEqual(res.stderr.count(note), 2, res.stderr)
        self.assertIn("install it as root (apt-get install chromium", 
                      res.stderr)
        self.assertTrue(res.stderr.rstrip().endswith(
            "CI runs as root and always runs it."), res.stderr)

    def test_a_failing_suite_still_fails_and_still_says_so(self):
        res = self.run_test_sh(uid=1000, ctest_status=8)
        self.assertEqual(res.returncode, 8)
        self.assertIn("DID NOT RUN", res.stderr.splitlines()[-1])

    def test_root_or_sudo_installs_the_browser_as_before(self):
        for uid, sudo in ((0, False), (1000, True)):
            with self.subTest(uid=uid, sudo=sudo):
                shutil.rmtree(self.tmp)
                os.mkdir(self.tmp)
                res = self.run_test_sh(uid=uid, sudo=sudo)
                self.assertEqual(res.returncode, 0, res.stderr)
                self.assertEqual(self.calls("setup"), ["--with-browser"])
                self.assertNotIn("DID NOT RUN", res.stderr)


class TestDemoSh(ScriptCase):

    def run_demo(self, setup_body):
        root = self.scratch("demo.sh", setup_body)
        os.symlink(os.path.join(REPO, "fixtures"),
                   os.path.join(root, "fixtures"))
        os.mkdir(os.path.join(root, "build"))
        os.symlink(BIN, os.path.join(root, "build", "shipskip"))
        return subprocess.run(["bash", os.path.join(root, "scripts",
                                                    "demo.sh"), "demo-out"],
                              cwd=self.tmp, capture_output=True, text=True,
                              timeout=120)

    NOISY = ("for i in $(seq 190); do echo \"[ $i%] Building C object "
             "x$i.c.o\"; done\n")

    def test_a_quiet_build_of_shipskip_then_how_to_see_the_pages(self):
        res = self.run_demo(self.NOISY + "exit 0\n")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.calls("setup"), ["--target=shipskip"])
        self.assertNotIn("Building C object", res.stdout + res.stderr)
        out = os.path.join(self.tmp, "repo", "demo-out")
        self.assertTrue(os.path.isfile(os.path.join(out, "code-llama-4.md")))
        self.assertIn("demo.sh: to see the pages: ./build/shipskip site "
                      "demo-out\n         then open "
                      "demo-out/site/index.html in a browser\n", res.stderr)
        self.assertLessEqual(len(res.stderr.splitlines()), 6, res.stderr)

    def test_a_failed_build_shows_its_log(self):
        res = self.run_demo(self.NOISY + "echo 'cc: error: boom' >&2\n"
                            "exit 1\n")
        self.assertEqual(res.returncode, 1)
        self.assertIn("[ 190%] Building C object", res.stderr)
        self.assertIn("cc: error: boom", res.stderr)
        self.assertIn("demo.sh: the build failed", res.stderr)


if __name__ == "__main__":
    unittest.main()
