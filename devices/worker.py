"""One thread per device: a serial command queue, cancel, timeout, idle probe, one port owner.

The worker is the only code that touches its driver. Everything it produces (completions,
solicited and unsolicited events, status changes) goes to one thread-safe ``sink`` callable;
in the app that sink is the Qt bridge, in tests a list or a queue.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from devices.base import (
    CancelToken,
    Completion,
    CompletionCode,
    DeviceEvent,
    DeviceInitError,
    DeviceState,
    DeviceStatus,
    SolicitedEvent,
    StatusChanged,
    call_with_hooks,
    completion_from_exception,
)

log = logging.getLogger(__name__)

Output = Completion[Any] | DeviceEvent
Sink = Callable[[Output], None]

_request_ids = itertools.count(1)


@dataclass
class _Request:
    request_id: int
    command: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    timeout: float | None
    cancel: CancelToken = field(default_factory=CancelToken)
    done: threading.Event = field(default_factory=threading.Event)
    completion: Completion[Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_done: Callable[[Completion[Any]], None] | None = None


class RequestHandle:
    """What ``submit`` returns: the request id, ``cancel()`` and a blocking ``wait()``."""

    def __init__(self, worker: DeviceWorker, request: _Request) -> None:
        self._worker = worker
        self._request = request

    @property
    def request_id(self) -> int:
        return self._request.request_id

    def cancel(self) -> None:
        self._worker.cancel(self._request.request_id)

    def wait(self, timeout: float | None = None) -> Completion[Any]:
        """Block until the completion is delivered (not for the GUI thread)."""
        if not self._request.done.wait(timeout):
            raise TimeoutError(f"request {self.request_id} still running")
        assert self._request.completion is not None
        return self._request.completion


class DeviceWorker:
    """Owns one driver on one thread.

    ``probe_interval``: seconds of idleness between status probes. ``poll_interval``: when the
    driver has a ``poll(events)`` method (card presence and other pushed data), how often it
    is called while idle. ``reopen_backoff``: delays between attempts to reopen a lost device.
    ``timeout_grace``: after a command's deadline the token is cancelled; if the driver has not
    returned by then plus the grace, the worker completes the request with ``timeout`` itself
    and discards the late result.
    """

    def __init__(
        self,
        name: str,
        device: Any,
        sink: Sink,
        *,
        default_timeout: float = 30.0,
        probe_interval: float = 5.0,
        poll_interval: float = 0.1,
        reopen_backoff: Sequence[float] = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
        timeout_grace: float = 0.2,
    ) -> None:
        self.name = name
        self.device = device
        self._sink = sink
        self.default_timeout = default_timeout
        self.probe_interval = probe_interval
        self.poll_interval = poll_interval
        self.reopen_backoff = tuple(reopen_backoff)
        self.timeout_grace = timeout_grace
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._pending: dict[int, _Request] = {}
        self._pending_lock = threading.Lock()
        self._current: _Request | None = None
        self._thread: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        # The running request's deadline, watched by one watchdog thread per worker (a Timer
        # thread per command cost ~0.3 ms of thread start-up on every command).
        self._watch = threading.Condition()
        self._watch_req: _Request | None = None
        self._watch_at = 0.0
        self._stopping = threading.Event()
        self._opened = False
        self._reopen_attempt = 0
        self._next_open = 0.0
        self._next_probe = 0.0
        status_type = getattr(device, "status_type", DeviceStatus)
        self.status: DeviceStatus = status_type()

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"device-{self.name}", daemon=True)
        self._watchdog = threading.Thread(target=self._watch_deadlines,
                                          name=f"device-{self.name}-watchdog", daemon=True)
        self._thread.start()
        self._watchdog.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel what is queued and running, close the driver, join the thread."""
        self._stopping.set()
        with self._pending_lock:
            pending = list(self._pending.values())
        for req in pending:
            req.cancel.cancel()
        self._queue.put(None)
        with self._watch:
            self._watch.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("worker %s did not stop within %.1fs", self.name, timeout)
        if self._watchdog is not None:
            self._watchdog.join(timeout)
        self._thread = None
        self._watchdog = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def current_command(self) -> str | None:
        """The command the device is executing now (None when idle)."""
        current = self._current
        return None if current is None else current.command

    # --- commands -----------------------------------------------------------------------------

    def submit(
        self,
        command: str,
        *args: Any,
        timeout: float | None = None,
        on_done: Callable[[Completion[Any]], None] | None = None,
        **kwargs: Any,
    ) -> RequestHandle:
        """Queue ``device.<command>(*args, **kwargs)``; the completion goes to the sink."""
        req = _Request(
            next(_request_ids),
            command,
            args,
            kwargs,
            self.default_timeout if timeout is None else timeout,
            on_done=on_done,
        )
        with self._pending_lock:
            self._pending[req.request_id] = req
        if self._stopping.is_set():
            self._finish(req, self._completion(req, CompletionCode.CANCELED, detail="stopping"))
        else:
            self._queue.put(req)
        return RequestHandle(self, req)

    def call(self, command: str, *args: Any, timeout: float | None = None, **kwargs: Any
             ) -> Completion[Any]:
        """Submit and wait (diagnostics, tests; never the GUI thread)."""
        handle = self.submit(command, *args, timeout=timeout, **kwargs)
        wait = None if timeout is None else timeout + self.timeout_grace + 5.0
        return handle.wait(wait)

    def cancel(self, request_id: int) -> None:
        """Cancel a queued request at once, or ask the running one to stop."""
        with self._pending_lock:
            req = self._pending.get(request_id)
        if req is None:
            return
        req.cancel.cancel()
        if req is not self._current:
            self._finish(req, self._completion(req, CompletionCode.CANCELED, detail="cancelled"))

    # --- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        self._try_open()
        while not self._stopping.is_set():
            wait = self._idle_wait()
            try:
                req = self._queue.get(timeout=wait)
            except queue.Empty:
                self._idle_work()
                continue
            if req is None:
                break
            if req.done.is_set():  # cancelled while queued
                continue
            self._execute(req)
        self._drain_cancelled()
        self._close()

    def _idle_wait(self) -> float:
        now = time.monotonic()
        if not self._opened:
            return max(0.0, min(self._next_open - now, 1.0))
        deadline = self._next_probe
        if hasattr(self.device, "poll"):
            deadline = min(deadline, now + self.poll_interval)
        return max(0.0, deadline - now)

    def _idle_work(self) -> None:
        now = time.monotonic()
        if not self._opened:
            if now >= self._next_open:
                self._try_open()
            return
        poll = getattr(self.device, "poll", None)
        if poll is not None:
            try:
                poll(self._events_for(None))
            except DeviceInitError as exc:
                self._lost(str(exc))
                return
            except Exception:
                log.exception("poll of %s failed", self.name)
        if time.monotonic() >= self._next_probe:
            self._probe()

    def _try_open(self) -> None:
        try:
            self.device.open()
        except Exception as exc:
            delay = self.reopen_backoff[min(self._reopen_attempt, len(self.reopen_backoff) - 1)]
            self._reopen_attempt += 1
            self._next_open = time.monotonic() + delay
            log.warning("open %s failed (%s); retry in %.1fs", self.name, exc, delay)
            self._set_status(dataclasses.replace(self.status, device=DeviceState.NO_DEVICE))
            return
        self._opened = True
        self._reopen_attempt = 0
        self._probe()

    def _lost(self, detail: str) -> None:
        log.warning("%s lost: %s", self.name, detail)
        self._close()
        self._next_open = time.monotonic() + self.reopen_backoff[0]
        self._set_status(dataclasses.replace(self.status, device=DeviceState.NO_DEVICE))

    def _close(self) -> None:
        if self._opened:
            try:
                self.device.close()
            except Exception:
                log.exception("close of %s failed", self.name)
        self._opened = False

    def _probe(self) -> None:
        self._next_probe = time.monotonic() + self.probe_interval
        try:
            status = self.device.probe()
        except DeviceInitError as exc:
            self._lost(str(exc))
            return
        except Exception as exc:
            log.warning("probe of %s failed: %s", self.name, exc)
            status = dataclasses.replace(self.status, device=DeviceState.HARDWARE_ERROR)
        self._set_status(status)

    def _set_status(self, new: DeviceStatus) -> None:
        old = self.status
        if new == old:
            return
        self.status = new
        self._emit(StatusChanged(old=old, new=new, device=self.name))

    def _execute(self, req: _Request) -> None:
        if not self._opened:
            self._try_open()
            if not self._opened:
                self._finish(
                    req,
                    self._completion(req, CompletionCode.DEVICE_NOT_READY, detail="not open"),
                )
                return
        self._current = req
        if req.timeout is not None:
            with self._watch:
                self._watch_req, self._watch_at = req, time.monotonic() + req.timeout
                self._watch.notify_all()
        try:
            fn = getattr(self.device, req.command)
            data = call_with_hooks(fn, req.args, req.kwargs, self._events_for(req), req.cancel)
        except DeviceInitError as exc:
            self._finish(req, completion_from_exception(req.request_id, exc, self.name,
                                                        req.command))
            self._lost(str(exc))
        except Exception as exc:
            self._finish(req, completion_from_exception(req.request_id, exc, self.name,
                                                        req.command))
        else:
            self._finish(req, self._completion(req, CompletionCode.SUCCESS, data=data))
        finally:
            with self._watch:
                if self._watch_req is req:
                    self._watch_req = None
                    self._watch.notify_all()
            self._current = None
        self._next_probe = min(self._next_probe, time.monotonic() + 0.05)

    def _watch_deadlines(self) -> None:
        """Watchdog thread: fire the deadline of the running request, if it has one."""
        while True:
            with self._watch:
                while True:
                    if self._stopping.is_set():
                        return
                    req = self._watch_req
                    if req is None:
                        self._watch.wait()
                        continue
                    remaining = self._watch_at - time.monotonic()
                    if remaining > 0:
                        self._watch.wait(remaining)
                        continue
                    self._watch_req = None
                    break
            self._deadline(req)

    def _deadline(self, req: _Request) -> None:
        """Watchdog thread: ask the driver to stop; deliver ``timeout`` if it does not."""
        req.cancel.cancel(CompletionCode.TIMEOUT)
        if not req.done.wait(self.timeout_grace):
            self._finish(
                req,
                self._completion(req, CompletionCode.TIMEOUT,
                                 detail=f"no completion within {req.timeout}s"),
            )

    def _drain_cancelled(self) -> None:
        with self._pending_lock:
            pending = list(self._pending.values())
        for req in pending:
            self._finish(req, self._completion(req, CompletionCode.CANCELED, detail="stopped"))

    # --- output -------------------------------------------------------------------------------

    def _completion(self, req: _Request, code: CompletionCode, data: Any = None,
                    detail: str = "") -> Completion[Any]:
        return Completion(req.request_id, code, data=data, detail=detail, device=self.name,
                          command=req.command)

    def _finish(self, req: _Request, completion: Completion[Any]) -> None:
        """Deliver a request's completion exactly once."""
        with req.lock:
            if req.done.is_set():
                if completion.code is not req.completion.code:  # type: ignore[union-attr]
                    log.info("late %s of %s #%d discarded", completion.code, req.command,
                             req.request_id)
                return
            if completion.code is CompletionCode.CANCELED and req.cancel.reason is (
                CompletionCode.TIMEOUT
            ):
                completion = dataclasses.replace(completion, code=CompletionCode.TIMEOUT)
            req.completion = completion
            req.done.set()
        with self._pending_lock:
            self._pending.pop(req.request_id, None)
        if req.on_done is not None:
            try:
                req.on_done(completion)
            except Exception:
                log.exception("on_done of %s failed", req.command)
        self._emit(completion)

    def _events_for(self, req: _Request | None) -> Callable[[DeviceEvent], None]:
        def emit(event: DeviceEvent) -> None:
            if req is not None and isinstance(event, SolicitedEvent):
                if req.done.is_set():
                    return  # a late event of a request already completed
                event = dataclasses.replace(event, request_id=req.request_id, device=self.name)
            else:
                event = dataclasses.replace(event, device=self.name)
            self._emit(event)

        return emit

    def _emit(self, item: Output) -> None:
        try:
            self._sink(item)
        except Exception:
            log.exception("sink of %s failed", self.name)
