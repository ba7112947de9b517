#!/usr/bin/env python3
"""test_install.py: shipskip installed, copied alone, and documented.

The man page shipskip(1) lists every option of every command (each command's
own --help is the reference, so the two are checked against each other), and
renders without a roff warning. The bash completion offers each command's
own options and the words of a list-valued option; the zsh one covers every
command. `cmake --install` into a temporary prefix gives a binary that, run
from an empty directory, finds the installed personas and prompts, reviews
against the fake server and replays the bundled fixtures into the same
scorecards as the build tree. The binary copied alone uses the personas and
prompts built into it, says so, and replays the same scorecards; a
directory given on the command line overrides them. A data directory found
beside the binary prints as a clean path, never build/../personas.
"""
import filecmp
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_e2e import API_KEY, FakeServer  # noqa: E402

BIN = os.path.abspath(os.environ.get("SHIPSKIP_BIN", "./build/shipskip"))
BUILD = os.path.dirname(BIN)
REPO = os.path.realpath(os.environ.get(
    "SK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..")))
TOOLS = os.path.join(REPO, "fixtures", "tools")
EXCHANGES = os.path.join(REPO, "fixtures", "exchanges")
PERSONAS = ["builder", "skeptic", "futurist", "founder"]


def run(binary, *args, cwd=REPO, check=True):
    env = dict(os.environ, OPENAI_API_KEY=API_KEY)
    env.pop("OPENAI_BASE_URL", None)
    res = subprocess.run([binary, *args], cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, timeout=120,
                         env=env)
    if check and res.returncode != 0:
        raise AssertionError(f"{binary} {' '.join(args)}: exit "
                             f"{res.returncode}\n{res.stderr}")
    return res


def section(text, start, end=()):
    """The lines after the first line that is start, up to a blank one or
    one that starts with any of end."""
    lines = text.splitlines()
    i = lines.index(start)
    out = []
    for line in lines[i + 1:]:
        if line == "" or (end and line.startswith(end)):
            break
        out.append(line)
    return out


def commands():
    """Every command as it is run: ["review"], ["fixtures", "check"]...,
    read from the help's own lists."""
    out = []
    top = section(run(BIN, "help").stdout, "commands:")
    for line in top:
        name = line.split()[0]
        helptext = run(BIN, "help", name).stdout
        subs = f"{name} commands:"
        if subs in helptext.splitlines():
            for sub in section(helptext, subs):
                out.append([name, sub.split()[0]])
        else:
            out.append([name])
    # Guards the loops over it: an empty list would check nothing.
    assert ["review"] in out and ["fixtures", "check"] in out, out
    return out


def options_in_help(text):
    """The options a command's help lists: ("-o", "--output"), ..."""
    return re.findall(r"^\s+(?:(-\w), )?(--[a-z][a-z-]*)", text, re.M)


def scorecards(outdir):
    """The scorecards of a run: everything but its own records."""
    return sorted(os.path.basename(p) for p in glob.glob(outdir + "/*")
                  if os.path.basename(p) not in ("summary.json",
                                                 "summary.csv",
                                                 "journal.jsonl"))


class InstallCase(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="sk-install-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.empty = os.path.join(self.tmp, "cwd")
        os.mkdir(self.empty)

    def assertSameScorecards(self, a, b):
        names = scorecards(a)
        self.assertEqual(names, scorecards(b))
        self.assertEqual(len(names), 12)  # six tools, .json and .md
        _, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
        self.assertEqual((mismatch, errors), ([], []))

    def replay_in_tree(self):
        out = os.path.join(self.tmp, "in-tree")
        run(BIN, "review", TOOLS, "-o", out, "--replay", EXCHANGES, "-q")
        return out


class TestManPage(InstallCase):

    def test_every_option_of_every_command_is_in_the_man_page(self):
        man = run(BIN, "help", "--man").stdout
        for cmd in commands():
            with self.subTest(cmd=cmd):
                head = '.SS "shipskip ' + " ".join(cmd) + '"'
                sect = "\n".join(section(man, head, (".SS", ".SH")))
                opts = options_in_help(run(BIN, *cmd, "--help").stdout)
                for short, long in opts:
                    roff = long.replace("-", "\\-")
                    self.assertIn("\\fB" + roff + "\\fR", sect, long)
                    if short:
                        self.assertIn("\\fB\\-" + short[1] + "\\fR, \\fB"
                                      + roff, sect, short)

    def test_the_built_man_page_is_the_binarys_and_renders_cleanly(self):
        with open(os.path.join(BUILD, "doc", "shipskip.1")) as f:
            built = f.read()
        self.assertEqual(built, run(BIN, "help", "--man").stdout)
        self.assertTrue(built.startswith(".\\\" Generated by"), built[:80])
        self.assertIn(".TH SHIPSKIP 1", built)
        res = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"],
                             input=built, capture_output=True, text=True,
                             timeout=60)
        self.assertEqual((res.returncode, res.stderr), (0, ""))

    def test_help_refuses_an_unknown_generator(self):
        res = run(BIN, "help", "--completion", "fish", check=False)
        self.assertEqual(res.returncode, 2)
        self.assertIn("--completion bash|zsh", res.stderr)


