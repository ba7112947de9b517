#!/usr/bin/env python3
"""test_docs.py: every command the README and docs/*.md show runs as written.

It extracts the shell blocks of README.md and docs/*.md, runs them with bash
from a scratch copy of the repository, against the fake LLM server
(tests/fake_llm.py) and never the network, and compares the output a block
shows with what the commands print now. A failure names the file, the line
and the command, with a diff for an output that differs.

How to write a doc block so that it is tested
---------------------------------------------
Blocks this test reads (fences of three or more backticks, indented or not):

* ```sh, ```bash, ```shell: a *script*. The whole block runs with
  `bash -e -o pipefail`; it fails if any command fails. Its output is not
  compared, unless the next fenced block is marked as its output (below).
* ```console, or any fence (also ```sh or a bare ```) whose first non-blank
  line starts with `$ `: a *session*. Each `$ cmd` line (continued on the
  next line when it ends with `\\`) runs in one bash process, in order, so
  `cd`, variables and `$?` carry from one to the next. The lines after a
  command, up to the next `$ `, are its expected output: stdout and stderr
  together, as a terminal shows them. A command that exits non-zero fails
  the test unless the next command is `echo $?`, which then shows the code.
* Any other fence (```json, ```text, ```ini, a bare ``` without `$ `) is not
  run. Write a command synopsis (`shipskip diff A.json B.json [...]`) as
  ```text: it is not a command.

Markers, an HTML comment on the line just before the fence (blank lines in
between are allowed; the comment is invisible on GitHub):

* `<!-- docs-test: skip REASON -->`: do not run the next block. Only for
  what truly cannot run offline in a scratch tree (a real provider's API, a
  package install, the test suite itself). The test prints every skip with
  its reason; a skip without a reason is an error.
* `<!-- docs-test: output -->`: the next block (any language) is the
  expected output (stdout and stderr together) of the script block just
  before it in the same file.
* `<!-- docs-test: file PATH -->`: the next block (any language) is written,
  as shown, to PATH (relative to the scratch copy) when the sequence
  reaches it; for a file the prose shows and a later command uses ("with
  this file as `new/critic.json`:").
* A hidden setup step, run in its place in the sequence and never shown:
      <!-- docs-test: run
      sed -i 's/55\\/100 · skip/65\\/100 · ship/' out/code-llama-4.md
      -->
  or on one line, `<!-- docs-test: run CMD -->`. It runs like a script
  block (`bash -e`), its output unchecked.
  Use it for what the prose says a person does by hand (an edit, a file
  they would have); prefer a visible command the reader can copy.

Expected output may elide: a line that is `...` (after stripping), or
`...` followed by a note in parentheses (`  ... (15 more replies)`),
matches any number of lines, including none.

The environment the blocks run in
---------------------------------
* Working directory: a scratch copy of the repository (on /dev/shm when it
  is writable, else under TMPDIR: the files
  `git ls-files -co --exclude-standard` lists, as they are in the working
  tree), one copy per Markdown file; the blocks of one file run in order in
  the same copy, so a later block sees what an earlier one wrote (`out/`).
  Different files run in parallel.
* `build/shipskip` in the copy is a symbolic link to the binary under test
  (SHIPSKIP_BIN), and `build/` is first on PATH, so both `./build/shipskip`
  and `shipskip` work. `scripts/setup.sh` in the copy is a stand-in that
  builds nothing (the binary is already built), so `scripts/demo.sh` and
  `scripts/try-live.sh` run as written.
* The fake LLM server runs on a free port for the whole test; its URL is in
  `$SHIPSKIP_DOCS_FAKE` (`http://127.0.0.1:PORT`). OPENAI_BASE_URL is
  `$SHIPSKIP_DOCS_FAKE/v1`; the other providers' variables (ANTHROPIC_BASE_URL,
  GEMINI_BASE_URL, MISTRAL_BASE_URL, OLLAMA_HOST) are unset, so a block that
  uses another provider sets its own, e.g.
  `ANTHROPIC_BASE_URL=$SHIPSKIP_DOCS_FAKE shipskip review ...`.
  OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY and MISTRAL_API_KEY hold
  placeholders; a block's own `export OPENAI_API_KEY=...` (a literal `...`)
  is a placeholder the fake server accepts as well.
* No network: HTTP_PROXY, HTTPS_PROXY and ALL_PROXY point at a closed
  loopback port and NO_PROXY is `127.0.0.1,localhost`, so any request that
  is not for the fake server fails at once instead of leaving the machine.
* HOME and TMPDIR are directories inside the scratch copy; TZ=UTC,
  LANG=LC_ALL=C.UTF-8, TERM=dumb, and no other variable of the caller's
  but PATH (after build/) and the sanitizers' ASAN/UBSAN/LSAN_OPTIONS.
* Each block (or session) has 60 s, in its own process group: what it
  leaves running (a server started with `&`) is killed when it ends.

Normalised before comparing, on both sides, and nothing else: the scratch
copy's path (shown as `.`); ISO 8601 UTC timestamps (`2026-11-21T07:41:31Z`
→ `<TIME>`); the fake server's port (`127.0.0.1:PORT`); durations printed
as a number followed by `ms` or `s` (`0.02 s`, `20 ms` → `<DUR>`); trailing
spaces at the end of a line.

Environment of the test itself: SHIPSKIP_BIN (the binary, default
<repo>/build/shipskip), SK_SOURCE_DIR (the repository, default this file's
parent); `python3 tests/test_docs.py FILE.md...` runs only those files.
"""
import concurrent.futures
import difflib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.realpath(os.environ.get(
    "SK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..")))
