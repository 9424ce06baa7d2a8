"""A server process that goes away loses nothing (CONTRACT.md, Real-time: every durable event
in order, "no gap, no duplicate, even across server processes and restarts").

Two `manage.py serve` processes share one PostgreSQL and one Redis; owners' devices hold sockets
on both, and a writer keeps making invitations and chat messages through the one that stays.
One process goes, killed (SIGKILL: its sockets just drop) or stopped (SIGTERM: it closes them
with 1012 first, `realtime.daphne_worker`); its devices resume on the other with a new ticket
and `since`. Each device must end with exactly its owner's log, and every write must succeed.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from realtime.management.commands.serve import GRACEFUL_STOP_SECONDS
from tests.faults.process_clients import (
    Device,
    Writer,
    invite,
    last_seq,
    logged,
    two_servers,
    wait_until,
)
from tests.owners import sign_up
from tests.server import Server, workers_of

pytestmark = pytest.mark.django_db(transaction=True)

# Writes before the fault (events are flowing) and after it (the survivor takes them).
WRITES_EACH_SIDE = 10
GREETING_SECONDS = 30.0


def start(devices: list[Device]) -> None:
    """Opens the devices one after another, each once it has said hello."""
    for device in devices:
        device.start()
        assert device.greeted.wait(GREETING_SECONDS), f"{device.name} never said hello"


def write_until(writer: Writer, writes: int) -> None:
    wait_until(lambda: writer.writes >= writes, f"{writes} writes through the survivor")


def caught_up(devices: list[Device]) -> None:
    """Waits until each device has its owner's last seq, as the log says."""
    expected = {device: last_seq(device.owner) for device in devices}
    wait_until(
        lambda: all(device.last_seq >= seq for device, seq in expected.items()),
        f"each device received its owner's events up to {[*expected.values()]}",
    )


def assert_each_has_its_log_exactly(devices: list[Device]) -> None:
    for device in devices:
        log = logged(device.owner)
        assert device.problems == [], device.name
        assert [seq for seq, _, _ in device.durable] == list(range(1, len(log) + 1)), device.name
        assert device.durable == log, device.name


def assert_moved(devices: list[Device], *, doomed: Server, survivor: Server) -> None:
    for device in devices:
        expected = [doomed.url, survivor.url] if device.server is doomed else [survivor.url]
        assert device.hellos == expected, device.name


def test_clients_of_a_killed_process_resume_on_the_survivor_without_loss(tmp_path: Path) -> None:
    with two_servers(tmp_path) as (doomed, survivor):
        # given: four owners, devices on both processes (Ben on both), all open
        ann, ben, cat, dan = owners = [
            sign_up(survivor, name) for name in ("ann", "ben", "cat", "dan")
        ]
        invite(survivor, ann, ben)  # a replay for Ben's devices, from seq 1
        devices = [
            Device(ann, doomed, fallback=survivor),
            Device(ben, doomed, fallback=survivor),
            Device(ben, survivor, fallback=survivor),
            Device(cat, survivor, fallback=survivor),
            Device(dan, doomed, fallback=survivor),
        ]
        start(devices)
        writer = Writer(survivor, owners)
        writer.start()
        write_until(writer, WRITES_EACH_SIDE)

        # when: the doomed server's parent and its daphne worker are killed, under writes
        worker_pids = workers_of(doomed.process.pid)
        assert len(worker_pids) == 1
        os.kill(doomed.process.pid, signal.SIGKILL)
        for pid in worker_pids:
            os.kill(pid, signal.SIGKILL)
        killed_at_writes = writer.writes
        doomed.process.wait(timeout=5)

        # then: the writes go on, the doomed devices resume on the survivor
        write_until(writer, killed_at_writes + WRITES_EACH_SIDE)
        wait_until(
            lambda: all(len(device.hellos) == 2 for device in devices if device.server is doomed),
            "the doomed server's devices said hello on the survivor",
        )
        writer.stop()
        caught_up(devices)
        for device in devices:
            device.stop()

    assert writer.failures == []
    assert_moved(devices, doomed=doomed, survivor=survivor)
    for device in devices:
        # A killed process sends no close frame; the survivor closed nothing.
        assert device.close_codes == ([None] if device.server is doomed else []), device.name
    assert_each_has_its_log_exactly(devices)


def test_a_stopped_process_closes_its_sockets_1012_and_its_clients_resume_without_loss(
    tmp_path: Path,
) -> None:
    with two_servers(tmp_path) as (doomed, survivor):
        # given: Ann, Ben and Cat on the doomed server (Ben on the survivor too), Dan on the
        # survivor, everyone's partner (a pending playdate each); Cat's device waits before
        # it resumes, so that Dan can hear her go offline
        ann, ben, cat, dan = owners = [
            sign_up(survivor, name) for name in ("ann", "ben", "cat", "dan")
        ]
        for number, owner in enumerate((ann, ben, cat)):
            invite(survivor, owner, dan, number)
        cat_may_resume = threading.Event()
        dans = Device(dan, survivor, fallback=survivor)
        devices = [
            Device(ann, doomed, fallback=survivor),
            Device(ben, doomed, fallback=survivor),
            Device(ben, survivor, fallback=survivor),
            Device(cat, doomed, fallback=survivor, resume=cat_may_resume),
            dans,
        ]
        start(devices)
        writer = Writer(survivor, owners)
        writer.start()
        write_until(writer, WRITES_EACH_SIDE)

        # when: the doomed server is stopped, as a platform stops it, under writes
        doomed.process.send_signal(signal.SIGTERM)
        stopped_at_writes, sent_at = writer.writes, time.monotonic()
        returncode = doomed.process.wait(timeout=GRACEFUL_STOP_SECONDS + 5)
        stopping_took = time.monotonic() - sent_at

        # then: Dan hears that Cat, who has no other socket, went offline; Cat resumes
        wait_until(lambda: (cat.id, False) in dans.presence, "Dan heard Cat go offline")
        cat_may_resume.set()
        write_until(writer, stopped_at_writes + WRITES_EACH_SIDE)
        wait_until(
            lambda: all(len(device.hellos) == 2 for device in devices if device.server is doomed),
            "the doomed server's devices said hello on the survivor",
        )
        writer.stop()
        caught_up(devices)
        heard = list(dans.presence)  # before any device leaves for good
        for device in devices:
            device.stop()

    # The worker stopped on its own, well before `serve` would have killed it.
    assert returncode == 0
    assert stopping_took < GRACEFUL_STOP_SECONDS
    output = doomed.output()
    assert "stopping: closed 3 sockets with 1012, 0 connections still busy" in output
    assert "Pawdate stopped." in output
    assert writer.failures == []
    assert_moved(devices, doomed=doomed, survivor=survivor)
    for device in devices:
        assert device.close_codes == ([1012] if device.server is doomed else []), device.name
    assert (ben.id, False) not in heard  # his other socket kept him online
    assert_each_has_its_log_exactly(devices)
