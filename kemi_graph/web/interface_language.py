"""The interface language for every page's header and skip link, as template globals.

Every page offers fi/en and speaks the chosen language in its header, whatever view renders it,
so ``t()``, ``switch()``, ``kept_languages()`` and ``ui_languages`` are template globals rather than something each
view must remember to pass (a view's own ``t`` in its context takes precedence).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, request

from kemi_graph.web.page_kit import DEFAULT_UI, UI_LANGUAGES, lang_query, languages
from kemi_graph.web.ui_text import UI


def t(key: str, **values: Any) -> str:
    """Interface text ``key`` in the request's interface language (English when it has none)."""
    return UI[languages()[0]].get(key, UI["en"].get(key, key)).format(**values)


def switch(lang: str) -> str:
    """This page in interface language ``lang``; a content language chosen with ``?clang=`` is kept
    unless it is ``lang`` itself (the content language follows the interface by default)."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in ("lang", "clang")]
    if lang != DEFAULT_UI:
        pairs.append(("lang", lang))
    if "clang" in request.args and request.args["clang"] != lang:
        pairs.append(("clang", languages()[1]))
    return request.script_root + request.path + (("?" + urlencode(pairs)) if pairs else "")


def kept_languages() -> str:
    """The query string that keeps the chosen languages on a link to another page ('' for the defaults)."""
    return lang_query(*languages())


def init_interface_language(app: Flask) -> None:
    app.jinja_env.globals.update(t=t, switch=switch, kept_languages=kept_languages, ui_languages=UI_LANGUAGES)
