"""DATABASE_URL pointing at a stock PostgreSQL without pgvector must stop with a clear error.

Uses Debian's `postgresql` server package (installed by .ci/run), started on a private
socket in a temporary folder."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from memory.database import create_database, ensure_extensions
from memory.errors import DatabaseMisconfiguredError

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def _run_as_postgres(args: list[str]) -> None:
    cmd = args if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def stock_postgres_url() -> Iterator[str]:
    if not BINARIES:
        pytest.skip("Debian's postgresql server is not installed (.ci/run installs it)")
    bindir = Path(BINARIES[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="renos-stockpg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        for path in (root, sock):
            os.chown(path, pg.pw_uid, pg.pw_gid)
    _run_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"])
    _run_as_postgres(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(root / "log"),
            "-o",
            f"-k {sock} -h ''",
            "start",
        ]
    )
    try:
        yield f"postgresql://postgres@/postgres?host={sock}"
    finally:
        _run_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


async def test_missing_pgvector_is_a_clear_start_up_error(stock_postgres_url: str) -> None:
    db = create_database(stock_postgres_url, pool_size=1)
    try:
        with pytest.raises(DatabaseMisconfiguredError) as err:
            await ensure_extensions(db)
    finally:
        await db.dispose()
    message = str(err.value)
    assert "'vector' extension" in message and "DATABASE_URL" in message
