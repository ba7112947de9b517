"""test_debian_slugs.py: distinct names get distinct slugs, on real data.

Reads every package name from the machine's Debian package descriptions
(/var/lib/apt/lists/*Translation-en*, decompressed by apt-helper cat-file;
`apt-get update -o Acquire::Languages=en` fetches them), and claims each
name's slug as a batch does (tests/slugs_claim.c). Package names such as
libflac++-dev and libflac-dev, or gobjc++-12 and gobjc-12, once folded to
one slug and cost a tool; now none may. Prints the count of names that
would have lost their tool under the old rule (every run of anything but an
ASCII letter or digit one '-') beside today's, for the record.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

APT_HELPER = "/usr/lib/apt/apt-helper"


def package_names():
    names = set()
    for path in sorted(glob.glob("/var/lib/apt/lists/*Translation-en*")):
        out = subprocess.run([APT_HELPER, "cat-file", path], check=True,
                             capture_output=True).stdout
        for m in re.finditer(rb"^Package: (\S+)$", out, re.M):
            names.add(m.group(1).decode())
    return sorted(names)


def old_slug(name):
    """The slug rule before signs were spelled out (tool.c until #18)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")


def main():
    helper = sys.argv[1]
    names = package_names()
    if len(names) < 10000:
        print(f"only {len(names)} package names; need 10,000 or more")
        return 1
    seen = set()
    old_lost = 0
    for n in names:
        s = old_slug(n)
        old_lost += s in seen
        seen.add(s)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("".join(n + "\n" for n in names))
    try:
        res = subprocess.run([helper, f.name], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    print(f"{len(names)} distinct Debian package names; "
          f"lost under the old slug rule: {old_lost}; now: {res.stdout.strip()}")
    sys.stderr.write(res.stderr[:4000])
    if res.returncode != 0 or f"lost 0" not in res.stdout or old_lost == 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
