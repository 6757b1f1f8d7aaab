"""Where ``kaohe serve`` listens, checked before it starts.

Loopback (127.0.0.1, ::1, localhost) by default. Any other address exposes the clerks'
calls to the network, so it needs TLS files (``--certfile``/``--keyfile``) or an explicit
``--behind-proxy`` (a reverse proxy on the same machine terminates TLS; then the manifest's
URLs are https and the proxy's ``X-Forwarded-*`` headers are trusted from loopback only).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

LOOPBACK_NAMES = ("localhost",)


class ListenRefused(Exception):
    """A host or TLS set-up kaohe will not listen on (the message says why and what to do)."""


class PortInUse(Exception):
    """The port is taken by another program."""


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    certfile: Path | None = None
    keyfile: Path | None = None
    behind_proxy: bool = False

    @property
    def https(self) -> bool:
        return self.certfile is not None or self.behind_proxy

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.certfile else 'http'}://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen(listen: Listen) -> None:
    """Raise :class:`ListenRefused` for a non-loopback host without TLS or a proxy, or TLS
    files given by half or missing; :class:`PortInUse` when the port is taken."""
    if (listen.certfile is None) != (listen.keyfile is None):
        raise ListenRefused("--certfile 与 --keyfile 须同时给出 [give both --certfile and --keyfile]")
    for path in (listen.certfile, listen.keyfile):
        if path is not None and not Path(path).is_file():
            raise ListenRefused(f"找不到证书文件 {path} [no such file]")
    if not is_loopback(listen.host) and not listen.https:
        raise ListenRefused(f"只在本机地址上可以不加密地提供服务；在 {listen.host} 上提供服务须给出 --certfile 和 --keyfile，"
                            f"或在反向代理之后运行并加 --behind-proxy [a non-loopback host needs TLS files or "
                            f"--behind-proxy]")
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((listen.host, listen.port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(f"端口 {listen.port} 已被其他程序占用，请换一个端口（--port）或先停止该程序 "
                                f"[port {listen.port} is in use]") from None
            raise ListenRefused(f"无法在 {listen.host}:{listen.port} 上提供服务：{exc.strerror} [cannot bind]") from None
