"""Every number the analysis stage decides with, in one place.

Similarities are in [0, 1]. "Retained" is the share of the prior main text's word pairs still present in
the new main text; "title similarity" is a character-level ratio of the normalized, lower-cased titles.
"""

from __future__ import annotations

__all__ = [
    "ARTICLE_MIN_WORDS",
    "BODY_PARA_MIN_WORDS",
    "CHROME_ONLY_NOVELTY",
    "DATELINE_DROP_MAX_WORDS",
    "DATELINE_MAX_WORDS",
    "DROP_MAX_RATIO",
    "DROP_MAX_WORDS",
    "EDIT_STRONG_RETAINED",
    "EDIT_TITLE_RETAINED",
    "EDIT_WEAK_RETAINED",
    "HOME_PAGE_SIM",
    "HOME_TEXT_SIM",
    "LINK_LINE_MIN_WORDS",
    "MESSAGE_MAX_NOVELTY",
    "NF_CORE_CONTAINED",
    "NF_CORE_MIN_WORDS",
    "NF_PAGE_KNOWN_SHARE",
    "NF_PAGE_MAX_WORDS",
    "NF_PAGE_MIN_OWN_WORDS",
    "NF_PAGE_SIM",
    "NF_TEXT_MAX_GROWTH",
    "NF_TEXT_MAX_OWN",
    "NF_TEXT_MAX_OWN_WORDS",
    "NF_TEXT_SIM",
    "NOTICE_MAX_WORDS",
    "NOTICE_PARA_MAX_WORDS",
    "PAGE_SHRINK_RATIO",
    "PAGE_STILL_HAS_TEXT",
    "PROBE_DISAGREE_SIM",
    "REPLACED_MAX_RETAINED",
    "REPLACED_MAX_TITLE_SIM",
    "SECTION_MAX_SEGMENTS",
    "SHINGLE_WORDS",
    "SKETCH_SIZE",
    "SOFT404_SCORE",
    "TEXT_GONE_WORDS",
    "TITLE_SIMILAR",
    "W_CHROME_ONLY",
    "W_HOME_PAGE",
    "W_HOME_TITLE",
    "W_NF_PAGE",
    "W_NF_PHRASE",
    "W_NF_TEXT",
    "W_NF_TITLE",
    "W_PAGE_SHRUNK",
    "W_TEXT_DROP",
    "W_TEXT_GONE",
    "W_TITLE_CHANGED",
]

# --- fingerprints -------------------------------------------------------------------------------------
SKETCH_SIZE = 64  # bottom-k MinHash size: Jaccard error ~ 1/sqrt(64) ≈ 0.12 worst case, plenty for templates
SHINGLE_WORDS = 3  # words per shingle in page fingerprints

# --- extraction stability ----------------------------------------------------------------------------
DATELINE_MAX_WORDS = 12  # clock times/dates in main-text lines this short (bylines) are masked in digests
DATELINE_DROP_MAX_WORDS = 6  # lines this short with a date, time or year are left out of digests entirely
LINK_LINE_MIN_WORDS = 3  # a list item led by (or mostly) a link text this long is a teaser, not article text

# --- continuity with the prior version ----------------------------------------------------------------
# At or above this share of the old text kept, the page IS the article: edited (or unchanged), never removed,
# whatever banners or walls it also shows. A paragraph added/removed/changed keeps ~0.7–0.95.
EDIT_STRONG_RETAINED = 0.6
# Weaker continuity, checked only after walls/notices/soft-404 evidence came up empty: a heavy rewrite.
EDIT_WEAK_RETAINED = 0.35
# With a similar headline, this little kept text is still a (heavy) edit rather than a replacement.
EDIT_TITLE_RETAINED = 0.25
TITLE_SIMILAR = 0.6  # headline counts as "the same story" (typo fixes and additions stay well above)

# --- content replaced -----------------------------------------------------------------------------------
REPLACED_MAX_RETAINED = 0.1  # the new article shares almost no word pairs with the old one …
REPLACED_MAX_TITLE_SIM = 0.45  # … and its headline is unrelated
ARTICLE_MIN_WORDS = 80  # a "valid article" has at least this much main text

