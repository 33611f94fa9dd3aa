"""`gateway --check --config <file>` validates without serving. A bad config names the file and
line (`<file>:<line>:`) and says plainly what is wrong; a good one exits 0."""

import subprocess

import pytest

import processes
from gateway_config import GatewayConfig


def good_config_text():
    # Port 1 on the backend: --check must not need the backend to be up.
    return GatewayConfig(port=processes.free_port(), backend_address="127.0.0.1:1").render()


def line_of(text, needle):
    """1-based number of the line containing `needle`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in config")


def with_line_after(text, anchor, new_line):
    lines = text.splitlines()
    lines.insert(line_of(text, anchor), new_line)
    return "\n".join(lines) + "\n"


def test_good_config_passes(gateway_bin, tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(good_config_text())
    result = processes.run_check(gateway_bin, path)
    assert result.returncode == 0, result.stderr


# (id, how to break the good config, a word the reason must contain, the line to point at)
BAD_CONFIGS = [
    ("unknown-key", lambda t: with_line_after(t, "max_request_body", "  max_bananas: 3"), "max_bananas"),
    (
        "route-to-unknown-service",
        lambda t: t.replace("service: testing.v1.TestService", "service: no.such.Service"),
        "no.such.Service",
    ),
    ("route-to-unknown-backend", lambda t: t.replace("backend: test}", "backend: nowhere}"), "nowhere"),
    ("bad-value", lambda t: t.replace("workers: 2", "workers: many"), "workers"),
]


@pytest.mark.parametrize("breaks, word", [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_is_refused_with_location(gateway_bin, tmp_path, breaks, word):
    text = breaks(good_config_text())
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = processes.run_check(gateway_bin, path)
    assert result.returncode != 0
    line = line_of(text, word)
    assert f"{path}:{line}:" in result.stderr, f"expected {path}:{line}: in:\n{result.stderr}"
    assert word in result.stderr, f"the reason should name {word!r}:\n{result.stderr}"


def test_bad_config_stops_the_start(gateway_bin, tmp_path):
    """Without --check, the same error stops the gateway before it serves."""
    text = with_line_after(good_config_text(), "max_request_body", "  max_bananas: 3")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = subprocess.run(
        [str(gateway_bin), "--config", str(path)], capture_output=True, text=True, timeout=10
    )
    assert result.returncode != 0
    assert f"{path}:{line_of(text, 'max_bananas')}:" in result.stderr
