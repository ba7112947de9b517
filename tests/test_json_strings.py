#!/usr/bin/env python3
"""test_json_strings.py: every string we take out of JSON comes through
util/jsonget (#18).

cJSON keeps strings as C strings: a "\\u0000" in a value cuts it short, and
a check on the string never sees the rest. sk_json_parse() marks such
strings and sk_json_str()/sk_json_strval() refuse them, which only helps if
nothing else parses or reads. So, in src/:
  1. nothing but util/jsonget.c calls cJSON_Parse*;
  2. nothing but util/jsonget.c reads ->valuestring or cJSON_GetStringValue,
     except the printer util/jsonfmt.c, which writes trees (our own, or
     parsed ones whose readers have refused any NUL) and reads no input.
"""
import glob
import os
import re
import sys

SRC = os.environ.get("SK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
PARSE_OK = {"src/util/jsonget.c"}
READ_OK = {"src/util/jsonget.c", "src/util/jsonfmt.c"}

failures = 0
for path in sorted(glob.glob(os.path.join(SRC, "src", "**", "*.c"), recursive=True)):
    rel = os.path.relpath(path, SRC)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if rel not in PARSE_OK and re.search(r"\bcJSON_Parse", line):
                print(f"{rel}:{n}: parses JSON with cJSON directly; use "
                      "sk_json_parse() (util/jsonget.h)")
                failures += 1
            if rel not in READ_OK and re.search(
                    r"->valuestring\b|\bcJSON_GetStringValue\b", line):
                print(f"{rel}:{n}: reads a JSON string directly; use "
                      "sk_json_str()/sk_json_str_at()/sk_json_strval()")
                failures += 1
if failures:
    sys.exit(1)
print("ok: every JSON parse and string read goes through util/jsonget")
