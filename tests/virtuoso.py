"""Virtuoso open source (Debian's ``virtuoso-opensource-7-bin``: ``virtuoso-t``, ``isql-vt``) for the tests:
a new database in a temporary folder, on free loopback ports, with a user allowed to update it."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from municipalities import free_port, stop

MISSING = None if shutil.which("virtuoso-t") and shutil.which("isql-vt") else (
    "Virtuoso open source is not installed (Debian: apt-get install virtuoso-opensource-7-bin; .ci/run installs it)"
)

# Only what a throwaway database needs: its files in the folder, both ports on loopback, no plug-ins.
INI = """\
[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = .
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@dataclass
class Virtuoso:
    process: subprocess.Popen[bytes]
    url: str  # http://127.0.0.1:PORT; SPARQL at /sparql, updates at /sparql-auth, Graph Store at /sparql-graph-crud-auth
    user: str
    password: str = field(repr=False)


def start_virtuoso(folder: Path, timeout: float = 180.0) -> Virtuoso:
    """``virtuoso-t`` on a new database in ``folder``; returns once it answers SPARQL and its
    update user (a fresh password, like dba's) is made."""
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(INI.format(sql_port=sql_port, http_port=http_port), encoding="utf-8")
    log = (folder / "virtuoso.out").open("wb")
    process = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", "virtuoso.ini"], cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"virtuoso-t did not start: {(folder / 'virtuoso.out').read_text(errors='replace')}")
        time.sleep(0.2)
    user, password, dba_password = "kemi_publisher", secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    # A new database's dba password is the well-known "dba": replaced before anything else.
    sql = (f"DB.DBA.USER_CREATE ('{user}', '{password}');\nGRANT SPARQL_UPDATE TO \"{user}\";\n"
           f"user_set_password ('dba', '{dba_password}');\n")
    done = subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba"], input=sql.encode(), capture_output=True, timeout=60)
    if done.returncode != 0 or b"Error" in done.stdout + done.stderr:
        stop(process)
        raise RuntimeError(f"isql-vt could not make the update user: {(done.stdout + done.stderr).decode(errors='replace')}")
    return Virtuoso(process, url, user, password)