class TestCompletion(InstallCase):

    def complete(self, *words):
        """What bash completes for "shipskip WORDS" (the last word is the
        one being completed), run in REPO."""
        script = os.path.join(BUILD, "doc", "shipskip.bash")
        quoted = " ".join("'" + w + "'" for w in ("shipskip",) + words)
        prog = (f"source '{script}'\nCOMP_WORDS=({quoted})\n"
                "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n_shipskip\n"
                'printf "%s\\n" "${COMPREPLY[@]}"\n')
        res = subprocess.run(["bash", "-c", prog], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual((res.returncode, res.stderr), (0, ""))
        return [w for w in res.stdout.split("\n") if w]

    def test_bash_completes_commands_options_and_values(self):
        self.assertEqual(self.complete("re"), ["review"])
        self.assertEqual(self.complete("fixtures", ""),
                         ["check", "list", "--help"])
        self.assertEqual(self.complete("review", "--conc"),
                         ["--concurrency"])
        self.assertEqual(self.complete("review", "--rubric", "s"),
                         ["strict"])
        self.assertEqual(self.complete("compare", "--format", ""),
                         ["html", "md", "json"])
        self.assertEqual(self.complete("help", "fi"), ["fixtures"])
        # A directory option completes directories only; a number nothing.
        self.assertEqual(self.complete("review", "--personas-dir", "pers"),
                         ["personas"])
        self.assertEqual(self.complete("review", "--prompts-dir", "RE"), [])
        self.assertEqual(self.complete("review", "--concurrency", ""), [])

    def test_bash_offers_each_command_exactly_its_own_options(self):
        for cmd in commands():
            with self.subTest(cmd=cmd):
                helptext = run(BIN, *cmd, "--help").stdout
                want = {o for pair in options_in_help(helptext)
                        for o in pair if o} | {"--help"}
                got = self.complete(*cmd, "-")
                self.assertEqual(sorted(got), sorted(want))

    def test_zsh_covers_every_command_and_option(self):
        with open(os.path.join(BUILD, "doc", "_shipskip")) as f:
            zsh = f.read()
        self.assertTrue(zsh.startswith("#compdef shipskip\n"))
        for cmd in commands():
            with self.subTest(cmd=cmd):
                branch = zsh.split('"' + " ".join(cmd) + '")', 1)[1]
                branch = branch.split(";;", 1)[0]
                for short, long in options_in_help(
                        run(BIN, *cmd, "--help").stdout):
                    self.assertRegex(branch, r"'\*?" + re.escape(long)
                                     + r"[=\[]")
        if shutil.which("zsh"):
            # Where zsh is installed: the file parses, and a command's (or
            # a group's subcommand's) options reach _arguments with the
            # words shifted as _arguments expects (stand-ins print them).
            prog = (
                "_arguments() { print -r -- \"$words[1] $CURRENT $4\" }\n"
                "_describe() { :; }\n"
                f"source '{os.path.join(BUILD, 'doc', '_shipskip')}'\n"
                "words=(shipskip review --rubric ''); CURRENT=4; _shipskip\n"
                "words=(shipskip personas check --); CURRENT=4; _shipskip\n")
            res = subprocess.run(["zsh", "-c", prog], capture_output=True,
                                 text=True, timeout=60)
            self.assertEqual((res.returncode, res.stderr), (0, ""))
            self.assertEqual(res.stdout.splitlines()[-2:], [
                "review 3 --output=[write <slug>.json and <slug>.md "
                "here]:DIR:_files -/",
                "check 2 --replies=[check the model replies DIR/<slug>/"
                "<persona>\\[.<label>\\].txt]:DIR:_files -/"])


class TestInstalled(InstallCase):

    def install(self):
        prefix = os.path.join(self.tmp, "p")
        res = subprocess.run(["cmake", "--install", BUILD, "--prefix",
                              prefix], capture_output=True, text=True,
                             timeout=120)
        self.assertEqual(res.returncode, 0, res.stderr)
        return prefix

    def test_install_lays_out_binary_data_man_page_and_completions(self):
        p = self.install()
        for rel in ["bin/shipskip", "share/man/man1/shipskip.1",
                    "share/bash-completion/completions/shipskip",
                    "share/zsh/site-functions/_shipskip",
                    "share/shipskip/prompts/system.txt",
                    "share/shipskip/prompts/user.txt",
                    "share/shipskip/prompts/reask.txt",
                    "share/shipskip/prompts/injection-patterns.txt"] + [
                        f"share/shipskip/personas/{n}.json"
                        for n in PERSONAS]:
            self.assertTrue(os.path.isfile(os.path.join(p, rel)), rel)
        self.assertTrue(os.access(os.path.join(p, "bin/shipskip"), os.X_OK))

    def test_installed_binary_run_from_elsewhere_replays_and_reviews(self):
        p = self.install()
        binary = os.path.join(p, "bin", "shipskip")
        listed = run(binary, "personas", "list", cwd=self.empty).stdout
        self.assertIn("(order 10, " + os.path.realpath(p)
                      + "/share/shipskip/personas/builder.json)", listed)
        out = os.path.join(self.tmp, "installed")
        run(binary, "review", TOOLS, "-o", out, "--replay", EXCHANGES, "-q",
            cwd=self.empty)
        self.assertSameScorecards(out, self.replay_in_tree())
        srv_dir = os.path.join(self.tmp, "server")
        os.mkdir(srv_dir)
        server = FakeServer(srv_dir)
        self.addCleanup(server.stop)
        server.wait_ready()
        live = os.path.join(self.tmp, "live")
        run(binary, "review", os.path.join(TOOLS, "offshoot.json"), "-o",
            live, "--base-url", f"http://127.0.0.1:{server.port}/v1", "-q",
            cwd=self.empty)
        self.assertEqual(scorecards(live), ["offshoot.json", "offshoot.md"])
        self.assertGreaterEqual(len(server.log()), len(PERSONAS))


class TestAlone(InstallCase):

    def alone(self):
        """The binary copied alone into an otherwise empty tree."""
        bindir = os.path.join(self.tmp, "alone", "bin")
        os.makedirs(bindir)
        shutil.copy2(BIN, bindir)
        return os.path.join(bindir, "shipskip")

    def test_binary_alone_uses_its_built_in_panel_and_prompts(self):
        binary = self.alone()
        listed = run(binary, "personas", "list", cwd=self.empty).stdout
        for n in PERSONAS:
            self.assertIn(f", embedded:personas/{n}.json)\n", listed)
        # The built-in copy is the tree's: the same listing, the same
        # prompts, and the same scorecards from the same exchanges.
        in_tree = run(BIN, "personas", "list").stdout
        self.assertEqual(listed.replace("embedded:", ""), in_tree)
        tool = os.path.join(TOOLS, "flintest.json")
        self.assertEqual(run(binary, "prompts", tool, cwd=self.empty).stdout,
                         run(BIN, "prompts", tool).stdout)
        out = os.path.join(self.tmp, "alone-out")
        run(binary, "review", TOOLS, "-o", out, "--replay", EXCHANGES, "-q",
            cwd=self.empty)
        self.assertSameScorecards(out, self.replay_in_tree())

    def test_a_directory_given_or_found_overrides_the_built_in_copy(self):
        binary = self.alone()
        mine = os.path.join(self.tmp, "mine")
        shutil.copytree(os.path.join(REPO, "personas"), mine)
        os.remove(os.path.join(mine, "futurist.json"))
        listed = run(binary, "personas", "list", "--personas-dir", mine,
                     cwd=self.empty).stdout
        self.assertIn(f"(order 10, {mine}/builder.json)", listed)
        self.assertNotIn("futurist", listed)
        shutil.copytree(mine, os.path.join(self.empty, "personas"))
        listed = run(binary, "personas", "list", cwd=self.empty).stdout
        self.assertIn("(order 10, personas/builder.json)", listed)
        self.assertNotIn("embedded", listed)

    def test_data_beside_the_build_tree_prints_as_a_clean_path(self):
        listed = run(BIN, "personas", "list", cwd=self.empty).stdout
        self.assertIn(f"(order 20, {REPO}/personas/skeptic.json)", listed)
        self.assertNotIn("/../", listed)


if __name__ == "__main__":
    unittest.main()
