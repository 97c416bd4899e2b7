"""Connections given back are kept for the next thread, never across files or forks."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from bar.db import db, init_db
from bar.sqlite import IDLE_CONNECTIONS


def _count() -> int:
    return int(db.execute_sql("SELECT COUNT(*) FROM t").fetchone()[0])


def _make(path: Path, rows: int) -> None:
    init_db(path)
    db.execute_sql("CREATE TABLE t (a)")
    for i in range(rows):
        db.execute_sql("INSERT INTO t VALUES (?)", (i,))
    db.close()


def test_a_connection_given_back_serves_another_thread(tmp_path):
    _make(tmp_path / "a.db", 3)
    seen: list[int] = []

    def read() -> None:
        seen.append(_count())
        db.close()

    threads = [threading.Thread(target=read) for _ in range(IDLE_CONNECTIONS * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [3] * len(threads)
    db.close_idle()


def test_a_new_database_file_never_gets_a_connection_to_the_old_one(tmp_path):
    _make(tmp_path / "a.db", 3)
    _count()
    db.close()  # kept for reuse
    _make(tmp_path / "b.db", 5)
    assert _count() == 5
    db.close()
    db.close_idle()


def test_a_forked_child_inherits_no_kept_connection(tmp_path):
    _make(tmp_path / "a.db", 1)
    _count()
    db.close()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: what the parent kept was closed before the fork
        os.write(write, str(len(db._idle)).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 16) == b"0"
