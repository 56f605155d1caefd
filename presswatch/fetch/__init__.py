"""Fetch stage: polite, bounded, SSRF-guarded HTTP fetching with every hop kept for the archive."""

from presswatch.fetch.client import Fetcher, FetchResult, Hop
from presswatch.fetch.guard import TargetGuard, validate_url

__all__ = ["FetchResult", "Fetcher", "Hop", "TargetGuard", "validate_url"]
