"""The malloc arena limit (memory.py): threads started after it share the arenas that
exist instead of each making its own; `create_app` applies it at start-up when set."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# Counts glibc's arenas (malloc_info's <heap nr=...>), then starts threads that allocate
# while all are alive, and counts again; prints both.
_COUNT_ARENAS = textwrap.dedent(
    """
    import ctypes, threading

    libc = ctypes.CDLL(None)
    libc.open_memstream.restype = ctypes.c_void_p
    libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
    libc.fclose.argtypes = (ctypes.c_void_p,)

    def arenas():
        text, size = ctypes.c_char_p(), ctypes.c_size_t()
        stream = libc.open_memstream(ctypes.byref(text), ctypes.byref(size))
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        return text.value.count(b"<heap nr=")

    together = threading.Barrier(6)

    def allocate():
        kept = [bytearray(300_000) for _ in range(20)]
        together.wait()  # all alive at once: none can take over an arena another left
        del kept

    SETUP
    before = arenas()
    threads = [threading.Thread(target=allocate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(before, arenas())
    """
)


def _arenas(setup: str) -> tuple[int, int]:
    script = _COUNT_ARENAS.replace("SETUP", setup)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    before, after = done.stdout.split()
    return int(before), int(after)


@pytest.fixture(autouse=True)
def _glibc() -> None:
    if "glibc" not in " ".join(__import__("platform").libc_ver()):
        pytest.skip("malloc arenas are glibc's")


def test_threads_make_arenas_of_their_own_unless_limited() -> None:
    before, after = _arenas("pass")
    assert after >= before + 5  # glibc's default: a new thread's first allocation makes one
    before, after = _arenas("from programhub.memory import limit_malloc_arenas; assert limit_malloc_arenas(1)")
    assert after == before == 1


def test_the_app_limits_arenas_at_start_up_when_set() -> None:
    setup = textwrap.dedent(
        """
        from fastapi.testclient import TestClient
        from programhub.app import create_app
        from programhub.settings import Settings
        import tempfile, os
        folder = tempfile.mkdtemp()
        settings = Settings(database_url=f"sqlite:///{os.path.join(folder, 'm.db')}", run_jobs=False, malloc_arenas=1)
        client = TestClient(create_app(settings))
        client.__enter__()  # start-up has run
        """
    )
    before, after = _arenas(setup)
    assert after == before  # the threads started after start-up made no arena
