"""Fetch stage: polite, bounded, SSRF-guarded HTTP fetching with every hop kept for the archive."""

from .client import Fetcher, FetchResult, Hop
from .guard import TargetGuard, validate_url

__all__ = ["FetchResult", "Fetcher", "Hop", "TargetGuard", "validate_url"]
