"""Which uvicorn worker answered: reads on fresh connections, and a wait for every worker.

No response says which process served it, so the worker behind a connection is found from
``/proc``: the client socket's local port → the server-side socket inode (``/proc/net/tcp``) →
the worker holding that inode among its file descriptors (Linux only).
"""

from __future__ import annotations

import http.client
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import LOOPBACK, STALL_SECONDS, ServerProcess, cpu_ticks, scaled_timeout

__all__ = ["read_on_new_connection", "wait_until_every_worker_ready"]

READS_PER_ROUND = 16
STARTUP_TIMEOUT_SECONDS = 60.0  # on a quiet machine; scaled by load and YUECAI_TIMEOUT_SCALE


def _socket_inode(local_port: int, remote_port: int) -> str | None:
    """Inode of the socket with this local and remote port on loopback (``/proc/net/tcp``)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == local_port and int(remote.split(":")[1], 16) == (
            remote_port
        ):
            return inode
    return None


def _owner(pids: list[int], inode: str) -> int | None:
    target = f"socket:[{inode}]"
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == target:
                    return pid
            except OSError:
                continue
    return None


def read_on_new_connection(
    server: ServerProcess, path: str, headers: dict[str, str]
) -> tuple[int | None, int, dict[str, object]]:
    """GET ``path`` on a fresh connection; (worker pid that served it, status, body)."""
    port = int(server.base_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = json.loads(response.read())
        assert connection.sock is not None
        client_port = connection.sock.getsockname()[1]
        inode = _socket_inode(port, client_port)  # keep-alive: the connection is still open
        worker = None if inode is None else _owner(server.worker_pids(), inode)
        return worker, response.status, body
    finally:
        connection.close()


def wait_until_every_worker_ready(
    server: ServerProcess, headers: dict[str, str], timeout: float = STARTUP_TIMEOUT_SECONDS
) -> None:
    """Until every worker process has answered ``/ready`` 200 on some connection.

    Under load the second worker may still be importing the app when the first answers. A
    worker that has not answered yet may take as long as it keeps using CPU: the wait fails
    only once :func:`~bench.common.scaled_timeout` of ``timeout`` has passed and no silent
    worker has used CPU for :data:`~bench.common.STALL_SECONDS` (slow is not stuck). A worker
    that answers but not 200 has the scaled timeout from its first answer. Ten times it at most.
    """
    scaled = scaled_timeout(timeout)
    started = last_progress = time.monotonic()
    last_ticks = -1
    ready: set[int] = set()
    answered: dict[int, float] = {}
    last_answer: dict[str, object] = {}
    while True:
        pids = server.worker_pids()
        with ThreadPoolExecutor(max_workers=4) as pool:
            reads = list(
                pool.map(
                    lambda _: read_on_new_connection(server, "/ready", headers),
                    range(READS_PER_ROUND),
                )
            )
        now = time.monotonic()
        for pid, status, body in reads:
            if pid is not None:
                answered.setdefault(pid, now)
                if status == 200:
                    ready.add(pid)
                else:
                    last_answer = body
        if len(pids) > 1 and ready >= set(pids):
            return
        assert server.process.poll() is None, server.log_tail()
        silent = [pid for pid in pids if pid not in answered]
        ticks = sum(cpu_ticks(pid) for pid in silent)
        if ticks != last_ticks:
            last_ticks, last_progress = ticks, now
        waited = now - started
        not_ready = [pid for pid in answered if pid not in ready and now - answered[pid] > scaled]
        stalled = bool(silent) and waited > scaled and now - last_progress > STALL_SECONDS
        assert not (not_ready or stalled) and waited < 10 * scaled, (
            f"workers ready: {sorted(ready)} of {pids} after {waited:.0f}s "
            f"(deadline {scaled:.0f}s); last answer {last_answer}\n{server.log_tail()}"
        )
        time.sleep(0.2)