BIN = os.path.abspath(os.environ.get(
    "SHIPSKIP_BIN", os.path.join(REPO, "build", "shipskip")))
FAKE = os.path.join(REPO, "tests", "fake_llm.py")
BLOCK_TIMEOUT = 60

SCRIPT_LANGS = {"sh", "bash", "shell"}
SESSION_LANGS = {"console"}
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")
MARKER = re.compile(r"^\s*<!--\s*docs-test:\s*([a-z]+)\b\s*(.*?)\s*(-->)?\s*$")
ELISION = re.compile(r"^\s*\.\.\.(\s+\(.*\))?\s*$")
SEP = "\x1edocs-test-cmd "


class Block:
    """One unit to run: a script, a session, a hidden step, or a skip."""

    def __init__(self, path, line, kind, body, lang=""):
        self.path = path      # the Markdown file, relative to the repo
        self.line = line      # 1-based line of the opening fence
        self.kind = kind      # script | session | hidden | file | skip
        self.body = body      # list of lines, dedented
        self.lang = lang
        self.reason = ""      # for a skip
        self.expect = None    # expected output lines for a script block
        self.expect_line = 0

    def where(self):
        return f"{self.path}:{self.line}"


def dedent(lines, indent):
    """Strips the fence's indentation (list items indent their blocks)."""
    out = []
    for ln in lines:
        if ln[:len(indent)].strip() == "":
            out.append(ln[len(indent):])
        else:
            out.append(ln.lstrip())
    return out


def is_session(lines):
    for ln in lines:
        if ln.strip():
            return ln.lstrip().startswith("$ ")
    return False


def parse(path, text):
    """Returns (blocks, errors) for one Markdown file, in document order."""
    lines = text.split("\n")
    blocks, errors = [], []
    pending = None  # (kind, reason, line) of a marker awaiting its fence
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = MARKER.match(ln)
        if m:
            kind, rest, closed = m.group(1), m.group(2), m.group(3)
            if kind == "run":
                body, j = ([rest] if rest else []), i
                if not closed:
                    j += 1
                    while j < len(lines) and "-->" not in lines[j]:
                        body.append(lines[j])
                        j += 1
                    if j == len(lines):
                        errors.append(f"{path}:{i + 1}: run marker never "
                                      "closed with -->")
                    elif lines[j].split("-->")[0].strip():
                        body.append(lines[j].split("-->")[0])
                blocks.append(Block(path, i + 1, "hidden", body))
                i = j + 1
                continue
            if kind not in ("skip", "output", "file") or not closed:
                errors.append(f"{path}:{i + 1}: unknown or unclosed marker "
                              f"{ln.strip()!r} (skip REASON, output, "
                              "file PATH, run)")
            elif kind in ("skip", "file") and not rest:
                errors.append(f"{path}:{i + 1}: a {kind} marker needs "
                              f"{'a reason' if kind == 'skip' else 'a PATH'}")
            else:
                pending = (kind, rest, i + 1)
            i += 1
            continue
        f = FENCE.match(ln)
        if not f:
            if ln.strip() and pending:
                errors.append(f"{path}:{pending[2]}: marker is not followed "
                              "by a fenced block")
                pending = None
            i += 1
            continue
        indent, fence, lang = f.group(1), f.group(2), f.group(3).lower()
        j = i + 1
        close = re.compile(r"^\s*" + re.escape(fence[0]) + "{" +
                           str(len(fence)) + r",}\s*$")
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        body = dedent(lines[i + 1:j], indent)
        blocks_before = len(blocks)
        add_block(path, i + 1, lang, body, pending, blocks, errors)
        if pending and len(blocks) == blocks_before and pending[0] == "skip":
            errors.append(f"{path}:{pending[2]}: skip marker before a block "
                          "that is not run anyway")
        pending = None
        i = j + 1
    return blocks, errors


