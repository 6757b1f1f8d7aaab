"""``kaohe serve``: the formulas and the 重新计算排名 button for Excel 2021/365 and Excel on
the web, through xlwings Server (the optional extra ``kaohe[server]``, PolyForm
Noncommercial 1.0.0).

xlwings Server serves its Office.js client, the functions' code and its static files as
they are. In front of it sit what kaohe needs changed (:mod:`addin.serve.app`):

- :mod:`addin.serve.calls`: a formula call, with a blank cell a blank on every argument
  and a clerk's error an HTTP 400 carrying the desktop's text;
- :mod:`addin.serve.button`: the button on a served book (an xlwings script);
- :mod:`addin.serve.manifest`: the add-in's manifest (the 目标考核 tab, kaohe's own id);
- :mod:`addin.serve.pane`: the task pane, the year's status from the archive;
- :mod:`addin.serve.tokens`: the clerks' tokens, hashed in the office settings;
- :mod:`addin.serve.listen`: where it listens (loopback, TLS or a proxy).

Nothing here is imported by the rest of kaohe; without the extra only ``kaohe serve``
says so (:func:`addin.serve.environment.require_server`).
"""
