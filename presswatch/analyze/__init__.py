"""The analysis stage: extract main text, diff versions, learn site profiles and classify every check."""

from __future__ import annotations

from .classify import (
    STATUSES,
    UNREACHABLE_REASONS,
    Classification,
    Prior,
    classify,
    redirect_kind,
    title_similarity,
)
from .diff import DiffSummary, diff_texts, diff_versions
from .extract import Extracted, extract, text_digest
from .fingerprint import sketch, sketch_similarity
from .page import PageFacts
from .profile import SiteProfile, learn_profile, probe_urls
from .text import decode_html, normalize_text

__all__ = [
    "STATUSES",
    "UNREACHABLE_REASONS",
    "Classification",
    "DiffSummary",
    "Extracted",
    "PageFacts",
    "Prior",
    "SiteProfile",
    "classify",
    "decode_html",
    "diff_texts",
    "diff_versions",
    "extract",
    "learn_profile",
    "normalize_text",
    "probe_urls",
    "redirect_kind",
    "sketch",
    "sketch_similarity",
    "text_digest",
    "title_similarity",
]
