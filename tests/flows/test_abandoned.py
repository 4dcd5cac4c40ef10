"""Which tagged flow runs belong to a dead process (``flows.abandoned``): no Prefect needed."""

import os
import socket
import subprocess
import sys

import pytest

from flows.abandoned import PREFIX, _dead, process_tag

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")


def test_live_process_is_not_dead() -> None:
    assert not _dead(process_tag())


def test_ended_process_is_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    tag = process_tag(child.pid)
    child.wait()
    assert _dead(tag)


def test_reused_pid_is_dead_and_other_hosts_and_bad_tags_are_left_alone() -> None:
    host = socket.gethostname()
    assert _dead(f"{PREFIX}{host}:{os.getpid()}:1")  # same pid, another start time: the pid was reused
    assert not _dead(f"{PREFIX}another-host:999999999:1")
    assert not _dead(f"{PREFIX}garbage")
