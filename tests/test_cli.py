#!/usr/bin/env python3
"""test_cli.py: the shipskip command line as a user meets it.

Every command (and subcommand) prints its own help from its option table,
exit 0; it accepts exactly the options its help lists and rejects every
other command's options with exit 2 and a message naming the option; every
way of giving a value works ("--opt value", "--opt=value", "-o DIR",
"-oDIR", "--" before operands); a typo gets "did you mean"; a full stdout
is an error. Nothing here needs a server: reviews are replayed from the
bundled fixtures.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

BIN = os.path.abspath(os.environ.get("SHIPSKIP_BIN", "./build/shipskip"))
REPO = os.environ.get("SK_SOURCE_DIR",
                      os.path.join(os.path.dirname(__file__), ".."))
REPO = os.path.abspath(REPO)

# Every command as it is invoked.
COMMANDS = [["review"], ["draft"], ["prompts"], ["merge"],
            ["config", "check"], ["fixtures", "check"], ["fixtures", "list"],
            ["apply"], ["diff"], ["personas", "list"], ["personas", "check"],
            ["compare"], ["site"]]
GROUPS = [["config"], ["fixtures"], ["personas"]]


def run(*args, cwd=REPO, stdout=subprocess.PIPE):
    return subprocess.run([BIN, *args], cwd=cwd, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=60,
                          env=dict(os.environ, OPENAI_API_KEY="sk-test"))


def options_in_help(text):
    """The long options a help text lists (its option lines only)."""
    return set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)", text, re.M))


class TestHelp(unittest.TestCase):

    def test_each_command_prints_its_own_help(self):
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                res = run(*cmd, "--help")
                self.assertEqual(res.returncode, 0, res.stderr)
                self.assertTrue(res.stdout.startswith(
                    "usage: shipskip " + " ".join(cmd)), res.stdout)
                self.assertEqual(res.stderr, "")
                self.assertEqual(run(*cmd, "-h").stdout, res.stdout)
                self.assertEqual(run("help", *cmd).stdout, res.stdout)

    def test_each_help_lists_only_its_own_options(self):
        helps = {" ".join(c): options_in_help(run(*c, "--help").stdout)
                 for c in COMMANDS}
        self.assertIn("--concurrency", helps["review"])
        self.assertIn("--budget", helps["review"])
        self.assertEqual(helps["compare"],
                         {"--format", "--output", "--dir", "--votes"})
        self.assertEqual(helps["diff"], {"--history", "--format", "--color"})
        self.assertEqual(helps["fixtures check"], set())
        self.assertNotIn("--budget", helps["prompts"])
        self.assertNotIn("--rpm", helps["draft"])
        self.assertNotIn("--resume", helps["config check"])

    def test_groups_list_their_commands(self):
        for group in GROUPS:
            with self.subTest(group=group):
                res = run(*group, "--help")
                self.assertEqual(res.returncode, 0, res.stderr)
                self.assertIn(f"{group[0]} commands:", res.stdout)
                self.assertEqual(run("help", *group).stdout, res.stdout)
                bad = run(*group, "nope")
                self.assertEqual(bad.returncode, 2)
                self.assertIn('not "nope"', bad.stderr)

    def test_global_help_lists_every_command(self):
        for args in (["--help"], ["-h"], ["help"]):
            res = run(*args)
            self.assertEqual(res.returncode, 0)
            for cmd in COMMANDS:
                self.assertIn("shipskip " + " ".join(cmd), res.stdout)
        res = run("help", "nope")
        self.assertEqual(res.returncode, 2)
        self.assertIn('unknown command "nope"', res.stderr)


class TestOptions(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sk-cli-")
        cls.out = os.path.join(cls.tmp, "out")
        # -oDIR and --opt=value, on a replay of the sample tools.
        res = run("review", "fixtures/tools", "-o" + cls.out,
                  "--replay=fixtures/exchanges", "--concurrency=2", "-q",
                  "--no-progress")
        assert res.returncode == 0, res.stderr
        cls.cards = sorted(f for f in os.listdir(cls.out)
                           if f.endswith(".json") and f != "summary.json")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_short_and_long_forms_give_the_same_output(self):
        self.assertGreaterEqual(len(self.cards), 2)
        a, b = (os.path.join(self.out, c) for c in self.cards[:2])
        outs = []
        for form in (["-o", "X"], ["-oX"], ["--output", "X"],
                     ["--output=X"]):
            target = os.path.join(self.tmp, "cmp.md")
            form = [f.replace("X", target) for f in form]
            res = run("compare", a, b, "--format=md", *form)
            self.assertEqual(res.returncode, 0, res.stderr)
            with open(target) as f:
                outs.append(f.read())
            os.unlink(target)
        self.assertEqual(len(set(outs)), 1)
        self.assertIn("|", outs[0])

    def test_options_of_other_commands_are_refused(self):
        res = run("prompts", "t.json", "--budget", "5", "--rpm", "3",
                  "--shard", "1/2", "--force")
        self.assertEqual(res.returncode, 2)
        self.assertIn('unknown prompts option "--budget" (an option of '
                      'shipskip review, draft, calibrate)', res.stderr)
        self.assertTrue(res.stderr.startswith("shipskip: "))
        self.assertIn("shipskip prompts --help", res.stderr)
        helps = {" ".join(c): options_in_help(run(*c, "--help").stdout)
                 for c in COMMANDS}
        everything = set().union(*helps.values())
        for cmd in COMMANDS:
            own = helps[" ".join(cmd)]
            for opt in sorted(everything - own):
                with self.subTest(cmd=cmd, opt=opt):
                    res = run(*cmd, "x", opt, "1")
                    self.assertEqual(res.returncode, 2, res.stderr)
                    self.assertIn(f'option "{opt}"', res.stderr)

    def test_a_typo_gets_did_you_mean(self):
        res = run("review", "x", "-o", self.tmp, "--concurency", "3")
        self.assertEqual(res.returncode, 2)
        self.assertIn('unknown option "--concurency"; did you mean '
                      '--concurrency?', res.stderr)
        res = run("compare", "a", "b", "--fromat", "md")
        self.assertEqual(res.returncode, 2)
        self.assertIn("did you mean --format?", res.stderr)

    def test_bounds_missing_values_and_repeats_name_the_option(self):
        cases = [
            (["review", "x", "-o", "d", "--concurrency", "0"],
             "--concurrency: 0 is below the minimum 1"),
            (["review", "x", "-o", "d", "--max-attempts=9"],
             "--max-attempts: 9 is above the maximum 8"),
            (["review", "x", "-o"], "-o needs a value"),
            (["review", "x", "-o", "a", "--output", "b"],
             "--output given twice"),
            (["diff", "a", "b", "--color", "pink"],
             '--color takes auto, always or never, not "pink"'),
            (["review", "x", "-o", "d", "--force=yes"],
             "--force takes no value"),
            (["nope"], 'unknown command "nope"'),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                res = run(*args)
                self.assertEqual(res.returncode, 2, res.stderr)
                self.assertIn(msg, res.stderr)
                self.assertTrue(res.stderr.startswith("shipskip: "))

    def test_double_dash_ends_the_options(self):
        tool = os.path.join(self.tmp, "-odd.json")
        with open(tool, "w") as f:
            f.write('{"name": "Odd Tool", "slug": "odd-tool", '
                    '"description": "A tool whose file name starts with a '
                    'dash."}')
        res = run("prompts", "--persona", "skeptic", "--personas-dir",
                  os.path.join(REPO, "personas"), "--prompts-dir",
                  os.path.join(REPO, "prompts"), "--", "-odd.json",
                  cwd=self.tmp)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("=== odd-tool · skeptic · system", res.stdout)
        res = run("prompts", "-odd.json", cwd=self.tmp)
        self.assertEqual(res.returncode, 2)
        self.assertIn('"-o"', res.stderr)

    def test_a_full_stdout_is_an_error(self):
        card = os.path.join(self.out, self.cards[0])
        for args in (["--help"], ["review", "--help"],
                     ["personas", "list"], ["compare", card,
                      os.path.join(self.out, self.cards[1])],
                     ["fixtures", "list", "fixtures/exchanges"]):
            with self.subTest(args=args):
                with open("/dev/full", "w") as full:
                    res = run(*args, stdout=full)
                self.assertNotEqual(res.returncode, 0)
                self.assertIn("error writing standard output", res.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
