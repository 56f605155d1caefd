"""Sources stage: what to watch (articles, feeds, sitemaps, sites) and when to check it next."""

__all__: list[str] = []
