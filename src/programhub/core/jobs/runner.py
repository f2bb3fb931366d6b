"""The job runner every server process starts: a thread that claims jobs from the
database and runs their handlers, one at a time per process.

Handlers are registered per job kind by the core module that owns the work
(`@handles("catalog.bulk_enrollment")`), and are listed in HANDLER_MODULES so a process
that never imported them still runs their jobs. A handler gets the job and a `Progress`
to report through; it finishes the job itself, in the transaction of its last writes
(`service.finish`), or raises: an exception fails the job with its message.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from programhub.core.jobs import service
from programhub.core.jobs.service import Job
from programhub.store import Store

log = logging.getLogger("programhub.jobs")

JOB_RUNNER_THREAD = "programhub-jobs"

# The modules whose import registers handlers (core only: jobs know nothing of HTTP).
HANDLER_MODULES: tuple[str, ...] = (
    "programhub.core.learners.bulk",
    "programhub.core.admissions.batches",
    "programhub.core.admissions.exports",
)


@dataclass(slots=True)
class Progress:
    """What a running handler reports through; `report` says whether to go on."""

    store: Store
    job: Job
    worker: str
    done: int = field(default=0)

    def report(self, done: int, total: int | None = None) -> bool:
        self.done = done
        return service.report(self.store, self.job, self.worker, done=done, total=total)


Handler = Callable[[Store, Job, Progress], None]
_HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return register


def load_handlers() -> dict[str, Handler]:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    return dict(_HANDLERS)


class JobRunner:
    def __init__(self, store: Store, *, poll_seconds: float = 1.0) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=JOB_RUNNER_THREAD, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    def run_pending(self) -> int:
        """Run runnable jobs until there are none; how many ran (tests call this directly)."""
        handlers = load_handlers()
        ran = 0
        while not self._stop.is_set():
            job = service.claim(self.store, self.worker, tuple(handlers))
            if job is None:
                return ran
            self._run(handlers[job.kind], job)
            ran += 1
        return ran

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pending()
            except Exception:
                log.warning("job runner could not claim a job", exc_info=True)
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def _run(self, handler: Handler, job: Job) -> None:
        try:
            handler(self.store, job, Progress(self.store, job, self.worker, job.done))
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            with self.store.write() as conn:
                service.finish(conn, job, self.worker, state=service.FAILED, result={"error": str(exc)[:500]})
