"""The web application, a shell over the core: :mod:`~presswatch.web.app` (the one app factory),
:mod:`~presswatch.web.pages` (server-rendered pages), :mod:`~presswatch.web.api` (JSON API v1),
:mod:`~presswatch.web.auth` (accounts, sessions, API tokens, CSRF), :mod:`~presswatch.web.queries` (what
each audience may read), :mod:`~presswatch.web.search` (full text), :mod:`~presswatch.web.i18n` (languages),
:mod:`~presswatch.web.principal` (who is asking); the replay origin lives beside them."""

__all__: list[str] = []
