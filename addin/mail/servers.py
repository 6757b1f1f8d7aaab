"""The office's mail servers: settings resolved with the environment, connections, and
failures a clerk can act on.

Each setting of the year folder's ``邮箱`` section (:class:`addin.office.settings.MailSettings`)
may be given, and overridden, by an environment variable: ``KAOHE_IMAP_HOST``,
``KAOHE_IMAP_PORT``, ``KAOHE_IMAP_SECURITY``, ``KAOHE_IMAP_USER``, ``KAOHE_IMAP_FOLDER``,
``KAOHE_SMTP_HOST``, ``KAOHE_SMTP_PORT``, ``KAOHE_SMTP_SECURITY``, ``KAOHE_SMTP_USER``,
``KAOHE_MAIL_FROM`` and ``KAOHE_MAIL_CAFILE``. Passwords come only from
``KAOHE_IMAP_PASSWORD`` / ``KAOHE_SMTP_PASSWORD`` or the OS keyring (service
``kaohe-imap`` / ``kaohe-smtp``, user name as the login): never from a file or the
command line.

Exit codes of the mail commands (``fetch``, ``intake --reply``, ``remind --send``):

- 2: could not run: a setting is missing, or there is no password;
- 4: the server refused the user name or password;
- 5: the server could not be reached, or the TLS handshake failed;
- 6: the connection dropped, or the server refused a command midway (IMAP NO/BAD, an SMTP
  4xx/5xx answer). What was done before is kept, and nothing is marked done that was not.
"""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from addin.errors import KaoheError
from addin.office.settings import MailSettings

EXIT_SETTINGS, EXIT_AUTH, EXIT_CONNECT, EXIT_SERVER = 2, 4, 5, 6
DEFAULT_PORTS = {("imap", "ssl"): 993, ("imap", "starttls"): 143, ("imap", "none"): 143,
                 ("smtp", "ssl"): 465, ("smtp", "starttls"): 587, ("smtp", "none"): 25}
LOOPBACK = ("127.0.0.1", "::1", "localhost")
TIMEOUT = 60


