"""The analysis stage: extract main text, diff versions, learn site profiles and classify every check."""

from __future__ import annotations

from presswatch.analyze.classify import (
    STATUSES,
    UNREACHABLE_REASONS,
    Classification,
    Prior,
    classify,
    redirect_kind,
    title_similarity,
)
from presswatch.analyze.diff import DiffSummary, diff_texts, diff_versions
from presswatch.analyze.extract import Extracted, extract, text_digest
from presswatch.analyze.fingerprint import sketch, sketch_similarity
from presswatch.analyze.page import PageFacts
from presswatch.analyze.profile import SiteProfile, learn_profile, probe_urls
from presswatch.analyze.text import decode_html, normalize_text

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