def add_block(path, line, lang, body, marker, blocks, errors):
    """Classifies one fenced block and appends what is to be run."""
    kind = marker[0] if marker else None
    if kind == "output":
        prev = blocks[-1] if blocks else None
        if not prev or prev.kind != "script" or prev.expect is not None:
            errors.append(f"{path}:{line}: output block does not follow a "
                          "sh/bash block of its own")
            return
        prev.expect, prev.expect_line = body, line + 1
        return
    if kind == "file":
        b = Block(path, line, "file", body, lang)
        b.reason = marker[1]
        blocks.append(b)
        return
    runnable = (lang in SCRIPT_LANGS or lang in SESSION_LANGS or
                (lang == "" and is_session(body)))
    if not runnable:
        return
    b = Block(path, line, "session" if (lang in SESSION_LANGS or
                                          is_session(body)) else "script",
              body, lang)
    if kind == "skip":
        b.kind, b.reason = "skip", marker[1]
    blocks.append(b)


def session_steps(block):
    """Splits a session into [(line, command, expected lines)]."""
    steps = []
    lines = block.body
    k = 0
    while k < len(lines):
        ln = lines[k]
        if ln.startswith("$ "):
            cmd, start = ln[2:], block.line + 1 + k
            while cmd.endswith("\\") and k + 1 < len(lines):
                k += 1
                nxt = lines[k]
                cmd += "\n" + (nxt[2:] if nxt.startswith("> ") else nxt)
            steps.append([start, cmd, []])
        elif steps:
            steps[-1][2].append(ln)
        elif ln.strip():
            steps.append([block.line + 1 + k, None, [ln]])
        k += 1
    for s in steps:
        while s[2] and not s[2][-1].strip():
            s[2].pop()
    return steps


# --- output comparison -----------------------------------------------------

def normalise(text, scratch, port):
    text = text.replace(scratch + "/", "./").replace(scratch, ".")
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<TIME>", text)
    text = text.replace(f"127.0.0.1:{port}", "127.0.0.1:PORT")
    text = re.sub(r"\b\d+(\.\d+)? ?(ms|s)\b", "<DUR>", text)
    return [ln.rstrip() for ln in text.split("\n")]


