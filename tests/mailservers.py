"""Real mail servers on 127.0.0.1 for the tests: Dovecot (Debian's dovecot-imapd, which
`make test` installs) with a throwaway configuration, passwd-file logins and maildirs in a
temporary folder; an SMTP server from ``aiosmtpd`` in this process, capturing every
message; a self-signed certificate for both; and a TCP relay that can cut a connection
after so many bytes (a connection dropped mid-fetch)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import pytest

USER, PASSWORD = "khb@example.gov.cn", "s3cret-考核"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


@dataclass
class Dovecot:
    folder: Path
    port: int
    ssl_port: int
    cert: Path
    process: subprocess.Popen | None = None
    conf: Path | None = None

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_dovecot(cert: Path, key: Path) -> Dovecot:
    """Dovecot in a folder of its own under /tmp (its login and auth processes run as other
    users, who must be able to reach the folder: pytest's tmp folders are 0700)."""
    if shutil.which("dovecot") is None:
        pytest.fail("Dovecot is required: run `make test`, which installs dovecot-imapd")
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="kaohe-dovecot-"))
    os.chmod(folder, 0o755)
    shutil.copy(cert, folder / "cert.pem")
    shutil.copy(key, folder / "key.pem")
    cert, key = folder / "cert.pem", folder / "key.pem"
    os.chmod(key, 0o644)
    root = os.geteuid() == 0
    mail = folder / "mail"
    mail.mkdir()
    if root:  # Dovecot never gives mail access as root: the maildirs belong to nobody
        owner = pwd.getpwnam("nobody")
        os.chown(mail, owner.pw_uid, owner.pw_gid)
        os.chmod(folder, 0o755)
        ids, users = f"uid={owner.pw_uid} gid={owner.pw_gid}", "default_login_user = dovenull\n" \
                                                                "default_internal_user = dovecot\n"
    else:
        me = pwd.getpwuid(os.geteuid()).pw_name
        ids, users = f"uid={os.geteuid()} gid={os.getegid()}", (f"default_login_user = {me}\n"
                                                                 f"default_internal_user = {me}\n")
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n", encoding="utf-8")
    port, ssl_port = free_port(), free_port()
    conf = folder / "dovecot.conf"
    conf.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{mail}/%u
first_valid_uid = 1
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = {ids} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}
""", encoding="utf-8")
    server = Dovecot(folder, port, ssl_port, cert, conf=conf)
    server.process = subprocess.Popen(["dovecot", "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
    try:
        wait_port(port)
        wait_port(ssl_port)
    except TimeoutError:
        server.stop()
        err = server.process.stderr.read().decode(errors="replace") if server.process.stderr else ""
        pytest.fail(f"Dovecot did not start: {err}\n{server.log()}")
    return server


# --- SMTP ---------------------------------------------------------------------------


@dataclass
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self):
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class SMTPServer:
    port: int
    messages: list[Captured] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    """Recipient → the SMTP answer given to RCPT TO (``550 …`` or ``451 …``)."""
    controller: object = None

    def stop(self) -> None:
        self.controller.stop()


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.server.refuse.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.server.messages.append(Captured(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def start_smtp(cert: Path | None = None, key: Path | None = None, login: tuple[str, str] | None = None
               ) -> SMTPServer:
    """aiosmtpd on 127.0.0.1; STARTTLS when a certificate is given; AUTH when ``login`` is."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    server = SMTPServer(free_port())
    kwargs: dict = {}
    if cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        kwargs.update(tls_context=context, require_starttls=True)
    if login is not None:
        def authenticator(smtp, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == login[0] and auth_data.password.decode() == login[1]
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticator, auth_require_tls=cert is not None)
    server.controller = Controller(_Handler(server), hostname="127.0.0.1", port=server.port, **kwargs)
    server.controller.start()
    return server


# --- a relay that drops the connection --------------------------------------------


class CuttingRelay:
    """Forwards 127.0.0.1:port to a target; after ``cut_after`` bytes from the server it
    closes both sides (a connection dropped midway)."""

    def __init__(self, target_port: int, cut_after: int):
        self.target_port, self.cut_after = target_port, cut_after
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.cut = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, self.cut_after), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None and sent + len(data) > limit:
                    dst.sendall(data[: max(limit - sent, 0)])
                    self.cut = True
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self.sock.close()
