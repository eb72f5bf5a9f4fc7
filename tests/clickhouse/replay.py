"""Replays the statements the ClickHouse store sent to an old server on a
current engine (chDB, ClickHouse in-process) and compares the results.

    replay.py STATEMENTS.jsonl HOST:PORT DATABASE CLIENT

STATEMENTS.jsonl is what the store records with VIGIL_CLICKHOUSE_RECORD set;
DATABASE is copied from the server at HOST:PORT into chDB (Native format);
CLIENT is the server's clickhouse-client, which gives the old engine's answers.
Numbers must agree within 1e-9 relative. Exit status 1 on any difference.
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import chdb
from chdb import session


def fields(text):
    return [line.split("\t") for line in text.strip("\n").split("\n")] if text.strip() else []


NUM = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|-?inf|nan")


def same(a, b):
    if a == b:
        return True
    ta, tb = re.split(r"([\[\](),'])", a), re.split(r"([\[\](),'])", b)
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb):
        if x == y:
            continue
        if not (NUM.fullmatch(x) and NUM.fullmatch(y)):
            return False
        fx, fy = float(x), float(y)
        if math.isnan(fx) and math.isnan(fy):
            continue
        if abs(fx - fy) > 1e-9 * max(abs(fx), abs(fy)) and abs(fx - fy) > 1e-12:
            return False
    return True


def main():
    path, addr, db, client = sys.argv[1:5]
    host, port = addr.rsplit(":", 1)
    statements = [json.loads(line)["sql"] for line in open(path) if line.strip()]
    old = lambda sql: subprocess.run([client, "--host", host, "--port", port, "--format", "TSV", "-q", sql],
                                     check=True, capture_output=True, text=True).stdout
    sess = session.Session()
    sess.query(f"CREATE DATABASE IF NOT EXISTS {db}")
    tmp = tempfile.mkdtemp()
    for table in old(f"SELECT name FROM system.tables WHERE database = '{db}'").split():
        # The table travels in the Native format, which carries its types.
        dump = os.path.join(tmp, table + ".native")
        with open(dump, "wb") as f:
            subprocess.run([client, "--host", host, "--port", port, "-q", f"SELECT * FROM {db}.{table} FORMAT Native"],
                           check=True, stdout=f)
        cols = old(f"SELECT name, type FROM system.columns WHERE database = '{db}' AND table = '{table}'")
        structure = ", ".join(" ".join(c) for c in fields(cols))
        sess.query(f"CREATE TABLE {db}.{table} ({structure}) ENGINE = MergeTree ORDER BY tuple()")
        if os.path.getsize(dump) > 0:
            sess.query(f"INSERT INTO {db}.{table} SELECT * FROM file('{dump}', 'Native', '{structure}')")
    bad = 0
    for sql in statements:
        try:
            new = str(sess.query(sql, "TSV"))
        except Exception as e:  # noqa: BLE001 - report every failing statement
            bad += 1
            print(f"FAILS on chDB {chdb.__version__}: {e}\n  {sql[:400]}")
            continue
        want, got = fields(old(sql)), fields(new)
        if len(want) != len(got) or any(len(w) != len(g) or not all(same(x, y) for x, y in zip(w, g))
                                        for w, g in zip(want, got)):
            bad += 1
            print(f"DIFFERS: {len(want)} rows on the server, {len(got)} on chDB\n  {sql[:400]}\n"
                  f"  server: {str(want)[:300]}\n  chDB:   {str(got)[:300]}")
    print(f"{len(statements)} statements replayed on chDB {chdb.__version__} (ClickHouse "
          f"{sess.query('SELECT version()', 'TSV')!s}".strip() + f"): {bad} failed or differed")
    sys.exit(1 if bad else 0)


main()
