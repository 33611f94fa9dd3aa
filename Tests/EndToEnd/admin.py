"""The admin listener as the tests read it: a Prometheus scrape parsed into samples."""

import http1


def metrics(port):
    """GET /metrics on the admin port: {series with labels: value}, after checking the scrape is
    the Prometheus text format."""
    response = http1.request(port, "GET", "/metrics")
    assert response.status == 200
    assert response.header("content-type").startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples
