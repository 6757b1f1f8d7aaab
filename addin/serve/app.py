"""The ASGI app ``kaohe serve`` runs: kaohe's routes in front of xlwings Server's app.

Requests for these paths are kaohe's; every other path (the functions' JavaScript
``/xlwings/custom-functions-code.js``, the client's ``/static/…``, ``/xlwings/alert`` that
``book.app.alert`` opens) goes to xlwings Server's app, mounted below them unchanged:

- ``GET /manifest.xml``: :mod:`addin.serve.manifest`;
- ``GET /taskpane.html``: :mod:`addin.serve.pane` (a shell); ``GET /kaohe/status``: the year's status, with a token;
- ``GET /xlwings/custom-functions-meta.json``: :func:`addin.serve.catalog.functions_meta`;
- ``POST /xlwings/custom-functions-call``: :mod:`addin.serve.calls`;
- ``POST /xlwings/custom-scripts-call/recompute``: :mod:`addin.serve.button`.

The two calls take xlwings Server's own ``User`` dependency (``dependencies.User``): its
configured auth provider decides who calls (the clerks' tokens, or Entra ID), and a call
without a valid token is HTTP 401 before kaohe runs. Each call is logged with the clerk's
name (logger ``kaohe.serve``), never the token.
"""

# no `from __future__ import annotations`: FastAPI reads the routes' annotations (Request,
# xlwings Server's dependencies.User), which are local to build_app
import datetime as dt
import json
import logging
from pathlib import Path

from addin.serve.year import ServedYear

logger = logging.getLogger("kaohe.serve")


def base_url(request, public_url: str | None, https: bool) -> str:
    """The add-in's URL as Excel reaches it: ``public_url`` if given, else the request's
    host, with https when the server has TLS or sits behind a proxy (which terminates it)."""
    if public_url:
        return public_url.rstrip("/")
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or request.url.netloc
    return f"{'https' if https else request.url.scheme}://{host}"


def build_app(year: ServedYear, *, public_url: str | None = None, https: bool = False):
    """The app serving ``year``; ``https``: the manifest's URLs are https (TLS or a proxy)."""
    from addin.serve.catalog import served_functions

    functions = served_functions()  # configures xlwings Server before its import
    from fastapi import FastAPI, Request
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
    from xlwings_server import dependencies as dep
    from xlwings_server.config import settings
    from xlwings_server.main import main_app

    from addin.serve import button, calls, pane
    from addin.serve.catalog import functions_meta
    from addin.serve.manifest import render_manifest

    if settings.environment != "prod" or settings.functions_namespace or not settings.auth_providers:
        raise RuntimeError("xlwings Server was imported before addin.serve.environment.configure_server: its "
                           f"settings are {settings.environment=}, {settings.functions_namespace=}, "
                           f"{settings.auth_providers=}")
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.year = year
    app.state.last_run = None

    @app.get("/manifest.xml")
    async def manifest(request: Request):
        return Response(render_manifest(base_url(request, public_url, https)), media_type="application/xml")

    @app.get("/taskpane.html")
    async def taskpane():
        from addin.office.folder import recorded_year

        scripts = ["/static/js/config.js", "/static/vendor/office-js/16.0.20308.15050/dist/office.js",
                   "/static/js/custom-scripts/index.js", "/static/js/auth.js", "/xlwings/custom-functions-code.js"]
        html = pane.render_pane(recorded_year(year.master), include=button.included_sheets(year.scheme()),
                                scripts=scripts, config=settings.jsconfig)
        return HTMLResponse(html)

    @app.get("/kaohe/status")
    async def status(current_user: dep.User):
        from addin.office.folder import recorded_year

        logger.info("报送情况 由 %s 查看 [status read by]", current_user.name)
        found = pane.year_status(year.master, recorded_year(year.master))
        return HTMLResponse(pane.render_status(found, app.state.last_run))

    @app.get("/xlwings/custom-functions-meta.json")
    @app.get("/xlwings/custom-functions-meta")
    async def meta():
        return JSONResponse(functions_meta())

    @app.post("/xlwings/custom-functions-call")
    async def custom_functions_call(request: Request, current_user: dep.User):
        data = json.loads(await request.body())
        logger.info("公式 %s 由 %s 调用 [function called by]", str(data.get("func_name"))[:40], current_user.name)
        try:
            result = await calls.call_function(data, functions, year.master)
        except calls.Refused as exc:
            return PlainTextResponse(exc.text, status_code=400)
        return JSONResponse({"result": result})  # not FastAPI's jsonable_encoder: it walks every cell

    @app.post("/xlwings/custom-scripts-call/recompute")
    async def recompute(request: Request, current_user: dep.User):
        logger.info("重新计算排名 由 %s 调用 [recompute called by]", current_user.name)
        payload = json.loads(await request.body())
        answer, message = button.run_button(payload, year.scheme(), year.folder, year.master,
                                            platform=request.headers.get("kaohe-platform"))
        app.state.last_run = pane.LastRun(dt.datetime.now(), current_user.name, message)
        return JSONResponse(answer)

    app.mount("/", main_app)
    return CORSMiddleware(app=app, allow_origins=settings.cors_allow_origins, allow_methods=["POST"],
                          allow_headers=["*"], allow_credentials=False)


def serve_app(folder: Path, master: Path, **options):  # noqa: ANN201
    """:func:`build_app` for the year folder ``folder`` with master ``master``."""
    from addin.serve.year import serve_year

    return build_app(serve_year(folder, master), **options)
