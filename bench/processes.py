"""The benchmark's child processes (each in its own session, stopped group and all), and CPU."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


class Children:
    """Every process the benchmark starts; `stop_all` stops them, `check_alive` reports a death."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.children: list[Child] = []
        self.watched: list[tuple[str, subprocess.Popen[bytes], Path]] = []  # started elsewhere

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        log = self.folder / f"{name}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                argv, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def watch(self, name: str, process: subprocess.Popen[bytes], log: Path) -> None:
        """Also report the death of `process`, which something else starts and stops."""
        self.watched.append((name, process, log))

    def stop(self, child: Child) -> None:
        """SIGTERM the child's process group (its own session), then SIGKILL what is left."""
        if child not in self.children:
            return
        self.children.remove(child)
        pgid = child.process.pid
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            try:
                child.process.wait(timeout=wait)
                os.killpg(pgid, 0)  # the group may still hold a forked RQ work horse
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
            time.sleep(0.2)

    def stop_all(self) -> None:
        for child in reversed(list(self.children)):
            self.stop(child)

    def check_alive(self) -> None:
        running = [(c.name, c.process, c.log) for c in self.children] + self.watched
        for name, process, log in running:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                raise SystemExit(f"{name} exited ({process.returncode}):\n{tail}")


def wait_http(port: int, children: Children) -> None:
    """Until a server answers (any HTTP status) on 127.0.0.1:`port`, for at most a minute."""
    deadline = time.monotonic() + 60
    while True:
        children.check_alive()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(100).startswith(b"HTTP/1."):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"nothing answered on 127.0.0.1:{port}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_stat(pid: str) -> list[str]:
    """/proc/<pid>/stat after the name: state, ppid, pgrp, ..., utime [11], stime [12]."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def _processes() -> Iterator[tuple[str, list[str]]]:
    """(pid, /proc/<pid>/stat fields after the name) of every process still there."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = _proc_stat(pid)
        except OSError:
            continue
        yield pid, stat


Snapshot = tuple[float, float, float]  # monotonic time, machine CPU busy, the benchmark's CPU


class CpuWatch:
    """CPU seconds used by the benchmark's processes, and by everything else on the machine."""

    def __init__(self, children: Children) -> None:
        self.children = children
        self.tick = os.sysconf("SC_CLK_TCK")

    def ours(self) -> float:
        """This process, its children's groups and the processes it watches (reaped ones too)."""
        groups = {str(c.process.pid) for c in self.children.children}
        pids = {str(os.getpid())} | {str(p.pid) for _, p, _ in self.children.watched}
        mine = [f for pid, f in _processes() if pid in pids or f[2] in groups]
        return sum(int(v) for f in mine for v in f[11:15]) / self.tick

    def workers(self, master: int) -> dict[str, float]:
        """CPU seconds of each process whose parent is `master` (a gunicorn's workers)."""
        return {
            pid: (int(stat[11]) + int(stat[12])) / self.tick
            for pid, stat in _processes()
            if stat[1] == str(master)
        }

    def cpu(self, pid: int) -> float:
        try:
            stat = _proc_stat(str(pid))
        except OSError:
            return 0.0
        return (int(stat[11]) + int(stat[12])) / self.tick

    def busy(self) -> float:
        """CPU seconds the whole machine spent busy (all but idle and iowait)."""
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:9]]
        return (sum(values) - values[3] - values[4]) / self.tick

    def snapshot(self) -> Snapshot:
        return time.monotonic(), self.busy(), self.ours()

    @staticmethod
    def others(before: Snapshot, after: Snapshot) -> float:
        """CPUs busy on average with processes that are not the benchmark's."""
        wall = after[0] - before[0]
        return max(0.0, (after[1] - before[1]) - (after[2] - before[2])) / wall if wall else 0.0
