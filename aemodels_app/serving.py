"""Every process setting of the app server, in one place: threads, the garbage collector, the allocator, thread
priority, the background warm-up, and the Streamlit options the console script serves with.

Why each one (figures in docs/performance.md):
- One OpenMP thread per server thread: Streamlit runs every script and fragment run in a new thread, and two torch
  threads spinning on two shared cores cost more than they save for single digits.
- `gc.freeze()` after the imports and after each page's first run: the objects torch and plotly leave for the life
  of the process are not walked by every garbage collection.
- glibc's arenas capped at two (`ENVIRONMENT`, set before the server starts): memory one session's thread frees is
  reused by the next.
- The warm-up thread runs at a lower priority, so it never delays what a user waits for.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from aemodels_app.page import WarmUpTask
from aemodels_app.pages import registry

# Set before the server process starts (the console script and `make run`): glibc reads it at start-up.
ENVIRONMENT = {"MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "1"}
# The server's options (as .streamlit/config.toml has them for `streamlit run app.py`; a test keeps them equal).
CONFIG: dict[str, object] = {
    "server.fileWatcherType": "none",
    "server.runOnSave": False,
    "server.maxUploadSize": 10,
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "server.headless": True,
    "server.enableStaticServing": True,
    "global.disableWidgetStateDuplicationWarning": True,
    "browser.gatherUsageStats": False,
    "client.showErrorDetails": "none",
    "client.toolbarMode": "minimal",
    "runner.fastReruns": True,
    "runner.postScriptGC": False,
    "theme.base": "light",
}


@st.cache_resource(show_spinner=False)
def process_settings() -> bool:
    """Once per process, after the imports: the long-lived objects out of the garbage collector's reach."""
    gc.freeze()
    return True


@dataclass
class WarmUp:
    """The process's warm-up: which caches are being filled, and how far it got."""

    tasks: list[tuple[str, Callable[[], object]]]
    done: int = 0
    current: str = ""
    failed: list[str] = field(default_factory=list)
    delay: float = 1.0  # seconds before it starts
    thread: threading.Thread | None = field(default=None, repr=False)
    stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def finished(self) -> bool:
        return self.done >= len(self.tasks)

    def stop(self, timeout: float = 10.0) -> None:
        """Let the task under way finish, start no other (at exit: a daemon thread killed inside torch aborts the
        interpreter, "terminate called without an active exception")."""
        self.stopping.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def run(self) -> None:
        if self.stopping.wait(self.delay):  # let the page that started it finish first: it is what the user waits for
            return
        with contextlib.suppress(OSError, AttributeError):  # Linux: lower this thread's priority only
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        for label, task in self.tasks:
            if self.stopping.is_set():
                return
            self.current = label
            try:
                task()
            except Exception:  # a broken model is reported in plain words on its page; go on with the others
                self.failed.append(label)
            self.done += 1
        self.current = ""
        freeze_survivors()  # the caches it filled live as long as the process


def freeze_survivors() -> None:
    """Collect garbage, then take every object still alive out of the cyclic collector's reach (gc.freeze): the
    models, caches and modules that live as long as the process are then not walked by every collection. Frozen
    objects are still freed by reference counting; only cycles that die later stay, so this runs a bounded number of
    times: once per page and process, and once when the warm-up has finished."""
    gc.collect()
    gc.freeze()


@st.cache_resource(show_spinner=False)
def settle_after_first_run(page: str) -> bool:
    """Once per page and process, after that page's first run: what it loaded stays, so freeze it."""
    freeze_survivors()
    return True


def warm_up_tasks() -> list[WarmUpTask]:
    """What the pages need before they can draw anything (each page's declared warm-up), in the sidebar's order."""
    return [task for page in registry().values() for task in page.warm_up()]


@st.cache_resource(show_spinner=False)
def warm_up() -> WarmUp:
    """Start, once per process, a background thread that fills the caches above: a user who opens one page finds
    the next ones ready. The first session's first run starts it."""
    job = WarmUp(tasks=warm_up_tasks())
    job.thread = threading.Thread(target=job.run, name="aemodels-warm-up", daemon=True)
    job.thread.start()
    atexit.register(job.stop)
    return job
