"""End-to-end fixtures: Python stubs generated from proto/ at test time, and the real `jobmatch` binary on a free
port, always stopped at the end."""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

REPO = Path(__file__).resolve().parents[2]
DEVSET = Path(os.environ.get("E2E_DEVSET", REPO.parent / "shared" / "data" / "devset"))
START_TIMEOUT_S = float(os.environ.get("E2E_START_TIMEOUT", "60"))


def _generate_stubs() -> Path:
    out = Path(tempfile.mkdtemp(prefix="jobmatch-stubs-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    protos = sorted(str(p.relative_to(REPO / "proto")) for p in (REPO / "proto" / "jobmatch" / "v1").glob("*.proto"))
    cmd = [sys.executable, "-m", "grpc_tools.protoc", f"-I{REPO / 'proto'}", f"--python_out={out}",
           f"--grpc_python_out={out}", *protos]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"protoc failed: {res.stderr}")
    return out


_STUBS = _generate_stubs()
sys.path.insert(0, str(_STUBS))


def binary() -> Path:
    if os.environ.get("E2E_JOBMATCH_BIN"):
        return Path(os.environ["E2E_JOBMATCH_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "debug" / "jobmatch"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `jobmatch serve` process."""

    def __init__(self, data_dir: Path, binary: Path | None = None, demo: bool = True, env: dict | None = None):
        self.data_dir = data_dir
        self.binary = binary
        self.demo = demo
        self.extra_env = env or {}
        self.port = free_port()
        self.admin_port = free_port()
        self.addr = f"127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        self.proc = None
        self.channel = None

    def start(self) -> "Server":
        bin_path = self.binary or binary()
        if not bin_path.is_file():
            raise RuntimeError(f"{bin_path} is missing: run `cargo build -p jobmatch-server` first")
        self.log = open(self.log_path, "ab")
        cmd = [str(bin_path), "serve", "--data-dir", str(self.data_dir), "--listen", self.addr]
        if not self.demo:
            cmd.append("--no-demo")
        self.proc = subprocess.Popen(
            cmd,
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            # JOBMATCH_* variables are server configuration (figment); keep the caller's out of the test server.
            env={**{k: v for k, v in os.environ.items() if not k.startswith("JOBMATCH_")},
                 "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
                 "JOBMATCH_ADMIN_LISTEN": f"127.0.0.1:{self.admin_port}",
                 **self.extra_env},
        )
        self.channel = grpc.insecure_channel(self.addr)
        self.wait_serving()
        return self

    def logs(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def wait_serving(self):
        stub = health_pb2_grpc.HealthStub(self.channel)
        deadline = time.monotonic() + START_TIMEOUT_S
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} during start:\n{self.logs()}")
            try:
                resp = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if resp.status == health_pb2.HealthCheckResponse.SERVING:
                    return
                last = resp.status
            except grpc.RpcError as e:
                last = e.code()
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server not SERVING within {START_TIMEOUT_S} s (last: {last}):\n{self.logs()}")

    def terminate(self, timeout: float = 10.0) -> int:
        """SIGTERM, then the exit code (raises when it does not exit in time)."""
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.kill()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if getattr(self, "log", None) and not self.log.closed:
            self.log.close()


@pytest.fixture(scope="session")
def workdir():
    with tempfile.TemporaryDirectory(prefix="jobmatch-e2e-") as d:
        yield Path(d)


@pytest.fixture(scope="session")
def server(workdir):
    """The server with the demo data set (default `serve`), shared by the tests of the session."""
    data = workdir / "data"
    data.mkdir()
    s = Server(data)
    try:
        s.start()
        yield s
    finally:
        s.kill()


@pytest.fixture(scope="session")
def pb():
    from jobmatch.v1 import records_pb2, service_pb2, service_pb2_grpc

    class PB:
        records = records_pb2
        service = service_pb2
        grpc = service_pb2_grpc

    return PB
