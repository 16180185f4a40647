"""deploy/nginx.conf as shipped, run on loopback: free ports, a self-signed certificate, files in a folder.

For the tests and benchmarks that put the shipped proxy in front of a local server (they need Debian's
nginx and openssl). Only the addresses, ports, certificate paths and Host header change; every limit,
timeout and header of the shipped file applies as it would in production.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

SITE = Path(__file__).resolve().parent / "nginx.conf"


def available() -> bool:
    return bool(shutil.which("nginx") and shutil.which("openssl"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(folder: Path, upstream_port: int) -> tuple[list[str], int]:
    """Write the configuration into `folder`; returns the nginx command (in the foreground) and its HTTPS port."""
    http_port, https_port = free_port(), free_port()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True)  # fmt: skip
    site = SITE.read_text(encoding="utf-8")
    for old, new in {"listen 80;": f"listen 127.0.0.1:{http_port};", "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
                     "127.0.0.1:8000": f"127.0.0.1:{upstream_port}", "/etc/ssl/qianfan/fullchain.pem": str(folder / "cert.pem"),
                     "/etc/ssl/qianfan/privkey.pem": str(folder / "key.pem")}.items():  # fmt: skip
        if old not in site:
            raise ValueError(f"{SITE} no longer contains {old!r}")
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    site = site.replace("$host", "$http_host")  # on a port of its own the Host carries the port (CSRF's referrer check)
    (folder / "site.conf").write_text(site, encoding="utf-8")
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    (folder / "nginx.conf").write_text(
        f"daemon off; worker_processes 1; pid {folder}/nginx.pid; error_log {folder}/nginx-error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{ access_log off; client_body_temp_path {temp['body']}; proxy_temp_path {temp['proxy']}; "
        f"fastcgi_temp_path {temp['fastcgi']}; uwsgi_temp_path {temp['uwsgi']}; scgi_temp_path {temp['scgi']};\n"
        f"include {folder}/site.conf; }}\n", encoding="utf-8")  # fmt: skip
    command = [shutil.which("nginx"), "-p", str(folder), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx -t refused the configuration:\n{checked.stderr}")
    return command, https_port
