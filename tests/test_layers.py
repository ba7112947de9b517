#!/usr/bin/env python3
"""test_layers.py: the folders of src/ are layers, and calls go one way.

src/CMakeLists.txt says which folder's library links which (the one source
of truth). This test checks two things against it:
  1. every #include "shipskip/<folder>/..." in src/<f>/ and include/shipskip/<f>/
     names <f> itself or a folder <f> links, directly or through another;
  2. the build really refuses a wrong-way call: an object in util that calls
     the review engine, linked the way the layer_check_util target links,
     fails with an undefined reference, while the same program without the
     wrong-way object links;
  3. nothing below the CLI prints: no .c file outside src/cli calls
     fprintf/fputs/puts/printf/putchar (or their v- and perror kin) or names
     stdout or stderr. Messages leave through callbacks the CLI renders;
     only FILE*s opened for reading remain below it.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

SRC = os.environ.get("SK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.environ.get("SK_BUILD_DIR")
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def link_graph():
    text = open(os.path.join(SRC, "src", "CMakeLists.txt")).read()
    direct = {}
    for m in re.finditer(r"target_link_libraries\(sk_(\w+) PUBLIC([^)]*)\)", text):
        direct[m.group(1)] = set(re.findall(r"\bsk_(\w+)", m.group(2)))
    closure = {}
    for layer in direct:
        seen, todo = set(), [layer]
        while todo:
            for dep in direct.get(todo.pop(), ()):
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        closure[layer] = seen | {layer}
    closure["cli"] = set(direct) | {"cli"}
    return closure


def check_includes(closure):
    folders = [d for d in os.listdir(os.path.join(SRC, "src"))
               if os.path.isdir(os.path.join(SRC, "src", d))]
    if sorted(folders) != sorted(closure):
        fail(f"src/ folders {sorted(folders)} differ from the libraries "
             f"in src/CMakeLists.txt {sorted(closure)}")
    checked = 0
    paths = glob.glob(os.path.join(SRC, "src", "*", "*.c")) + \
        glob.glob(os.path.join(SRC, "include", "shipskip", "*", "*.h"))
    for path in paths:
        layer = os.path.basename(os.path.dirname(path))
        for used in re.findall(r'#include "shipskip/(\w+)/', open(path).read()):
            checked += 1
            if used not in closure.get(layer, ()):
                fail(f"{os.path.relpath(path, SRC)} includes shipskip/{used}/: "
                     f"{layer} may use only {sorted(closure[layer])}")
    if checked < 100:
        fail(f"only {checked} includes found: is the tree laid out as expected?")
    print(f"includes: {checked} checked in {len(paths)} files")


def try_link(extra_sources, tmp):
    """Links an empty main plus extra_sources against util alone, as
    layer_check_util does; returns (returncode, output)."""
    util = os.path.join(BUILD, "src", "libsk_util.a")
    main = os.path.join(tmp, "main.c")
    with open(main, "w") as f:
        f.write("int main(void) { return 0; }\n")
    cache = open(os.path.join(BUILD, "CMakeCache.txt")).read()
    flags = []
    if re.search(r"^SHIPSKIP_(SANITIZE|FUZZ):BOOL=ON", cache, re.M):
        flags = ["-fsanitize=address,undefined"]
    cmd = ["cc", "-o", os.path.join(tmp, "prog"), main] + flags + extra_sources + [
        "-Wl,--whole-archive", util, "-Wl,--no-whole-archive", "-lcjson", "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    return res.returncode, res.stdout + res.stderr


def check_wrong_way_link():
    if not BUILD or not os.path.exists(os.path.join(BUILD, "src", "libsk_util.a")):
        fail("SK_BUILD_DIR does not hold src/libsk_util.a")
        return
    with tempfile.TemporaryDirectory() as tmp:
        rc, out = try_link([], tmp)
        if rc != 0:
            fail(f"util alone does not link:\n{out}")
        bad = os.path.join(tmp, "wrongway.c")
        with open(bad, "w") as f:
            f.write("int sk_engine_run(void);\n"
                    "int wrong_way(void);\n"
                    "int wrong_way(void) { return sk_engine_run(); }\n")
        rc, out = try_link([bad], tmp)
        if rc == 0 or "undefined reference to `sk_engine_run'" not in out:
            fail(f"a call from util into the engine linked (rc={rc}):\n{out}")
        else:
            print("wrong-way call: refused at link time, as it should be")


PRINTS = re.compile(r"\b(?:v?f?printf|fputs|puts|putchar|perror)\s*\(|"
                    r"\b(?:stdout|stderr)\b")


def strip_comments(text):
    """The code of a C file without its comments, which may say stderr."""
    # Each comment keeps its newlines, so line numbers stay true.
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def check_nothing_prints_below_cli():
    # The pattern must catch what it is for, and not the buffer printers.
    for code, hits in (('fprintf(stderr, "x");', True), ("puts(s);", True),
                       ("f(stdout);", True), ("putchar('x');", True),
                       ("snprintf(b, n, s);", False),
                       ("sk_buf_printf(&b, s);", False)):
        if bool(PRINTS.search(code)) != hits:
            fail(f"the print pattern is wrong about {code!r}")
    checked = 0
    for path in sorted(glob.glob(os.path.join(SRC, "src", "*", "*.c"))):
        if os.path.basename(os.path.dirname(path)) == "cli":
            continue
        checked += 1
        code = strip_comments(open(path).read())
        for lineno, line in enumerate(code.split("\n"), 1):
            m = PRINTS.search(line)
            if m:
                fail(f"{os.path.relpath(path, SRC)}:{lineno}: prints below "
                     f"the CLI ({m.group(0).rstrip('( ')}): use a callback")
    if checked < 40:
        fail(f"only {checked} files below the CLI: is the tree as expected?")
    print(f"printing: {checked} files below the CLI print nothing")


closure = link_graph()
for layer in sorted(closure):
    print(f"{layer}: may use {sorted(closure[layer] - {layer})}")
check_includes(closure)
check_wrong_way_link()
check_nothing_prints_below_cli()
print(f"{0 if failures else 1} passed, {failures} failed")
sys.exit(1 if failures else 0)