# --- main-text drop ---------------------------------------------------------------------------------------
DROP_MAX_RATIO = 0.25  # new main text below 25 % of the old …
DROP_MAX_WORDS = 120  # … and short in absolute terms: the article body is gone
TEXT_GONE_WORDS = 30  # below this many body words (and the drop ratio) there is no article left at all

# --- notices and walls ------------------------------------------------------------------------------------
NOTICE_MAX_WORDS = 200  # on first sight (no prior) only a page with this little prose is a message page …
MESSAGE_MAX_NOVELTY = 0.4  # … and, with a learned profile, one mostly (>= 60 %) made of the site's template
NOTICE_PARA_MAX_WORDS = 60  # a message stands in a short paragraph; longer ones quoting a phrase are prose
BODY_PARA_MIN_WORDS = 12  # "body words" count paragraphs at least this long (menus, link lists are shorter)

# --- soft-404 against the learned profile ----------------------------------------------------------------
NF_TEXT_SIM = 0.6  # word-set Jaccard between the page's main text and a learned not-found text
NF_CORE_CONTAINED = 0.85  # share of the not-found "core" (words all probes showed) found in the main text
NF_CORE_MIN_WORDS = 6  # a core smaller than this says too little to match on
NF_TEXT_MAX_GROWTH = 2.0  # … and the page's distinct words at most this multiple of a not-found text's …
NF_TEXT_MAX_OWN = 0.2  # … and at most this share of them (or NF_TEXT_MAX_OWN_WORDS) never seen on a learned
NF_TEXT_MAX_OWN_WORDS = 25  # not-found page: a story has a vocabulary of its own, a not-found page does not
NF_PAGE_SIM = 0.8  # fingerprint (whole page) similarity with a learned not-found page …
NF_PAGE_MAX_WORDS = 60  # … counts only when the page has (almost) no main text of its own:
NF_PAGE_MIN_OWN_WORDS = 10  # fewer distinct main-text words than this, or …
NF_PAGE_KNOWN_SHARE = 0.5  # … at least this share of them seen on the learned not-found pages
HOME_PAGE_SIM = 0.8  # fingerprint similarity with the learned home page (home served at the article URL) …
HOME_TEXT_SIM = 0.5  # … with little prose, or main-text words this similar (Jaccard) to the home page's
PROBE_DISAGREE_SIM = 0.5  # two probes this different: one probably hit a real page, keep the shorter

# --- redirects ---------------------------------------------------------------------------------------------
SECTION_MAX_SEGMENTS = 1  # a redirect target with at most this many path segments is a section front

# --- soft-404 evidence weights: a page is a soft-404 when the weights of its evidence add up to 1.0 ---------
# (a page with an article body of its own, >= ARTICLE_MIN_WORDS body words, needs 1.0 from template evidence:
# not-found text/page/phrase or home page)
SOFT404_SCORE = 1.0
W_NF_TEXT = 1.0  # main text matches the learned not-found text
W_NF_PHRASE = 1.0  # "page not found" & co. in the title, first heading or a short main text
W_NF_PAGE = 1.0  # whole page looks like the learned not-found page and has no main text
W_HOME_PAGE = 1.0  # whole page looks like the home page
W_NF_TITLE = 0.6  # <title> equals the learned not-found title (not a site-wide generic title)
W_HOME_TITLE = 0.6  # <title> equals the home page's title
W_TEXT_GONE = 1.0  # no prose left where an article stood (see TEXT_GONE_WORDS)
W_TEXT_DROP = 0.5  # main text dropped to a stub (see DROP_*)
W_TITLE_CHANGED = 0.5  # headline unlike the prior one
W_CHROME_ONLY = 0.5  # article text gone and almost nothing on the page is new against the prior page
CHROME_ONLY_NOVELTY = 0.2  # … "almost nothing": this share of the page's shingles at most is new
W_PAGE_SHRUNK = 0.2  # whole page lost half its words
PAGE_SHRINK_RATIO = 0.5
# the prior's text still stands on the page (just extracted differently): the article is there
PAGE_STILL_HAS_TEXT = 0.9
