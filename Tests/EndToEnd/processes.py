"""Starting and stopping the real processes the suite drives: the grpcio test backend, the orders
example's backend, the gateway binary, and headless Chromium. Each keeps its output in a log file
so a failing test can show it.
"""

import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEST_BACKEND = HERE / "test_backend.py"
ORDERS_BACKEND = ROOT / "examples" / "orders" / "backend.py"
READY_TIMEOUT_S = 10.0


class ProcessFailed(RuntimeError):
    pass


def free_port():
    """A port nothing listens on right now (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gateway_binary():
    """$GATEWAY_BIN, or the debug build in the package."""
    return Path(os.environ.get("GATEWAY_BIN", ROOT / ".build" / "debug" / "gateway"))


def _tail(path, lines=60):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _stop(process, grace_s=5.0):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class BackendProcess:
    """Tests/EndToEnd/test_backend.py on loopback; port 0 lets it pick a free port itself.
    `host` is another loopback address (127.0.0.2) or "[::1]"; `args` are more options for
    test_backend.py (`--instance NAME`, `--grace S`, ...).
    """

    def __init__(self, log_path, port=0, host="127.0.0.1", args=()):
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, str(TEST_BACKEND), "--host", host, "--port", str(port), *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        self.port = self._read_port()
        self.address = f"{host}:{self.port}"

    def _read_port(self):
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                line = self.process.stdout.readline().decode()
                if line.startswith("LISTENING "):
                    return int(line.split()[1])
                if not line:
                    break
        self.stop()
        raise ProcessFailed(f"test backend did not start:\n{_tail(self.log_path)}")

    def log_tail(self):
        return _tail(self.log_path)

    def kill(self):
        """SIGKILL: the process is gone at once; the kernel closes its sockets (no GOAWAY)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def send_signal(self, signum):
        self.process.send_signal(signum)

    def wait(self, timeout_s):
        """Waits for the process to exit; returns its exit code, or None if it still runs."""
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a stopped process cannot act on SIGTERM
        _stop(self.process)
        self._log.close()


class GatewayProcess:
    """`gateway --config <yaml>`, ready once its port accepts TCP connections. `wrapper` is a
    command the gateway runs under (it must exec the gateway, so signals reach it)."""

    def __init__(self, binary, config_path, port, log_path, wrapper=()):
        self.binary = Path(binary)
        self.config_path = Path(config_path)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [*wrapper, str(self.binary), "--config", str(self.config_path)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.close()
                raise ProcessFailed(
                    f"gateway exited with {self.process.returncode} before listening on {self.port}; "
                    f"config {self.config_path}:\n{self.config_path.read_text()}\nlog:\n{_tail(self.log_path)}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise ProcessFailed(f"gateway not listening on {self.port} after {READY_TIMEOUT_S}s:\n{_tail(self.log_path)}")

    def is_running(self):
        return self.process.poll() is None

    def log_tail(self):
        return _tail(self.log_path)

    def stop(self):
        _stop(self.process)
        if not self._log.closed:
            self._log.close()


def run_check(binary, config_path, timeout_s=30):
    """`gateway --check --config <yaml>`: validates and exits. Returns the CompletedProcess."""
    return subprocess.run(
        [str(binary), "--check", "--config", str(config_path)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


def _wait_listening(process, port, what, log_path):
    """Until `port` accepts TCP connections; ProcessFailed if `process` exits or time runs out."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ProcessFailed(f"{what} exited with {process.returncode} before listening on {port}:\n{_tail(log_path)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    _stop(process)
    raise ProcessFailed(f"{what} not listening on {port} after {READY_TIMEOUT_S}s:\n{_tail(log_path)}")


class OrdersBackendProcess:
    """examples/orders/backend.py on loopback, with `update_interval_s` between stream updates."""

    def __init__(self, log_path, update_interval_s=0.5):
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "wb")
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, str(ORDERS_BACKEND), "--host", "127.0.0.1", "--port", str(self.port)],
            env={**os.environ, "ORDERS_UPDATE_INTERVAL_S": str(update_interval_s)},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_listening(self.process, self.port, "orders backend", self.log_path)
        except ProcessFailed:
            self._log.close()
            raise

    def log_tail(self):
        return _tail(self.log_path)

    def stop(self):
        _stop(self.process)
        if not self._log.closed:
            self._log.close()


def chromium_binary():
    """$CHROMIUM_BIN, or chromium on the PATH (scripts/setup installs it); None if neither."""
    found = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium")
    return Path(found) if found else None


class ChromiumProcess:
    """Headless Chromium with the DevTools protocol on a port it picks itself (port 0; it writes
    the port into DevToolsActivePort in its profile directory). A fresh profile every time, so no
    cache or cached CORS preflight survives from an earlier run."""

    def __init__(self, binary, profile_dir, log_path):
        self.profile_dir = Path(profile_dir)
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [
                str(binary),
                "--headless=new",
                "--no-sandbox",  # the suite may run as root, where the sandbox refuses to start
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                f"--user-data-dir={self.profile_dir}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # Its own process group, so stop() reaches the renderer and helper processes too.
            start_new_session=True,
        )
        self.port = self._read_devtools_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def _read_devtools_port(self):
        active_port = self.profile_dir / "DevToolsActivePort"
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.close()
                raise ProcessFailed(f"chromium exited with {self.process.returncode}:\n{_tail(self.log_path)}")
            try:
                lines = active_port.read_text().splitlines()
                if lines and lines[0].strip().isdigit():
                    return int(lines[0])
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        self.stop()
        raise ProcessFailed(f"chromium wrote no DevToolsActivePort in {READY_TIMEOUT_S}s:\n{_tail(self.log_path)}")

    def log_tail(self):
        return _tail(self.log_path)

    def stop(self):
        _stop(self.process)
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # helpers the browser left behind, if any
        except ProcessLookupError:
            pass
        if not self._log.closed:
            self._log.close()
