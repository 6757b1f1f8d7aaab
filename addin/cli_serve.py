"""``kaohe serve`` (registered by :mod:`addin.cli`): the year folder's formulas and button
for Excel 2021/365 and Excel on the web, through xlwings Server. A thin adapter over
:mod:`addin.serve`."""

from __future__ import annotations

from pathlib import Path

import typer

from addin.cli_common import EXIT_USAGE, exit_on, say, where
from addin.environment import EXIT_ENVIRONMENT


def serve(
    year_dir: Path = typer.Option(None, "--year-dir", help="年度文件夹（省略为当前文件夹）[the year folder]"),
    host: str = typer.Option("127.0.0.1", help="监听地址；非本机地址须 TLS 或 --behind-proxy [the address]"),
    port: int = typer.Option(8000, help="端口 [the port]"),
    public_url: str = typer.Option(None, "--public-url", help="Excel 访问本服务的地址，如 https://kaohe.example.gov.cn "
                                   "[the URL Excel reaches the server at]"),
    certfile: Path = typer.Option(None, "--certfile", help="TLS 证书（PEM）[TLS certificate]"),
    keyfile: Path = typer.Option(None, "--keyfile", help="TLS 私钥（PEM）[TLS key]"),
    behind_proxy: bool = typer.Option(False, "--behind-proxy", help="在终止 TLS 的反向代理之后运行 [behind a TLS proxy]"),
    add_token: str = typer.Option(None, "--add-token", metavar="NAME", help="为一名工作人员生成令牌（只显示一次，"
                                  "设置文件中只存其散列）后退出 [make a clerk's token, print it once, and exit]"),
) -> None:
    """为 Excel 2021/365 和 Excel 网页版提供本年度的公式和“重新计算排名”（经 xlwings Server）
    [serve the year's formulas and button to Excel 2021/365 and Excel on the web].

    Serves the year folder it runs in (its scheme, holidays and archive). Listens on 127.0.0.1 by default;
    another host needs --certfile/--keyfile or --behind-proxy. Prints the manifest's URL to sideload.

    Exit codes: 0 stopped; 2 the extra is missing (pip install "kaohe[server]"), a bad host, folder or file;
    3 the port is in use.

    Example (in a year folder): kaohe serve --add-token 张三; kaohe serve --host 0.0.0.0 --behind-proxy
    """
    from addin.serve.environment import ServerMissing, require_server

    try:
        require_server()
    except ServerMissing as exc:
        say(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    at = where(None, year_dir, None, need_year=False)
    folder = at.folder or at.master.parent
    if add_token:
        from addin.serve.tokens import TokenError
        from addin.serve.tokens import add_token as make_token

        with exit_on(TokenError, folder=folder):
            token = make_token(folder, add_token)
        say(f"{add_token} 的令牌（只显示这一次，请当面交给本人，在“目标考核”任务窗格中输入）[{add_token}'s token, shown once]:")
        say(token)
        return
    from addin.serve.listen import Listen, ListenRefused, PortInUse, check_listen

    listen = Listen(host, port, certfile, keyfile, behind_proxy)
    try:
        check_listen(listen)
    except ListenRefused as exc:
        say(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except PortInUse as exc:
        say(str(exc))
        raise typer.Exit(EXIT_ENVIRONMENT) from None
    run(listen, folder, at.master, public_url)


def run(listen, folder: Path, master: Path, public_url: str | None) -> None:
    import uvicorn

    from addin.serve.app import serve_app
    from addin.serve.environment import LICENCE_NOTE

    app = serve_app(folder, master, public_url=public_url, https=listen.https)
    shown = (public_url or listen.url).rstrip("/")
    say(f"目标考核服务 [serving]: {folder.resolve()}")
    say(f"加载项清单 [manifest]: {shown}/manifest.xml")
    say(LICENCE_NOTE)
    uvicorn.run(app, host=listen.host, port=listen.port, ssl_certfile=listen.certfile and str(listen.certfile),
                ssl_keyfile=listen.keyfile and str(listen.keyfile), proxy_headers=listen.behind_proxy,
                forwarded_allow_ips="127.0.0.1" if listen.behind_proxy else None, timeout_keep_alive=120,
                log_level="info")