def matches(expected, actual):
    """True if actual fits expected, where a `...` line matches any lines."""
    if not expected:
        return not actual
    if ELISION.match(expected[0]):
        return any(matches(expected[1:], actual[k:])
                   for k in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and \
        matches(expected[1:], actual[1:])


def compare(expected, actual_text, scratch, port):
    """Returns None when they match, else a unified diff."""
    exp = normalise("\n".join(expected), scratch, port)
    act = normalise(actual_text, scratch, port)
    while act and not act[-1]:
        act.pop()
    while exp and not exp[-1]:
        exp.pop()
    if matches(exp, act):
        return None
    return "\n".join(difflib.unified_diff(exp, act, "shown in the doc",
                                          "printed now", lineterm=""))


# --- running ---------------------------------------------------------------

def make_template(parent):
    """Copies the repository's files (tracked and untracked, not ignored,
    as they are in the working tree) into parent/template, once."""
    root = os.path.join(parent, "template")
    os.makedirs(root)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard",
                            "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout
    keep = b"\0".join(p for p in files.split(b"\0") if p and
                      os.path.isfile(os.path.join(REPO, p.decode())) and
                      not p.startswith(b"build/"))
    pack = subprocess.Popen(["tar", "--null", "-T", "-", "-cf", "-"], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    unpack = subprocess.Popen(["tar", "-xf", "-"], cwd=root, stdin=pack.stdout)
    pack.stdout.close()
    pack.communicate(keep)
    if pack.wait() or unpack.wait():
        raise SystemExit("test_docs: copying the repository failed")
    return root


def make_scratch(template, parent, name):
    """Copies the template into parent/name and sets up build/, the setup.sh
    stand-in, HOME and TMPDIR; returns its real path."""
    root = os.path.join(parent, name)
    subprocess.run(["cp", "-a", template, root], check=True)
    for d in ("build", "home", "tmp"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    os.symlink(BIN, os.path.join(root, "build", "shipskip"))
    with open(os.path.join(root, "scripts", "setup.sh"), "w") as f:
        f.write("#!/usr/bin/env bash\n# test_docs.py stand-in: build/shipskip"
                " is already built.\nexit 0\n")
    return os.path.realpath(root)


def environment(root, fake_url):
    env = {
        "PATH": os.path.join(root, "build") + ":" +
        os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.path.join(root, "home"),
        "TMPDIR": os.path.join(root, "tmp"),
        "TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "dumb",
        "SHIPSKIP_DOCS_FAKE": fake_url,
        "OPENAI_BASE_URL": fake_url + "/v1",
        "OPENAI_API_KEY": "docs-test-openai-key",
        "ANTHROPIC_API_KEY": "docs-test-anthropic-key",
        "GEMINI_API_KEY": "docs-test-gemini-key",
        "MISTRAL_API_KEY": "docs-test-mistral-key",
    }
    for v in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[v] = env[v.lower()] = "http://127.0.0.1:9"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    for v in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if v in os.environ:   # settings of the binary under test
            env[v] = os.environ[v]
    return env


def run_bash(script, root, env):
    """Runs script with bash in root; returns (exit code or None on timeout,
    stdout and stderr together). The block runs in its own process group,
    and whatever it left running (a server started with `&`) is killed
    when bash ends, so nothing outlives its block; output goes to a file,
    not a pipe, so such a leftover cannot hold the test up."""
    with tempfile.TemporaryFile(dir=env["TMPDIR"]) as out:
        proc = subprocess.Popen(["bash", "-c", script], cwd=root, env=env,
                                stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)
        # Wait without reaping (WNOWAIT): while bash is a zombie its pid,
        # which is the group's id, cannot be reused, so killpg below can
        # only reach what this block started.
        deadline = time.monotonic() + BLOCK_TIMEOUT
        exited = None
        while exited is None and time.monotonic() < deadline:
            exited = os.waitid(os.P_PID, proc.pid,
                               os.WEXITED | os.WNOHANG | os.WNOWAIT)
            if exited is None:
                time.sleep(0.02)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        rc = proc.wait() if exited is not None else None
        if rc is None:
            proc.wait()
        out.seek(0)
        return rc, out.read().decode("utf-8", "replace")


def run_script(b, root, env, port):
    """Runs a script block; returns (compared, [failure messages])."""
    script = "set -e -o pipefail\n" + "\n".join(b.body) + "\n"
    rc, out = run_bash(script, root, env)
    first = next((ln for ln in b.body if ln.strip() and
                  not ln.lstrip().startswith("#")), "")
    if rc != 0:
        what = "timed out" if rc is None else f"exit {rc}"
        return False, [f"{b.where()}: block {what}: {first}\n"
                       + indent_text(out)]
    if b.expect is None:
        return False, []
    d = compare(b.expect, out, root, port)
    if d:
        return True, [f"{b.path}:{b.expect_line}: output of the block at line "
                      f"{b.line} ({first}) differs:\n{d}"]
    return True, []


def run_session(b, root, env, port):
    """Runs a `$` session in one bash; returns (compared, failures)."""
    steps = session_steps(b)
    if steps and steps[0][1] is None:
        return False, [f"{b.path}:{steps[0][0]}: output before any `$ ` "
                       "command"]
    parts = []
    for n, (_, cmd, _) in enumerate(steps):
        parts.append(f"__rc=$?; printf '\\n{SEP}{n} %d\\n' \"$__rc\"; "
                     f"(exit $__rc)\n{cmd}")
    parts.append(f"__rc=$?; printf '\\n{SEP}end %d\\n' \"$__rc\"")
    rc, out = run_bash("\n".join(parts) + "\n", root, env)
    chunks = out.split("\n" + SEP)[1:]
    outputs, codes = {}, {}
    for c in chunks:
        head, _, rest = c.partition("\n")
        tag, _, code = head.partition(" ")
        outputs[tag] = rest
        codes[tag] = int(code) if code.isdigit() else None
    fails, compared = [], False
    for n, (line, cmd, expect) in enumerate(steps):
        nxt = str(n + 1) if n + 1 < len(steps) else "end"
        shown = cmd.replace("\n", " ")
        if str(n) not in outputs:
            fails.append(f"{b.path}:{line}: `{shown}` never ran "
                         f"(session {'timed out' if rc is None else 'ended'})"
                         f"\n" + indent_text(out))
            break
        code = codes.get(nxt)
        next_cmd = steps[n + 1][1].strip() if n + 1 < len(steps) else ""
        if code and next_cmd != "echo $?":
            fails.append(f"{b.path}:{line}: `{shown}` exit {code}:\n"
                         + indent_text(outputs[str(n)]))
        compared = True
        d = compare(expect, outputs[str(n)], root, port)
        if d:
            fails.append(f"{b.path}:{line}: output of `{shown}` differs:\n{d}")
    return compared, fails


def indent_text(s, limit=40):
    lines = s.rstrip("\n").split("\n")
    if len(lines) > limit:
        lines = lines[:limit // 2] + ["    [...]"] + lines[-limit // 2:]
    return "\n".join("    | " + ln for ln in lines)


def run_file(path, blocks, files, tmp, fake_url, port):
    """Runs one Markdown file's blocks in order; returns a stats dict."""
    t0 = time.monotonic()
    root = make_scratch(files, tmp, path.replace("/", "_"))
    env = environment(root, fake_url)
    st = {"run": 0, "compared": 0, "hidden": 0, "failures": [],
          "times": [(time.monotonic() - t0, path + " (scratch copy)")]}
    for b in blocks:
        if b.kind == "skip":
            continue
        if b.kind == "file":
            dst = os.path.join(root, b.reason)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "w", encoding="utf-8") as f:
                f.write("\n".join(b.body) + "\n")
            st["hidden"] += 1
            continue
        if b.kind == "hidden":
            st["hidden"] += 1
            rc, out = run_bash("set -e -o pipefail\n" + "\n".join(b.body),
                               root, env)
            if rc != 0:
                st["failures"].append(f"{b.where()}: hidden step failed:\n"
                                      + indent_text(out))
            continue
        st["run"] += 1
        runner = run_session if b.kind == "session" else run_script
        t0 = time.monotonic()
        compared, fails = runner(b, root, env, port)
        st["times"].append((time.monotonic() - t0, b.where()))
        st["compared"] += compared
        st["failures"] += fails
    return st


def start_fake(tmp):
    port_file = os.path.join(tmp, "fake.port")
    proc = subprocess.Popen([sys.executable, FAKE, "--port", "0",
                             "--port-file", port_file],
                            stdin=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file):
            with open(port_file) as f:
                return proc, int(f.read().strip())
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("test_docs: the fake LLM server did not start")


def scratch_parent():
    """tmpfs when there is one: the scratch copies are ~1,000 small files
    each, and creating them on a busy disk took 5-10 s per copy."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return None


def doc_files(argv):
    if argv:
        return argv
    docs = sorted(f for f in os.listdir(os.path.join(REPO, "docs"))
                  if f.endswith(".md"))
    return ["README.md"] + ["docs/" + f for f in docs]


SELF_DOC = """# self-test
```sh
printf 'a\\nb\\n'
```
<!-- docs-test: output -->
```
not what it prints
```
<!-- docs-test: skip
```sh
true
```
```text
shipskip diff A.json B.json [--format text]
```
```bash
sleep 300 & echo $! > sleep.pid
```
<!-- docs-test: run echo '{"y": 1}' > new-y.txt -->
<!-- docs-test: file new/y.txt -->
```json
{"y": 1}
```
```
$ cat new/y.txt
{"y": 2}
$ false
$ ls nope
ls: cannot access 'nope': No such file or directory
$ echo $?
2
```
"""


def self_test(tmp, fake_url, port):
    """Checks the runner on a small document with known faults, so that a
    runner that passes everything cannot pass this test. Returns errors."""
    bad = []
    blocks, errors = parse("SELF.md", SELF_DOC)
    kinds = [b.kind for b in blocks]
    if kinds != ["script", "script", "script", "hidden", "file", "session"]:
        bad.append(f"blocks parsed as {kinds}")
    if not any("SELF.md:9: unknown or unclosed marker" in e for e in errors):
        bad.append(f"unclosed skip marker not reported: {errors}")
    if not matches(["a", "...", "z"], ["a", "b", "c", "z"]) or \
            not matches(["  ... (2 more)"], []) or matches(["a"], ["a", "b"]):
        bad.append("elision does not match as documented")
    os.makedirs(os.path.join(tmp, "self"))
    template = os.path.join(tmp, "self", "t")
    os.makedirs(os.path.join(template, "scripts"))
    st = run_file("SELF.md", blocks, template, os.path.join(tmp, "self"),
                  fake_url, port)
    want = ["SELF.md:7: output of the block at line 2 (printf",
            "-not what it prints\n+a\n+b",
            "SELF.md:25: output of `cat new/y.txt` differs",
            "-{\"y\": 2}\n+{\"y\": 1}",
            "SELF.md:27: `false` exit 1"]
    got = "\n".join(st["failures"])
    bad += [f"no failure {w!r} in:\n{got}" for w in want if w not in got]
    if "ls nope" in got or len(st["failures"]) != 3:
        bad.append(f"expected exactly 3 failures, got:\n{got}")
    if not os.path.exists(os.path.join(tmp, "self", "SELF.md", "new-y.txt")):
        bad.append("the one-line run marker did not run")
    with open(os.path.join(tmp, "self", "SELF.md", "sleep.pid")) as f:
        pid = f.read().strip()
    time.sleep(0.2)
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().split(") ")[1][0] != "Z":
                bad.append(f"`sleep 300 &` (pid {pid}) outlived its block")
    except FileNotFoundError:
        pass
    return bad


def main(argv):
    started = time.monotonic()
    if not os.access(BIN, os.X_OK):
        print(f"test_docs: no binary at {BIN} (set SHIPSKIP_BIN)")
        return 1
    missing = [t for t in ("bash", "tar", "cp", "git", "jq")
               if not shutil.which(t)]
    if missing:
        print(f"test_docs: the docs' blocks need {', '.join(missing)} "
              "(scripts/setup.sh installs them)")
        return 1
    parsed, errors = {}, []
    for path in doc_files(argv):
        with open(os.path.join(REPO, path), encoding="utf-8") as f:
            blocks, errs = parse(path, f.read())
        parsed[path], errors = blocks, errors + errs
    all_blocks = [b for bs in parsed.values() for b in bs]
    skips = [b for b in all_blocks if b.kind == "skip"]
    with tempfile.TemporaryDirectory(prefix="sk-docs-", dir=scratch_parent()) as tmp:
        files = make_template(tmp)
        fake, port = start_fake(tmp)
        try:
            url = f"http://127.0.0.1:{port}"
            errors += ["runner self-test: " + e
                       for e in self_test(tmp, url, port)]
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
                futs = {p: ex.submit(run_file, p, bs, files, tmp, url, port)
                        for p, bs in parsed.items() if bs}
                stats = {p: f.result() for p, f in futs.items()}
        finally:
            fake.terminate()
            fake.wait()
    n_run = sum(s["run"] for s in stats.values())
    n_cmp = sum(s["compared"] for s in stats.values())
    n_hidden = sum(s["hidden"] for s in stats.values())
    fails = errors + [m for s in stats.values() for m in s["failures"]]
    print(f"test_docs: {len(all_blocks) - n_hidden} shell blocks in "
          f"{len(parsed)} files: {n_run} run, {n_cmp} with output compared, "
          f"{len(skips)} skipped; {n_hidden} hidden steps and files "
          f"({time.monotonic() - started:.1f} s)")
    for b in skips:
        print(f"  skipped {b.where()}: {b.reason}")
    slow = sorted((t for s in stats.values() for t in s["times"]), reverse=True)
    print("  slowest: " + ", ".join(f"{w} {t:.1f} s" for t, w in slow[:4]))
    for m in fails:
        print("FAIL " + m)
    print(f"test_docs: {'FAILED, ' + str(len(fails)) + ' failures' if fails else 'ok'}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
