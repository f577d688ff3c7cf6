"""The process-wide pool that trains many users' models fairly: the "Train your own" page's jobs.

`workers` threads take turns over at most `max_active` jobs (later ones queue, first come first served): a worker
trains the job at the front for one slice, measures it when due, and puts it at the back, so every active job
progresses. A job stops at its step or time limit, on a loss that is not a number, when cancelled, or when nobody
has looked at it for `idle_seconds`. An ended job keeps its model but drops its optimiser state, and is forgotten
`keep_seconds` after it was last looked at. Measurements and pictures get at most a quarter of a job's own time.
The app's trainer threads run at a low priority (TRAINER_NICENESS), so other users' pages are served first, and a
job's time limit counts its thread's own CPU time, not the time it waited for a core. Nothing here imports
streamlit: the page holds a job id and reads `view(job_id)` snapshots.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import itertools
import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import torch

from aemodels.geometry import prepare_forward_ad
from aemodels.models import Autoencoder
from aemodels.playground import CodeMap, Measurements, SpecError, TrainData, TrainingRun, TrainSpec

Status = Literal["queued", "running", "paused", "finished", "stopped", "failed"]
DONE: tuple[Status, ...] = ("finished", "stopped", "failed")
_LOGGER = logging.getLogger(__name__)
KEEP_SECONDS = 180.0  # an ended job nobody has looked at for this long is forgotten
TRAINER_NICENESS = 10  # the app's trainers: a page run wanting a core gets about nine tenths of it


class Busy(RuntimeError):
    """Costly work that must wait its turn waited too long; the message says so in plain words."""


class Gate:
    """At most `slots` runs of one kind of costly work (reading a user's upload) at once in this process: a run
    waits for a free slot up to `wait` seconds (its session's thread waits; it uses no CPU), then gets Busy. With one
    slot, the memory and the core that kind of work may take are those of one run, however many users send files at
    once, and every other page keeps the other core."""

    def __init__(self, what: str, *, slots: int = 1, wait: float = 30.0) -> None:
        self.what = what
        self.wait = wait
        self._slots = threading.BoundedSemaphore(slots)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait):
            raise Busy(
                f"The server is busy {self.what} for other people and could not start on yours within "
                f"{self.wait:.0f} seconds. Nothing was lost: try again in a minute."
            )
        try:
            yield
        finally:
            self._slots.release()


@dataclass(frozen=True)
class JobView:
    """What the page shows of a job at one moment (copies: safe to read while the job trains on)."""

    job_id: int
    status: Status
    message: str
    step: int
    max_steps: int
    seconds: float
    steps_per_second: float
    seconds_left: float | None
    queue_position: int | None  # 1 = next to start; None when not waiting
    expected_start: float | None  # a waiting job: about how many seconds until a trainer is free for it
    history: dict[str, list[float]]
    test_history: dict[str, list[float]]
    reconstructions: torch.Tensor | None
    originals: torch.Tensor
    code_map: CodeMap | None
    measurements: list[Measurements]
    spec: TrainSpec


@dataclass(frozen=True)
class ModelSnapshot:
    """A copy of a job's model (eval mode) and how far the job had trained when it was taken."""

    model: Autoencoder
    step: int
    seconds: float


@dataclass
class Job:
    job_id: int
    owner: str
    spec: TrainSpec
    data: TrainData
    run: TrainingRun | None = None
    status: Status = "queued"
    message: str = "waiting for a free trainer"
    last_seen: float = field(default_factory=time.monotonic)
    wanted_steps: int = 0  # "one step" requests still to do while paused
    pause_requested: bool = False
    measured_at: float = 0.0  # the job's own training seconds at its last measurement
    measure_cost: float = 0.0
    shown_at: float = 0.0
    show_cost: float = 0.0  # seconds the last snapshot took (a large model's pictures cost more)
    measurements: list[Measurements] = field(default_factory=list)
    reconstructions: torch.Tensor | None = None
    code_map: CodeMap | None = None
    rate: float = 0.0  # steps per second of training time, smoothed
    trimmed: bool = False  # ended, and what only training needed is dropped
    forgotten: bool = False  # its owner is done with it: gone to every caller, dropped once no worker holds it
    copies_waiting: int = 0  # snapshots waiting for the slice under way to end: no worker takes the job meanwhile


_OPEN_POOLS: weakref.WeakSet[TrainingPool] = weakref.WeakSet()


def close_every_pool() -> int:
    """Close every pool not yet closed; returns how many. Runs at exit: workers are daemon threads, and stopping
    them before the interpreter exits keeps torch from being torn down under a running step (which aborts)."""
    pools = [pool for pool in list(_OPEN_POOLS) if not pool._closed]
    for pool in pools:
        pool.close()
    return len(pools)


atexit.register(close_every_pool)


class TrainingPool:
    def __init__(
        self,
        workers: int | None = None,
        *,
        max_active: int | None = None,
        slice_seconds: float = 0.2,
        idle_seconds: float = 20.0,
        keep_seconds: float = KEEP_SECONDS,
        measure_every: float = 3.0,
        show_every: float = 0.4,
        clock: Callable[[], float] = time.monotonic,
        niceness: int = 0,
    ) -> None:
        self.workers = workers or max(1, os.cpu_count() or 1)
        self.max_active = max_active or 2 * self.workers
        self.slice_seconds = slice_seconds
        self.idle_seconds = idle_seconds
        self.keep_seconds = keep_seconds
        self.measure_every = measure_every
        self.show_every = show_every
        self.clock = clock
        self.niceness = niceness  # the trainer threads' priority (Linux): 0 as the caller's, 19 the lowest
        self._lock = threading.Condition()
        self._jobs: dict[int, Job] = {}
        self._active: deque[int] = deque()  # jobs taking turns (running or paused with steps wanted)
        self._waiting: deque[int] = deque()  # queued, first come first served
        self._busy: set[int] = set()  # held by a worker right now
        self._ids = itertools.count(1)
        self._threads: list[threading.Thread] = []
        self._closed = False
        _OPEN_POOLS.add(self)

    # --- what the page calls -------------------------------------------------------------------------------------
    def submit(self, owner: str, spec: TrainSpec, data: TrainData) -> int:
        """Queue a new job for `owner` (one per owner: the owner's earlier job is stopped). Raises SpecError."""
        problems = spec.problems()
        if problems:
            raise SpecError("; ".join(problems))
        with self._lock:
            for job in self._jobs.values():
                if job.owner == owner and job.status not in DONE:
                    self._finish(job, "stopped", "replaced by a new training")
            job = Job(next(self._ids), owner, spec, data.limited(spec.train_digits), last_seen=self.clock())
            self._jobs[job.job_id] = job
            self._waiting.append(job.job_id)
            self._promote()
            self._start_workers()
            self._lock.notify_all()
            return job.job_id

    def view(self, job_id: int) -> JobView:
        """A snapshot of the job; also tells the pool someone is still looking at it."""
        with self._lock:
            job = self._get(job_id)
            job.last_seen = self.clock()
            run = job.run
            position = self._waiting.index(job_id) + 1 if job_id in self._waiting else None
            left = self._seconds_left(job)
            return JobView(
                job_id=job_id,
                status=job.status,
                message=job.message,
                step=run.step if run else 0,
                max_steps=job.spec.max_steps,
                seconds=run.seconds if run else 0.0,
                steps_per_second=job.rate,
                seconds_left=left,
                queue_position=position,
                expected_start=self._expected_start(position) if position is not None else None,
                # dict(...) copies in one step under the interpreter lock, while the worker may add a key
                history={k: list(v) for k, v in dict(run.history).items()} if run else {},
                test_history={k: list(v) for k, v in dict(run.test_history).items()} if run else {},
                reconstructions=job.reconstructions,
                originals=job.data.x_held[:8],
                code_map=job.code_map,
                measurements=list(job.measurements),
                spec=job.spec,
            )

    def _seconds_left(self, job: Job) -> float | None:
        """A running job's training seconds still to go (by its step rate and its time limit)."""
        run = job.run
        if run is None or job.status != "running" or job.rate <= 0:
            return None
        return max(0.0, min((job.spec.max_steps - run.step) / job.rate, job.spec.max_seconds - run.seconds))

    def _expected_start(self, position: int) -> float | None:
        """About when the job at `position` in the queue starts: when that many active jobs have ended, each
        sharing the trainers with the others meanwhile. None until every active job has a rate."""
        lefts = [self._seconds_left(self._jobs[i]) for i in self._active]
        known = sorted(left for left in lefts if left is not None)
        if len(known) < len(lefts) or position > len(known):
            return None
        share = max(1.0, len(known) / self.workers)  # active jobs take turns on the workers
        return known[position - 1] * share

    def model(self, job_id: int) -> Autoencoder:
        """A copy of the job's model as it is now (eval mode), for use elsewhere while the job goes on."""
        return self.snapshot(job_id).model

    def snapshot(self, job_id: int) -> ModelSnapshot:
        """A copy of the job's model as it is now, with the step and training seconds it has reached (taken between
        two slices, so the copy is the model at exactly that step). KeyError when the pool no longer holds the job,
        LookupError when it has not started."""
        with self._lock:
            job = self._get(job_id)
            if job.run is None:
                raise LookupError("this training has not started yet")
            # A worker lets go of the job between two slices and takes it again at once: held back meanwhile, it
            # ends the slice under way (at most slice_seconds) and leaves the job to this copy.
            job.copies_waiting += 1
            try:
                while job_id in self._busy:
                    self._lock.wait(0.05)
                copy = type(job.run.model)(job.run.model.config)
                copy.load_state_dict(job.run.model.state_dict())
                return ModelSnapshot(copy.eval(), job.run.step, job.run.seconds)
            finally:
                job.copies_waiting -= 1
                self._lock.notify_all()

    def pause(self, job_id: int) -> None:
        with self._lock:
            job = self._get(job_id)
            if job.status in ("running", "queued"):
                job.pause_requested = True
                job.wanted_steps = 0
                if job.status == "running" and job_id not in self._busy:
                    job.status, job.message = "paused", "paused"
                    if job_id in self._active:
                        self._active.remove(job_id)
                        self._active.append(job_id)

    def resume(self, job_id: int) -> None:
        with self._lock:
            job = self._get(job_id)
            job.pause_requested = False
            if job.status == "paused":
                job.status, job.message = "running", "training"
                self._lock.notify_all()

    def one_step(self, job_id: int) -> None:
        """Pause the job (if running) and train exactly one more step."""
        with self._lock:
            job = self._get(job_id)
            if job.status in DONE:
                return
            job.pause_requested = True
            job.wanted_steps += 1
            if job.status == "running" and job_id not in self._busy:
                job.status = "paused"
            self._lock.notify_all()

    def cancel(self, job_id: int, reason: str = "stopped") -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.status not in DONE:
                self._finish(job, "stopped", reason)

    def close(self) -> None:
        """Stop every job and the workers (they finish the slice they are in)."""
        with self._lock:
            self._closed = True
            for job in self._jobs.values():
                if job.status not in DONE:
                    self._finish(job, "stopped", "the server is shutting down")
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)

    def __contains__(self, job_id: object) -> bool:
        """Whether the pool still holds the job (an ended one is forgotten in time; see keep_seconds)."""
        with self._lock:
            job = self._jobs.get(job_id) if isinstance(job_id, int) else None
            return job is not None and not job.forgotten

    def _get(self, job_id: int) -> Job:
        """The job, or KeyError when the pool no longer holds it (or its owner has forgotten it)."""
        job = self._jobs[job_id]
        if job.forgotten:
            raise KeyError(job_id)
        return job

    def counts(self) -> dict[str, int]:
        with self._lock:
            out: dict[str, int] = {}
            for job in self._jobs.values():
                out[job.status] = out.get(job.status, 0) + 1
            return out

    def forget(self, job_id: int) -> None:
        """Drop an ended job's data and model (its owner has no further use for them): now, or, while a worker
        still holds it (a slice that was under way when it was cancelled), as soon as the worker lets go."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status not in DONE:
                return
            if job_id in self._busy:
                job.forgotten = True  # gone to callers now; the workers' next round of _reap drops it
            else:
                del self._jobs[job_id]

    # --- inside the pool -----------------------------------------------------------------------------------------
    def _finish(self, job: Job, status: Status, message: str) -> None:
        job.status, job.message = status, message
        for queue in (self._active, self._waiting):
            if job.job_id in queue:
                queue.remove(job.job_id)
        self._promote()
        self._lock.notify_all()

    def _promote(self) -> None:
        while self._waiting and len(self._active) < self.max_active:
            job_id = self._waiting.popleft()
            job = self._jobs[job_id]
            job.status, job.message = ("paused", "paused") if job.pause_requested else ("running", "training")
            self._active.append(job_id)

    def _start_workers(self) -> None:
        if len(self._threads) < self.workers:
            prepare_forward_ad()  # before any worker takes a Jacobian (geometry.prepare_forward_ad says why)
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._work, name=f"trainer-{len(self._threads) + 1}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _runnable(self, job: Job) -> bool:
        return job.status == "running" or (job.status == "paused" and job.wanted_steps > 0)

    def _reap(self) -> None:
        now = self.clock()
        forgotten = 0
        for job in list(self._jobs.values()):
            if job.job_id in self._busy:
                continue
            if job.status not in DONE and now - job.last_seen > self.idle_seconds:
                self._finish(job, "stopped", "stopped: nobody was watching it (the page was closed or left)")
            if job.status in DONE and not job.trimmed:
                if job.run is not None:
                    job.run.end_training()
                job.trimmed = True
            if job.status in DONE and (job.forgotten or now - job.last_seen > self.keep_seconds):
                del self._jobs[job.job_id]
                forgotten += 1
        if forgotten:
            release_memory()

    def _take(self) -> Job | None:
        """The next job to train, moved to the back of the turn; None when the pool closes."""
        with self._lock:
            while not self._closed:
                self._reap()
                for _ in range(len(self._active)):
                    job_id = self._active[0]
                    self._active.rotate(-1)
                    job = self._jobs[job_id]
                    if job_id not in self._busy and not job.copies_waiting and self._runnable(job):
                        self._busy.add(job_id)
                        return job
                self._lock.wait(0.5)
            return None

    def _work(self) -> None:
        torch.set_grad_enabled(True)
        with contextlib.suppress(OSError, AttributeError):  # Linux: this thread only
            if self.niceness:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.niceness)
        while (job := self._take()) is not None:
            try:
                self._train_slice(job)
            except SpecError as err:
                with self._lock:
                    self._finish(job, "failed", f"cannot train this: {err}")
            except FloatingPointError as err:
                with self._lock:
                    self._finish(job, "failed", f"training stopped: {err}")
            except (RuntimeError, ValueError, MemoryError) as err:  # out of memory, shapes: the user's choices
                with self._lock:
                    self._finish(job, "failed", f"training failed: {err}")
            except Exception:  # a bug: this job ends with a plain message, the worker lives on for the others
                _LOGGER.exception("training job %s failed", job.job_id)
                with self._lock:
                    self._finish(
                        job, "failed", "training failed on an error of the server's own (it is in the server's log)"
                    )
            finally:
                with self._lock:
                    self._busy.discard(job.job_id)
                    self._lock.notify_all()

    def _train_slice(self, job: Job) -> None:
        if job.run is None:
            job.run = TrainingRun(job.spec, job.data, clock=time.thread_time)  # its budget: its own CPU time
            self._snapshot(job)
            self._measure(job)
        run = job.run
        with self._lock:
            single = job.status == "paused" and job.wanted_steps > 0
            if single:
                job.wanted_steps -= 1
        began = time.perf_counter()
        steps_before = run.step
        if single:
            run.advance(1)
        else:
            chunk = max(1, min(200, int(job.rate * self.slice_seconds) or 5))
            while time.perf_counter() - began < self.slice_seconds and run.step < job.spec.max_steps:
                run.advance(min(chunk, job.spec.max_steps - run.step))
                with self._lock:
                    if job.status != "running" or job.pause_requested or job.copies_waiting:
                        break
        spent = time.perf_counter() - began
        if spent > 0 and run.step > steps_before and not single:
            rate = (run.step - steps_before) / spent
            job.rate = rate if job.rate == 0 else 0.7 * job.rate + 0.3 * rate
        now = self.clock()
        at_limit = run.step >= job.spec.max_steps or run.seconds >= job.spec.max_seconds
        if now - job.shown_at >= max(self.show_every, 3 * job.show_cost) or single or at_limit:
            self._snapshot(job)
        if run.seconds - job.measured_at >= max(self.measure_every, 3 * job.measure_cost) or single or at_limit:
            self._measure(job)
        with self._lock:
            if job.status in DONE:
                return
            if run.step >= job.spec.max_steps:
                self._finish(job, "finished", f"finished: {run.step:,} steps")
            elif run.seconds >= job.spec.max_seconds:
                self._finish(job, "finished", f"finished: the time limit of {job.spec.max_seconds:.0f} s")
            elif job.pause_requested and job.status == "running":
                job.status, job.message = "paused", "paused"

    def _snapshot(self, job: Job) -> None:
        """The cheap pictures: held-out loss, the eight reconstructions, the code map."""
        assert job.run is not None
        began = time.perf_counter()
        job.run.test_loss()
        job.reconstructions = job.run.reconstructions()
        job.code_map = job.run.code_map()
        job.shown_at = self.clock()
        job.show_cost = time.perf_counter() - began

    def _measure(self, job: Job) -> None:
        """The costly figures (Jacobians, probes, AUCs); run no more than a quarter of the job's time."""
        assert job.run is not None
        began = time.perf_counter()
        measurements = job.run.measure()
        with self._lock:
            job.measurements.append(measurements)
            job.measured_at = job.run.seconds
            job.measure_cost = time.perf_counter() - began


def release_memory() -> bool:
    """Hand memory freed by Python and torch back to the system (glibc's malloc_trim): a large tensor's memory
    freed inside an arena stays in the process otherwise, and the server's resident size never comes back down
    after a burst of training. False where there is no glibc (the memory is then reused, not returned)."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    return True
