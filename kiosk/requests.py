"""Typed device and host requests whose results go back to the code that asked, on the GUI thread.

``Requests.submit(kind, command, *args, on_done=..., on_event=...)`` queues the command on the
kind's :class:`devices.worker.DeviceWorker` and returns a :class:`Request`. The worker calls its
per-request callback on the worker thread; that callback only hands the completion to the GUI
thread (``post``: the bridge's ``call_soon``), where ``on_done`` runs. Solicited events of the
request (card inserted, masked key pressed) are routed the same way by :meth:`route_event`,
which the bridge's ``device_event`` signal feeds. Nothing is broadcast to other listeners and
nothing is matched by a purpose string (Anki's ``run_in_background(task, on_done)``).

Qt-free: the GUI thread is reached only through ``post``. Every method but the worker callback
runs on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from devices.base import Completion, CompletionCode, DeviceEvent

log = logging.getLogger(__name__)

T = TypeVar("T")

Post = Callable[[Callable[[], None]], None]


class Worker(Protocol):
    """What a request needs of a DeviceWorker."""

    def submit(self, command: str, *args: Any, timeout: float | None = None,
               on_done: Callable[[Completion[Any]], None] | None = None,
               **kwargs: Any) -> Any: ...

    def cancel(self, request_id: int) -> None: ...


class Request(Generic[T]):
    """One command in flight. ``on_done(Completion[T])`` runs once on the GUI thread unless the
    request was cancelled first (then nothing is delivered: the asker moved on).

    ``safe``: the request only waits for the farmer (a card to be inserted, a key) and may be
    abandoned at a safe point; a host call or a print is not safe (it must finish first).
    """

    def __init__(self, device: str, command: str, on_done: Callable[[Completion[T]], None],
                 on_event: Callable[[DeviceEvent], None] | None, *, safe: bool) -> None:
        self.device = device
        self.command = command
        self.request_id = 0
        self.safe = safe
        self.completion: Completion[T] | None = None
        self.canceled = False
        self._on_done: Callable[[Completion[T]], None] | None = on_done
        self._on_event = on_event
        self._worker: Worker | None = None
        self._owner: Requests | None = None

    @property
    def in_flight(self) -> bool:
        return self.completion is None and not self.canceled

    def cancel(self, *, keep_events: bool = False) -> None:
        """Ask the worker to stop; the completion, when it comes, is dropped.

        ``keep_events``: events the command still produces until the worker has stopped it
        are delivered (a key pressed on the PIN pad while it was still listening: the asker
        decides on the GUI thread whether it takes it, by its state when the key arrives).
        """
        if not self.in_flight:
            return
        self.canceled = True
        self._on_done = None
        if not keep_events:
            self._on_event = None
            if self._owner is not None:
                self._owner._forget(self)
        if self._worker is not None and self.request_id:
            self._worker.cancel(self.request_id)

    def _deliver(self, completion: Completion[T]) -> None:
        if self.canceled:
            self._on_event = None  # the command has ended: no event of it comes later
            if self._owner is not None:
                self._owner._forget(self)
            return
        if self.completion is not None:
            return
        self.completion = completion
        fn, self._on_done, self._on_event = self._on_done, None, None
        if self._owner is not None:
            self._owner._forget(self)
        if fn is not None:
            fn(completion)

    def _event(self, event: DeviceEvent) -> None:
        if self._on_event is not None and self.completion is None:
            self._on_event(event)

    def __repr__(self) -> str:
        state = "in flight" if self.in_flight else ("canceled" if self.canceled else "done")
        return f"<Request #{self.request_id} {self.device}.{self.command} {state}>"


class Requests:
    """Submits commands to the workers (kind -> worker, filled in place as devices come up)."""

    def __init__(self, workers: Mapping[str, Worker], post: Post) -> None:
        self.workers = workers
        self._post = post
        self._in_flight: dict[int, Request[Any]] = {}

    def submit(self, kind: str, command: str, *args: Any,
               on_done: Callable[[Completion[Any]], None],
               on_event: Callable[[DeviceEvent], None] | None = None,
               timeout: float | None = None, safe: bool = False,
               **kwargs: Any) -> Request[Any]:
        """Queue ``<kind>.<command>(*args, **kwargs)``; ``on_done`` gets its Completion later,
        on the GUI thread (never re-entrantly, even when the worker is missing)."""
        request: Request[Any] = Request(kind, command, on_done, on_event, safe=safe)
        request._owner = self
        worker = self.workers.get(kind)
        if worker is None:
            failed: Completion[Any] = Completion(0, CompletionCode.DEVICE_NOT_READY, device=kind,
                                                 command=command, detail="no worker")
            self._post(_Deliver(request, failed))
            return request
        request._worker = worker
        handle = worker.submit(command, *args, timeout=timeout,
                               on_done=_FromWorker(self._post, request), **kwargs)
        request.request_id = handle.request_id
        if request.in_flight:
            self._in_flight[request.request_id] = request
        return request

    def run(self, name: str, fn: Callable[[], T],
            on_done: Callable[[Completion[T]], None]) -> Request[T]:
        """Run a blocking call (the transactions service: journal writes and host round
        trips) on a short thread of its own, never the GUI thread. ``on_done`` gets a
        Completion on the GUI thread like a device command's: SUCCESS with the value as
        ``data``, or INTERNAL_ERROR with the exception as ``data`` (e.g. ``MoneyRefused``).
        Cancelling drops the answer; the call itself runs to its end."""
        request: Request[T] = Request("thread", name, on_done, None, safe=False)
        post = self._post

        def work() -> None:
            try:
                done: Completion[Any] = Completion(0, CompletionCode.SUCCESS, data=fn(),
                                                   device="thread", command=name)
            except Exception as exc:  # handed to the asker, who says what it means
                log.warning("%s failed: %s", name, type(exc).__name__)
                done = Completion(0, CompletionCode.INTERNAL_ERROR, data=exc,
                                  detail=f"{type(exc).__name__}: {exc}", device="thread",
                                  command=name)
            post(_Deliver(request, done))

        threading.Thread(target=work, name=name, daemon=True).start()
        return request

    def route_event(self, event: DeviceEvent) -> None:
        """GUI thread: a solicited event goes to the request it belongs to."""
        request = self._in_flight.get(getattr(event, "request_id", 0) or 0)
        if request is not None:
            request._event(event)

    def in_flight(self) -> list[Request[Any]]:
        return [r for r in self._in_flight.values() if r.in_flight]

    def _forget(self, request: Request[Any]) -> None:
        self._in_flight.pop(request.request_id, None)


class _FromWorker:
    """The worker-thread callback: hand the completion to the GUI thread, nothing else."""

    __slots__ = ("post", "request")

    def __init__(self, post: Post, request: Request[Any]) -> None:
        self.post, self.request = post, request

    def __call__(self, completion: Completion[Any]) -> None:
        self.post(_Deliver(self.request, completion))


class _Deliver:
    __slots__ = ("completion", "request")

    def __init__(self, request: Request[Any], completion: Completion[Any]) -> None:
        self.request, self.completion = request, completion

    def __call__(self) -> None:
        self.request._deliver(self.completion)
