"""gunicorn on a free loopback port, for the submit and phone measurements."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.parts.common import ROOT, free_port, peak_rss_mb


class Gunicorn:
    """gunicorn on a free loopback port; on exit, the workers' peak memory is kept in ``worker_mb``."""

    def __init__(self, app_spec: str, url: str, workers: int, ready_path: str = "/"):
        self.app_spec, self.url, self.workers, self.ready_path = app_spec, url, workers, ready_path
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.worker_mb: list[float] = []

    def __enter__(self):
        env = {**os.environ, "DATABASE_URL": self.url, "SECRET_KEY": "bench-secret-key", "PYTHONPATH": str(ROOT),
               "RATELIMIT_ENABLED": "1"}
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--no-control-socket", "-w", str(self.workers),
             "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "--log-level", "warning", self.app_spec],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        import http.client

        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"gunicorn {self.app_spec} exited:\n{self.log.read().decode()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", self.ready_path)
                conn.getresponse().read()
                conn.close()
                # Every worker booted: gunicorn starts them at once; give the last a moment.
                time.sleep(0.5)
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn {self.app_spec} did not answer within 60 s")

    def workers_pids(self) -> list[int]:
        try:
            return [int(p) for p in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()]
        except OSError:
            return []

    def __exit__(self, *exc):
        self.worker_mb = [m for m in (peak_rss_mb(p) for p in self.workers_pids()) if m]
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