class MailError(KaoheError):
    """A mail failure: ``code`` is the command's exit code, the message one line."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Server:
    protocol: str
    """``imap`` or ``smtp``."""
    host: str
    port: int
    security: str
    user: str | None
    password: str | None
    cafile: str | None = None

    @property
    def account(self) -> str:
        """Who reads which mailbox: the key of what was fetched."""
        return f"{self.user or ''}@{self.host}:{self.port}"

    def __repr__(self) -> str:  # never print a password
        return f"Server({self.protocol}, {self.host}:{self.port}, {self.security}, user={self.user!r})"


@dataclass(frozen=True)
class MailConfig:
    imap: Server | None
    smtp: Server | None
    folder: str
    mail_from: str | None
    deadline: Any


def keyring_password(service: str, user: str) -> str | None:
    """The password in the OS keyring, or None (no keyring, or no entry)."""
    try:
        import keyring

        return keyring.get_password(service, user)
    except Exception:  # no backend on this machine: the environment must give it
        return None


def _server(protocol: str, settings: MailSettings, env: Mapping[str, str],
            keyring_get: Callable[[str, str], str | None]) -> Server | None:
    up = protocol.upper()
    host = env.get(f"KAOHE_{up}_HOST") or getattr(settings, f"{protocol}_host")
    if not host:
        return None
    security = env.get(f"KAOHE_{up}_SECURITY") or getattr(settings, f"{protocol}_security")
    if security not in ("ssl", "starttls", "none"):
        raise MailError(EXIT_SETTINGS, f"KAOHE_{up}_SECURITY 应为 ssl、starttls 或 none，不是“{security}” "
                                       f"[security must be ssl, starttls or none]")
    if security == "none" and host not in LOOPBACK:
        raise MailError(EXIT_SETTINGS, f"{host}：不加密的连接（none）只允许用于本机测试，请设为 ssl 或 starttls "
                                       f"[unencrypted mail is for a loopback test only]")
    raw_port = env.get(f"KAOHE_{up}_PORT") or getattr(settings, f"{protocol}_port")
    try:
        port = int(raw_port) if raw_port else DEFAULT_PORTS[(protocol, security)]
    except ValueError:
        raise MailError(EXIT_SETTINGS, f"KAOHE_{up}_PORT 应为端口号，不是“{raw_port}” [not a port]") from None
    user = env.get(f"KAOHE_{up}_USER") or getattr(settings, f"{protocol}_user")
    password = env.get(f"KAOHE_{up}_PASSWORD") or (keyring_get(f"kaohe-{protocol}", user) if user else None)
    return Server(protocol, host, port, security, user, password, env.get("KAOHE_MAIL_CAFILE") or settings.cafile)


def resolve_mail(settings: MailSettings, env: Mapping[str, str],
                 keyring_get: Callable[[str, str], str | None] = keyring_password) -> MailConfig:
    """The mail settings in force: the settings file, overridden by the environment. The
    From address defaults to the SMTP login when that is an address."""
    smtp = _server("smtp", settings, env, keyring_get)
    login = smtp.user if smtp and smtp.user and "@" in smtp.user else None
    return MailConfig(_server("imap", settings, env, keyring_get), smtp,
                      env.get("KAOHE_IMAP_FOLDER") or settings.imap_folder,
                      env.get("KAOHE_MAIL_FROM") or settings.mail_from or login, settings.deadline)


def require(server: Server | None, protocol: str) -> Server:
    up = protocol.upper()
    word = "收件（IMAP）" if protocol == "imap" else "发件（SMTP）"
    if server is None:
        raise MailError(EXIT_SETTINGS, f"未设置{word}服务器：请在 设置.yaml 的“邮箱”中填写，或设置 KAOHE_{up}_HOST "
                                       f"[no {protocol.upper()} host set]")
    if server.user and not server.password:
        raise MailError(EXIT_SETTINGS, f"没有{word}密码：请设置环境变量 KAOHE_{up}_PASSWORD，或存入系统钥匙串"
                                       f"（服务名 kaohe-{protocol}，用户名 {server.user}） [no password: set "
                                       f"KAOHE_{up}_PASSWORD or the OS keyring]")
    return server


def require_from(config: MailConfig) -> str:
    """The From of what kaohe sends, or a :class:`MailError` saying where to set it."""
    if not config.mail_from:
        raise MailError(EXIT_SETTINGS, "未设置发件地址：请在 设置.yaml 的“邮箱”中填写“发件地址”，或设置 KAOHE_MAIL_FROM "
                                       "[no From address set]")
    return config.mail_from


def _context(server: Server) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=server.cafile)


def _where(server: Server) -> str:
    return f"{server.host}:{server.port}"


def _unreachable(server: Server, exc: BaseException) -> MailError:
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return MailError(EXIT_CONNECT, f"与邮件服务器 {_where(server)} 的 TLS 握手失败（{server.security}）：{exc}；"
                                       f"请核对端口与加密方式，或在“根证书”中指定单位的根证书 [TLS handshake failed]")
    return MailError(EXIT_CONNECT, f"无法连接邮件服务器 {_where(server)}：{type(exc).__name__}: {exc} "
                                   f"[cannot reach the mail server]")


def connect_imap(server: Server, timeout: float = TIMEOUT) -> imaplib.IMAP4:
    """A logged-in IMAP connection, or a :class:`MailError`."""
    try:
        if server.security == "ssl":
            imap = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=_context(server), timeout=timeout)
        else:
            imap = imaplib.IMAP4(server.host, server.port, timeout=timeout)
            if server.security == "starttls":
                imap.starttls(ssl_context=_context(server))
    except (OSError, imaplib.IMAP4.error) as exc:
        raise _unreachable(server, exc) from None
    try:
        if server.user:
            login_imap(imap, server.user, server.password or "")
    except imaplib.IMAP4.abort as exc:
        raise MailError(EXIT_SERVER, f"登录时连接中断（{_where(server)}）：{exc} [connection dropped]") from None
    except imaplib.IMAP4.error as exc:
        close(imap)
        raise MailError(EXIT_AUTH, f"收件服务器 {_where(server)} 拒绝了用户名或密码（{server.user}）：{_text(exc)} "
                                   f"[IMAP login refused]") from None
    except OSError as exc:
        raise MailError(EXIT_SERVER, f"登录时连接中断（{_where(server)}）：{exc} [connection dropped]") from None
    return imap


def login_imap(imap: imaplib.IMAP4, user: str, password: str) -> None:
    """LOGIN, or AUTHENTICATE PLAIN in UTF-8 when the name or password is not ASCII
    (imaplib's LOGIN sends ASCII only)."""
    if user.isascii() and password.isascii():
        imap.login(user, password)
        return
    token = f"\0{user}\0{password}".encode("utf-8")
    imap.authenticate("PLAIN", lambda _challenge: token)


def connect_smtp(server: Server, timeout: float = TIMEOUT) -> smtplib.SMTP:
    """A logged-in SMTP connection, or a :class:`MailError`."""
    try:
        if server.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, context=_context(server), timeout=timeout)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
            if server.security == "starttls":
                smtp.starttls(context=_context(server))
    except (OSError, smtplib.SMTPException) as exc:
        raise _unreachable(server, exc) from None
    try:
        if server.user:
            login_smtp(smtp, server.user, server.password or "")
    except smtplib.SMTPAuthenticationError as exc:
        close(smtp)
        raise MailError(EXIT_AUTH, f"发件服务器 {_where(server)} 拒绝了用户名或密码（{server.user}）："
                                   f"{exc.smtp_code} {_text(exc.smtp_error)} [SMTP login refused]") from None
    except (OSError, smtplib.SMTPException) as exc:
        close(smtp)
        raise MailError(EXIT_SERVER, f"发件服务器 {_where(server)} 登录失败：{_text(exc)} [SMTP login failed]") from None
    return smtp


