"""`manage.py serve`: daphne worker processes on one port.

The parent binds one listening socket per worker on the same port (SO_REUSEPORT) and hands each
worker its own (`--fd`), so the kernel spreads new connections evenly over the workers. (With
one shared socket, whichever worker wakes first accepts a burst of keep-alive connections and
keeps them: measured, that left one core idle in some runs.) The parent restarts a worker that
dies, on the same socket, and stops them all on SIGINT/SIGTERM: each worker
(`realtime.daphne_worker`) first closes its sockets with 1012, for their clients to resume
elsewhere, and finishes the requests under way. Without REDIS_URL the in-memory channel layer,
cache and rate-limit counters live in one process, so one worker is used.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from prometheus_client import multiprocess

MAX_WEBSOCKET_MESSAGE_BYTES = 64 * 1024
# A worker's own graceful stop takes up to realtime.daphne_worker.GOING_AWAY_SECONDS of it.
GRACEFUL_STOP_SECONDS = 10


class Command(BaseCommand):
    help = "Serve HTTP and WebSockets with daphne worker processes on one port."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "0")) or os.cpu_count() or 1,
            help="daphne processes (default: WEB_CONCURRENCY or the number of CPUs)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workers: int = options["workers"]
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if not settings.REDIS_URLS and workers > 1:
            self.stdout.write(
                "REDIS_URL is not set: the in-memory channel layer works within one process, "
                "so serving with 1 worker."
            )
            workers = 1

        self._check_port_is_free(options["host"], options["port"])
        listeners = [self._bind(options["host"], options["port"]) for _ in range(workers)]
        env = self._worker_environment()
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)

        children = [self._spawn(listener, env) for listener in listeners]
        scheme_host = f"http://{options['host']}:{options['port']}"
        self.stdout.write(
            self.style.SUCCESS(
                f"Pawdate is serving on {scheme_host} with {workers} daphne "
                + ("worker" if workers == 1 else "workers")
            )
            + f" (DEBUG={'on' if settings.DEBUG else 'off'}). Stop with Ctrl-C."
        )
        try:
            while not self.stopping:
                time.sleep(0.5)
                for index, child in enumerate(children):
                    code = child.poll()
                    if code is not None and not self.stopping:
                        self.stderr.write(f"worker {child.pid} exited with {code}; restarting it")
                        # Its live gauges (open sockets) die with it, in /metrics too.
                        multiprocess.mark_process_dead(child.pid, str(self.metrics_dir))  # type: ignore[no-untyped-call]
                        time.sleep(1)
                        children[index] = self._spawn(listeners[index], env)
        finally:
            self._shutdown(children)
            for listener in listeners:
                listener.close()

    def _check_port_is_free(self, host: str, port: int) -> None:
        """SO_REUSEPORT would let a second server share the port silently; refuse instead."""
        with socket.socket(self._family(host), socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from exc

    @staticmethod
    def _family(host: str) -> socket.AddressFamily:
        return socket.AF_INET6 if ":" in host else socket.AF_INET

    def _bind(self, host: str, port: int) -> socket.socket:
        listener = socket.socket(self._family(host), socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            listener.bind((host, port))
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from exc
        listener.listen(1024)
        listener.set_inheritable(True)
        return listener

    def _worker_environment(self) -> dict[str, str]:
        env = dict(os.environ)
        metrics_dir = settings.VAR_DIR / f"prometheus-{os.getpid()}"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        self.metrics_dir = metrics_dir
        return env

    def _spawn(self, listener: socket.socket, env: dict[str, str]) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "realtime.daphne_worker",
            "--fd",
            str(listener.fileno()),
            "--access-log",
            os.devnull,  # our request log replaces it, and it would print WebSocket tickets
            "--websocket-max-message-size",
            str(MAX_WEBSOCKET_MESSAGE_BYTES),
            "--application-close-timeout",
            "5",
            "config.asgi:application",
        ]
        return subprocess.Popen(command, pass_fds=[listener.fileno()], env=env)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _shutdown(self, children: list[subprocess.Popen[bytes]]) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + GRACEFUL_STOP_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        shutil.rmtree(self.metrics_dir, ignore_errors=True)
        self.stdout.write("Pawdate stopped.")
