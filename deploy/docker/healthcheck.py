"""Container health check: exit 0 when GET /<service>/health/<kind> answers 200.

Usage: ``python /app/healthcheck.py [live|ready]`` (default ``live``). Reads
``ONTOUR_SERVICE`` and ``ONTOUR_HTTP_PORT`` from the environment; ``ONTOUR_HEALTH_PREFIX``
replaces the ``/<service>`` prefix (empty for the front door: ``/health/live``). Standard
library only, so it runs in the slim runtime image without curl or wget.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

KINDS = ("live", "ready")


def check(kind: str = "live", timeout: float = 3.0) -> int:
    if kind not in KINDS:
        print(f"unknown health check {kind!r}; use one of {', '.join(KINDS)}", file=sys.stderr)
        return 2
    service = os.environ.get("ONTOUR_SERVICE", "")
    port = os.environ.get("ONTOUR_HTTP_PORT", "8000")
    if not service:
        print("ONTOUR_SERVICE is not set", file=sys.stderr)
        return 2
    prefix = os.environ.get("ONTOUR_HEALTH_PREFIX", f"/{service}")
    url = f"http://127.0.0.1:{port}{prefix}/health/{kind}"
    try:
        # A fixed http URL on the loopback interface, built from our own settings.
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(check(*sys.argv[1:2]))
