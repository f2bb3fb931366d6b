"""`programhub serve` in a subprocess, as users run it: started, killed without warning,
started again on the same database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from tests.support import free_port, wait_until_up


def programhub_command() -> list[str]:
    """The installed `programhub` script of this interpreter's environment."""
    script = Path(sys.executable).with_name("programhub")
    if script.exists():
        return [str(script)]
    found = shutil.which("programhub")
    if found:
        return [found]
    return [sys.executable, "-c", "from programhub.cli import main; main()"]


class ServerProcess:
    """One `programhub serve` process at a time on `database_url`; its output goes to
    `log_path` (a file, so a chatty server can never block on a full pipe)."""

    def __init__(self, database_url: str, log_path: Path, public_url: str = "http://programhub.test") -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "PROGRAMHUB_DATABASE_URL": database_url,
            "PROGRAMHUB_PUBLIC_URL": public_url,
            "PROGRAMHUB_LOG_REQUESTS": "0",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [*programhub_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        try:
            wait_until_up(self.base_url, self.process, timeout=60)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{self.log()[-3000:]}") from None

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no rollback runs in the process."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None) -> None:
        self.stop()
