"""nginx in front of N opsplan processes: render deploy/nginx.conf.in and run nginx in the foreground.

    python deploy/proxy.py --listen 8080 --ports 8501 8502 --prefix /var/lib/opsplan-proxy

`--prefix` is a folder nginx may write (its pid, logs and temporary files); the rendered
configuration is `<prefix>/nginx.conf`. `--check` only tests the configuration (nginx -t).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.in"
TEMP_FOLDERS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def render(listen: int, ports: Sequence[int], prefix: Path) -> str:
    """The configuration text: the proxy on 127.0.0.1:`listen`, one upstream server per app port."""
    if not ports:
        raise ValueError("give at least one app process port")
    servers = "\n".join(f"        server 127.0.0.1:{int(p)} max_fails=1 fail_timeout=5s;" for p in ports)
    return (TEMPLATE.read_text().replace("@PREFIX@", str(prefix)).replace("@LISTEN@", str(int(listen)))
            .replace("@SERVERS@", servers))


def write(listen: int, ports: Sequence[int], prefix: Path) -> Path:
    """Render into `prefix` (created, with nginx's temporary folders) and return the file."""
    for name in TEMP_FOLDERS:
        (prefix / name).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render(listen, ports, prefix))
    return conf


def command(conf: Path, prefix: Path, check: bool = False) -> list[str]:
    """nginx's command line for `conf` (`-e` keeps the startup log in `prefix`, not /var/log)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf), *(["-t"] if check else [])]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python deploy/proxy.py", description=__doc__.splitlines()[0])
    p.add_argument("--listen", type=int, default=8080)
    p.add_argument("--ports", type=int, nargs="+", required=True, help="the app processes' ports")
    p.add_argument("--prefix", required=True, help="a folder nginx may write")
    p.add_argument("--check", action="store_true", help="test the configuration and exit")
    args = p.parse_args(argv)
    prefix = Path(args.prefix).resolve()
    conf = write(args.listen, args.ports, prefix)
    argv_nginx = command(conf, prefix, args.check)
    os.execv(argv_nginx[0], argv_nginx)  # nginx in this process: a supervisor stops it like the app processes
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