def login_smtp(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """LOGIN as smtplib does, or AUTH PLAIN in UTF-8 when the name or password is not ASCII
    (smtplib encodes credentials as ASCII only)."""
    if user.isascii() and password.isascii():
        smtp.login(user, password)
        return
    import base64

    smtp.ehlo_or_helo_if_needed()
    token = base64.b64encode(f"\0{user}\0{password}".encode("utf-8")).decode("ascii")
    code, answer = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())[:200]


def close(conn: Any) -> None:
    """Log out, whatever state the connection is in."""
    for name in ("logout", "quit", "close"):
        try:
            getattr(conn, name)()
            return
        except (OSError, imaplib.IMAP4.error, smtplib.SMTPException, AttributeError, socket.timeout):
            continue


def check_connections(config: MailConfig) -> list[tuple[str, MailError | None]]:
    """Connect and log in to both servers (and select the folder): what failed, for each."""
    out: list[tuple[str, MailError | None]] = []
    for protocol, server in (("imap", config.imap), ("smtp", config.smtp)):
        label = f"{protocol.upper()} {server.host}:{server.port} ({server.security})" if server else protocol.upper()
        try:
            conn = connect_imap(require(server, protocol)) if protocol == "imap" else \
                connect_smtp(require(server, protocol))
            try:
                if protocol == "imap":
                    typ, _ = conn.select(quote_mailbox(config.folder), readonly=True)
                    if typ != "OK":
                        raise MailError(EXIT_SERVER, f"收件文件夹“{config.folder}”不存在 [no such folder]")
                else:
                    conn.noop()
            finally:
                close(conn)
            out.append((label, None))
        except MailError as exc:
            out.append((label, exc))
    return out


def quote_mailbox(name: str) -> str:
    """A mailbox name as an IMAP quoted string (UTF-7 for non-ASCII, RFC 3501 §5.1.3)."""
    if not name.isascii():
        name = imap_utf7(name)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_utf7(text: str) -> str:
    """Modified UTF-7 (RFC 3501 §5.1.3): 已接收 → &XfJjpWU2-."""
    import base64

    out, run = [], []

    def flush():
        if run:
            data = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            run.clear()

    for ch in text:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)
