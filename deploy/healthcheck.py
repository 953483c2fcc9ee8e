"""Exits 0 when a daphne process answers its liveness probe, 1 otherwise: the image's health check (no curl there).

    python deploy/healthcheck.py [URL]        URL defaults to http://127.0.0.1:8000/healthz

The request carries a Host header Django accepts (the first of DJANGO_ALLOWED_HOSTS), as the proxy's probes do.
"""

import os
import sys
import urllib.error
import urllib.request


def probe_host():
    hosts = [host.strip() for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host.strip()]
    if not hosts or hosts[0] == "*":
        return None
    # ".example.org" allows example.org and its subdomains.
    return hosts[0].lstrip(".")


def main(argv):
    url = argv[1] if len(argv) > 1 else "http://127.0.0.1:8000/healthz"
    if not url.startswith("http://"):
        print(f"healthcheck: {url} is not an http:// URL", file=sys.stderr)
        return 2
    host = probe_host()
    request = urllib.request.Request(url, headers={"Host": host} if host else {})  # noqa: S310 (http:// checked)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            status = response.status
    except (OSError, urllib.error.HTTPError) as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
