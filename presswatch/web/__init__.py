"""The web application: server-rendered pages, the JSON API, the replay origin (a shell over the core)."""

__all__: list[str] = []
