"""English rules. Patterns run over a sentence's *key string*: its tokens lower-cased, possessives
stripped, every word that names a country replaced by ``CTRY``, joined by single spaces."""

from __future__ import annotations

import re

__all__ = ["ACTION_RULES", "BODY_RULES", "CLAIM_RULES", "DATE_PATTERNS", "LANG", "MONTHS", "OUTCOME_RULES",
           "RELATIVE", "WEEKDAYS", "ANAPHORA", "BLOCK_PLACE", "LIFTED", "NO_BLOCK", "NEGATION", "OUTLET_NOUNS",
           "PERSON_NOUNS", "REQUEST_OF", "BODY_HEADS", "AMBIGUOUS_HEADS", "NOT_STATE", "STATE_WORDS", "TELLING",
           "NEGATED_PAPER", "NOUN_BEFORE_BLOCK", "NOUN_AFTER_BLOCK", "PLAIN_WARNING_BEFORE", "PLAIN_WARNING_AFTER",
           "STORY_TOLD", "OWN_LETTER", "GAVE_IN", "SEARCH"]

LANG = "en"

_DOM = (r"(?:internal|affairs|interior|information|culture|tourism|digital|development|transport|social|justice|"
        r"foreign|communications?|education|health|emergency|situations|defen[cs]e|economy|youth|sports?|"
        r"religious|media|technolog(?:y|ies)|innovation|mass|press|public|security|and|,)")
_REG = (r"(?:information|and|communications?|technolog(?:y|ies)|radio|television|supreme|telecommunications?|"
        r"mass|media|broadcasting|high|state|digital|internet|,)")
_OF_C = r"(?: (?:of|in|under) (?:the )?(?:government of )?(?:CTRY|republic of CTRY|CTRY republic))?"

# a noun after a head that makes the head a modifier: "internet service providers", "media agency staff"
_NOT_HEAD = (r"(?:providers?|operators?|users?|compan(?:y|ies)|industry|sector|market|subscribers?|customers?|"
             r"staff|employees?|fees?|charges?|contracts?)\b")

# (pattern over the key string, actor kind)
BODY_RULES: list[tuple[str, str]] = [
    (r"(?:CTRY )?(?:media |telecoms? |telecommunications? |internet |state )?regulator(?: ,)? roskomnadzor",
     "regulator"),
    (r"(?:CTRY )?(?:roskomnadzor|btk|rtük|rtuk)", "regulator"),
    (r"(?:CTRY )?(?:the )?" + _REG + r"(?: " + _REG + r"){0,5} (?:authority|council|agency|service|commission|"
     r"inspectorate)(?! " + _NOT_HEAD + r")" + _OF_C, "regulator"),
    (r"(?:CTRY )?(?:media|telecoms?|telecommunications?|communications|broadcasting|internet|state) regulator",
     "regulator"),
    (r"(?:CTRY )?(?:media|communications|broadcasting|telecoms?|internet|state|press|television|tv) watchdog"
     r"(?! group)", "regulator"),
    (r"(?:CTRY )?ministry of (?:the )?" + _DOM + r"(?: " + _DOM + r"){0,6}" + _OF_C, "government"),
    (r"(?:CTRY )?(?:(?:interior|internal affairs|foreign|information|culture|justice|digital|communications?|"
     r"media|youth|sports?) (?:and |, )?){1,4}ministry", "government"),
    (r"(?:CTRY )?(?:city|town) hall|(?:CTRY )?(?:hokimiyat|akimat|mayoralty)", "government"),
    (r"(?:CTRY )?minister of " + _DOM + r"(?: " + _DOM + r"){0,4}", "government"),
    (r"governor of (?:the )?(?:CTRY|[a-z]+) region|(?:CTRY )?(?:regional )?governor|mayor of CTRY|"
     r"(?:CTRY )?mayor 's office|(?:CTRY )?presidential administration", "government"),
    (r"CTRY (?:authorities|government|officials)|(?:the )?(?:authorities|government) (?:of|in) CTRY", "government"),
    (r"(?:CTRY )?(?:the )?(?:prosecutor(?:-general| general)|prosecutor-general)(?: office)?(?: of CTRY)?",
     "law-enforcement"),
    (r"(?:CTRY )?(?:the )?(?:CTRY )?prosecutor office(?: of CTRY)?|(?:CTRY )?prosecutors?|"
     r"(?:CTRY )?investigative committee(?: of CTRY)?", "law-enforcement"),
    (r"(?:CTRY )?(?:state committee for national security|national security committee|state security "
     r"(?:service|committee)|security service|gknb|knb|fsb|kgb|sgb|dtx)(?: of CTRY)?(?: \( gknb \))?",
     "law-enforcement"),
    (r"(?:CTRY )?(?:city |regional |traffic )?police(?: department| officers| officials)?(?: in CTRY| of CTRY)?",
     "law-enforcement"),
    (r"(?:officers|investigators) from (?:the )?(?:CTRY )?(?:city )?police(?: department)?", "law-enforcement"),
    (r"(?:an? |the )?(?:CTRY )?(?:[a-z]+ )?(?:district|regional|city|supreme|constitutional|criminal|appeals?|"
     r"administrative|military) court(?: of (?:peace|appeals?))?(?: in CTRY| of CTRY)?", "court"),
    (r"(?:an? |the )?(?:CTRY )?court(?: in CTRY| of CTRY)|an? (?:CTRY |[a-z]+ )?court|CTRY court", "court"),
    (r"(?:an? |the )?(?:CTRY )?(?:criminal |civil )?judgeship of peace(?: in CTRY| of CTRY)?", "court"),
    (r"google|youtube|facebook|meta|telegram|twitter|instagram|tiktok|vkontakte|(?:social network|platform|"
     r"network|company|owner of) x|x \( formerly twitter \)|x corp", "platform"),
]

# head nouns of state bodies' names ("the Ministry of Emergency Response and Civil Protection of
# Kazakhstan", "the Agency for Information … under the Presidential Administration"): head -> kind
BODY_HEADS: dict[str, str] = {
    "ministry": "government", "minister": "government", "administration": "government",
    "department": "government", "office": "government", "committee": "government", "directorate": "government",
    "court": "court", "judgeship": "court", "agency": "regulator", "service": "regulator",
    "inspectorate": "regulator", "commission": "regulator", "council": "regulator", "authority": "regulator",
    "regulator": "regulator", "board": "regulator", "municipality": "government",
}
# heads that are common nouns too ("a delivery service", "the news agency"): only a capitalised name counts
AMBIGUOUS_HEADS = frozenset({"administration", "department", "office", "committee", "directorate", "agency",
                             "service", "commission", "council", "authority", "board"})
# what makes a name with a common-noun head a state body: a country, or one of these words
STATE_WORDS = frozenset({"state", "national", "presidential", "president", "federal", "regional", "city", "district",
                         "government", "republic", "public", "chief", "prosecutor", "police", "security", "internal",
                         "affairs", "interior", "information", "communications", "communication", "media", "mass",
                         "press", "broadcasting", "television", "radio", "digital", "telecommunications", "culture",
                         "justice", "investigative", "investigation", "supervision", "oversight", "religious",
                         "emergency", "emergencies", "exceptional", "situations", "defence", "defense",
                         "anti-corruption", "customs", "tax",
                         "supervisory", "municipal"})
# words that make a name no state body of a country (international bodies, universities, NGOs)
NOT_STATE = frozenset({"europe", "european", "nations", "international", "journalists", "reporters", "borders",
                       "university", "journalism", "amnesty", "watch", "osce", "bazaar", "rfe", "rl", "rferl", "bbc",
                       "voa", "dw"})

# generic back-references ("the ministry", "the committee"): (pattern, head word the body's name holds, or
# a kind any state body of which it may stand for)
ANAPHORA: list[tuple[str, str]] = [
    (r"the ministry", "ministry"), (r"the regulator", "regulator"), (r"the court", "court"),
    (r"the (?:presiding )?judges?", "(?:court|judgeship)"), (r"the judgeship", "judgeship"),
    (r"the watchdog", "(?:regulator|watchdog|authority|commission|council|agency|service|board)"),
    (r"the service", "service"), (r"the prosecutors?", "prosecutor"), (r"the committee", "committee"),
    (r"the agency", "agency"), (r"the commission", "commission"), (r"the council", "council"),
    (r"the inspectorate", "inspectorate"),
]

OUTLET_NOUNS = (r"(?:(?:independent |investigative |exiled |regional |online |the )*(?:news (?:website|site|portal|"
                r"agency)|website|outlet|newspaper|weekly|portal|broadcaster|channel|news site|site|tv channel|"
                r"agency|media outlet|magazine|daily|news portal|outlets|websites|sites|newspapers|portals|channels|"
                r"news sites|magazines|broadcasters|(?:radio |tv |television |community )?stations?|"
                r"(?:editors|editorial (?:office|board|team|staff)|newsroom|websites?|sites?) of(?: the)?)),?")
PERSON_NOUNS = (r"(?:blogger|journalist|reporter|editor-in-chief|editor|correspondent|activist|columnist|"
                r"photojournalist|photographer|cameraman|presenter|founder|co-founder|freelancer|stringer)")

# a search, a seizure, a summons for questioning ("searched the flat and took two laptops", "officers kept his
# notebook", "was summoned by the police and questioned for five hours"): an act of its own kind ("other"),
# but in the sentence of an arrest the arrest's own manner ("detained her in a raid on her home")
SEARCH = (r"\b(?:searched|raided|search of|raid on|searches of|raids on)\b (?:(?:the |his |her |their |its )?"
          r"(?:\S+ ){0,2}?)(?:home|homes|flat|flats|apartment|apartments|house|office|offices|newsroom|studio|studios|"
          r"premises|editorial)\b|\b(?:seized|confiscated|took|kept|impounded) (?:\S+ ){0,3}?(?:laptops?|phones?|"
          r"computers?|cameras?|hard drives?|notebooks?|equipment|servers?|devices?)\b|\b(?:laptops?|phones?|"
          r"computers?|cameras?|equipment|servers?|devices?) (?:\S+ ){0,3}?(?:was|were|had been|have been) "
          r"(?:seized|confiscated|impounded)\b|\bsummoned (?:\S+ ){0,8}?(?:for questioning|and questioned|"
          r"and interrogated)|\binterrogated\b")

# (pattern over the key string, action kind); the first match of each kind per sentence counts
_REMOVE = (r"(?:remove|removed|removing|delete|deleted|deleting|take down|taken down|taking down|"
           r"take (?:it|them|the \w+) down|take \w+ off|"
           r"take (?:\S+ ){1,6}?off (?:the air|air|its website|the website|its site|the site)|pull|pulled|pull down|"
           r"stop (?:airing|broadcasting|publishing|distributing)|withdraw|withdrawn|delist|unpublish|removal|"
           r"deletion|takedown|scrub|erase)")
ACTION_RULES: list[tuple[str, str]] = [
    (r"(?:ask|asked|asking|asks|demand|demanded|demanding|demands|order|ordered|ordering|request|requested|"
     r"requesting|require|required|requiring|told|tell|urged|urging|called on|insist|insisted|send|sent|"
     r"instruct|instructed|instructing|direct|directed|directing|oblige|obliged|obliging|pressed|pressured|"
     r"seek|seeks|seeking|sought|want|wanted|wants|compel|compelled|summoned|gave|given|giving|gives|force|forced|"
     r"forces|forcing|coerced|pressured into|pressed into|pushed)"
     r"\b(?:(?!\bnot\b|\bn't\b)[^.]){0,120}?\b" + _REMOVE + r"\b", "demand-removal"),
    (r"\b(?:demand|request|order|letter|notice|requirement|instruction|warning)s? (?:from [^.]{0,80}? )?(?:for|of|to) "
     + _REMOVE + r"|\b(?:takedown|removal|"
     r"deletion) (?:notices?|orders?|requests?|demands?|letters?|notifications?)\b", "demand-removal"),
    # "the video was taken down at the request of the committee": removed because someone demanded it
    (r"\b(?:removed|deleted|taken down|took (?:\S+ ){1,3}?down|pulled|withdrawn|unpublished) (?:\S+ ){0,6}?"
     r"(?:at the request of|on the (?:orders?|demand|instructions?) of|(?:following|after) (?:a|an|the) "
     r"(?:\S+ )?(?:request|demand|order|letter|instruction) (?:from|by|of))", "demand-removal"),
    # "the editors refused to delete the story": a demand was made
    (r"\b(?:refused|refuses|refusing|declined|declines|rejected) (?:a |the )?(?:demand |request |order )?"
     r"(?:to )?(?:remove|delete|take (?:\S+ )?down|unpublish|withdraw|pull)\b", "demand-removal"),
    (r"(?:ask|asked|demand|demanded|demanding|order|ordered|request|requested|told|urged|required|requiring|"
     r"instructed|directed|obliged|seeking|sought|wants|wanted)"
     r"\b(?:(?!\bnot\b|\bn't\b|\bnever\b)[^.]){0,100}?\b(?:correct|edit|amend|rewrite|retract|refute|revise|rectify|"
     r"change the (?:text|headline)|"
     r"(?:publish|broadcast|air|print|run) (?:a )?(?:retraction|correction|rebuttal|denial|apology))\b", "demand-edit"),
    (r"(?:demand|demanded|demanding|demands|order|ordered|ordering|orders|oblige|obliged|obliging|require|required|"
     r"requiring|asked) (?:that it |it to |the [a-z]+ to |(?:\S+ ){1,5}?to )?(?:publish |print |run |issue |attach |"
     r"add |append |post |carry )?(?:a |an )?"
     r"(?:retraction|correction|rebuttal|refutation)", "demand-edit"),
    (r"\b(?:warned|warnings?|warns|warn|cautioned|caution|cautions|reprimands?|reprimanded)\b"
     r"(?! that (?:it|they|he|she|the [a-z]+) had\b)|issued (?:an? )?(?:official )?"
     r"(?:notice|notification|caution|admonition)|\b(?:notified|informed) (?:\S+ ){0,8}?(?:of|about) (?:a |the )?"
     r"(?:possible |potential )?(?:liability|prosecution|charges|sanctions|penalties)", "warning"),
    (r"(?:sent|sends|forwarded|forwards|referred|refers|passed|passes|handed|hands|transferred|transfers)\b"
     r"[^.]{0,80}?\bto (?:the )?(?:CTRY )?(?:public |state |general )?(?:prosecutor|prosecutors|prosecution|"
     r"prosecutor's office|prosecutor general)\b", "referral-prosecutor"),
    (r"forwarded the case to|referred the case to|(?:refer|refers|referred|send|sends|sent|pass|passes|passed|hand|"
     r"hands|handed|forward|forwards|forwarded) "
     r"(?:the )?(?:matter|materials?|case|complaint|file) (?:over )?to (?:the )?(?:CTRY )?(?:prosecutor|police|"
     r"investigators|investigative committee)", "referral-prosecutor"),
    (r"\bopened (?:a |the )?(?:criminal )?(?:case|investigation|proceedings) against", "lawsuit"),
    (r"\bban(?:s|ned|ning)? (?:the )?(?:its )?distribution|\bextremist materials\b|"
     r"\bbanned\b|\bbanning\b|outlaw(?:ed)?|declared [^.]{0,80}?\bextremist\b|\b(?:labell?ed|designated|"
     r"recognized|recognised) [^.]{0,60}?\bextremist\b|distribution [^.]{0,60}?\b(?:prohibited|forbidden)\b|"
     r"\bprohibited (?:the )?(?:distribution|dissemination)|\b(?:imposed|issued|introduced|ordered) (?:a |an )?"
     r"(?:(?!access )\S+ )?ban\b|\b(?:upheld|confirmed|extended) (?:a |an |the )?(?:\S+ )?ban\b|"
     r"\bban on (?:the )?(?:\S+ ){0,3}?(?:newspaper|daily|weekly|outlet|site|website|channel|broadcaster|"
     r"publication|magazine|programme|program|book|film|documentary)s?\b|"
     r"\b(?:revoked|revokes|withdrew|cancelled|canceled|annulled) (?:the |its |their )?(?:\S+ )?licen[cs]e|"
     r"\bstripped (?:\S+ ){0,4}?of (?:its|their|the) (?:\S+ )?licen[cs]e|\bbroadcast(?:ing)? ban\b|"
     r"\blicen[cs]es? [^.]{0,40}?(?:was|were|has been|had been|have been) (?:revoked|withdrawn|"
     r"cancell?ed|annulled)\b|\b(?:was|were|has been|had been) taken off (?:the )?air\b", "ban"),
    # a suspension (of a licence, a programme, an outlet) is for a time: an act of its own kind, as a fine is
    (r"\blicen[cs]es? [^.]{0,40}?(?:was|were|has been|had been|have been) suspended\b|"
     r"\bsuspended (?:the |its )?(?:broadcasting|broadcasts|"
     r"publication|licen[cs]e)|\bsuspension of (?:the |its )?(?:broadcasting|broadcasts|publication|licen[cs]e)|"
     r"\b(?:suspend|suspends|suspended|suspending|suspension of) (?:the |its |their |his |her )?(?:\S+ ){0,3}?"
     r"(?:licen[cs]es?|programmes?|programs?|shows?|broadcasts?|newspaper|paper|daily|weekly|magazine|channel|"
     r"website|outlet|activities|operations|(?:print |online )?editions?)\b", "other"),
    (r"\bblock(?:s|ed|ing)?\b|restrict(?:s|ed|ing)? access|\baccess ban\b|access (?:was|has been|is) restricted|"
     r"\bunable to (?:open|access|reach)\b|could not be (?:opened|accessed|reached)|cannot be (?:opened|"
     r"accessed|reached)|\bunreachable\b|\bonly (?:through|via|with|using) (?:a |an )?(?:vpn|proxy)|"
     r"(?:access|ban) (?:was|were) implemented|\bblocked in CTRY|"
     r"\b(?:implemented|enforced|executed|applied|carried out|put) (?:the |an |its )?(?:access )?(?:ban|block|"
     r"blocking)\b|"
     r"\b(?:cut|cuts|cutting) off access|access to [^.]{0,90}?(?:was|has been|have been|is|were|had been) "
     r"(?:\S+ )?(?:restricted|limited|cut)|\binaccessible\b|\bunavailable (?:to (?:\S+ ){1,3})?in CTRY|"
     r"\bmade [^.]{0,60}?\bunavailable\b|"
     r"\bno longer (?:open|opens|load|loads|accessible|available|reachable) (?:from |in )CTRY|"
     r"\b(?:withheld|withhold|withholds|withholding)\b|\bthrottl(?:e|ed|es|ing)\b|\bslowed (?:down )?access\b|"
     r"\bstop(?:s|ped)? (?:opening|loading|working) (?:in|from|for users in) CTRY|"
     r"\b(?:lists|listed|adds|added|includes|included) (?:\S+ ){0,6}?(?:among|to|in|on) (?:the )?(?:\S+ )?\"? ?"
     r"(?:restricted|banned|blocked|prohibited) (?:resources|sites|websites)|"
     r"added [^.]{0,40}?\bto (?:the|a) (?:register|registry|list) of "
     r"(?:banned|prohibited|blocked)|"
     # "Roskomnadzor added our domain to its register": a site put on a blocking body's list
     r"\b(?:added|adds|entered|enters|put|puts|placed|places) (?:\S+ ){0,3}?(?:domains?|sites?|websites?|urls?|pages?|"
     r"addresses) (?:\S+ ){0,6}?(?:to|in|into|on) (?:its|their|the|a) (?:\S+ )?(?:register|registry|blacklist|"
     r"blocklist)\b", "block"),
    (r"\b(?:closure|liquidation|shutdown|dissolution|liquidate|liquidated|close|closed|shut|shuts|shutting) "
     r"(?:down )?(?:of )?(?:the |its )?(?:\S+ ){0,3}?(?:newspaper|outlet|website|news site|channel|broadcaster|"
     r"station|news agency|magazine|publisher)s?\b", "ban"),
    (r"\b(?:sued|sues|sue|lawsuit|(?:filed|lodged) (?:a |an |the )?(?:(?!against\b)\S+ ){0,3}?(?:suit|complaint|claim)|"
     r"defamation (?:suit|claim|case)|libel|"
     r"brought (?:a )?(?:case|suit|claim)|took [a-z ]{1,30} to court)\b",
     "lawsuit"),
    (r"\b(?:arrested|detained|detains|detain|arrest|arrests|jailed|taken into custody|apprehended|"
     r"sentenced [^.]{0,80}?to [a-z0-9 -]{0,40}(?:prison|jail|arrest|detention|penal colony)|remanded|"
     r"(?:pre-trial|pretrial) (?:detention|custody)|(?:held|hold|holding|kept) in (?:pre-trial |pretrial )?"
     r"(?:custody|detention)|placed (?:\S+ ){0,4}in (?:custody|detention))\b(?! (?:journalists|activists|"
     r"reporters|bloggers|people|protesters|relatives))|"
     # "police detained bloggers X and Y", but not "the detained journalists"
     r"(?<!the )(?<!of )(?<!for )(?<!on )(?<!about )(?<!with )(?<!to )(?<!and )(?<!all )(?<!two )(?<!three )"
     r"(?<!four )(?<!five )(?<!other )(?<!jailed and )\b(?:arrested|detained|jailed) "
     r"(?=(?:journalists|activists|reporters|bloggers)\b)",
     "arrest"),
    # a fine is an act of its own kind
    (r"\b(?:fined|fines|fining|imposed (?:a |an )?(?:\S+ )?fine|ordered (?:\S+ ){1,6}?to pay (?:a )?fine|"
     r"fine (?:of [^.]{1,30}? )?imposed on)\b",
     "other"),
    # a search, a seizure, a summons for questioning: acts of their own kind (not in an arrest's sentence)
    (SEARCH, "other"),
]
NEGATION = r"\b(?:not|n't|never|no|refused|refuse|refuses|declined|without)\b"
# a negation further back, before the paper that would carry the act: "did not issue any order to block",
# "has sent no request to remove" (matched at the end of the text before the act's words)
NEGATED_PAPER = (r"\b(?:not|n't|never|no|nor|neither)\b (?:\S+ ){0,3}?(?:decisions?|orders?|demands?|requests?|"
                 r"instructions?|notices?|notifications?|letters?|rulings?|requirements?) (?:\S+ )?"
                 r"(?:to|on|about|of|for|ordering|demanding|requiring|asking) (?:the )?$")
# a block that is a building: "residential blocks", "a tower block", "blocks of flats"
NOUN_BEFORE_BLOCK = (r"\b(?:residential|apartment|tower|office|housing|cell|prison|concrete|high-rise|"
                     r"multi-storey|storey|school|hospital|city) $")
NOUN_AFTER_BLOCK = r"^ of (?:flats|apartments|houses|offices|buildings|homes)\b"
# what a publication told: the acts after these words are its story's, not done to the press ("The article
# described how police detained five activists")
STORY_TOLD = (r"^(?:the |its |that |this |our )?(?:article|report|story|piece|investigation|video|post|publication|"
              r"it)s? (?:\S+ ){0,4}?(?:described|describes|told|tells|recounted|recounts|reported|was about|is about|"
              r"detailed|details) (?:how|that)\b")
# what the press itself sends to a prosecutor is no referral: "sent its reply to the prosecutor's office"
OWN_LETTER = r"\b(?:reply|replies|response|answer|objection|appeal|statement)\b"
# "warning" as a plain noun, no act of a body: "as a warning to every reporter", "the standard warning page"
PLAIN_WARNING_BEFORE = (r"\b(?:as|served as|serve as|serves as) (?:a |an )?(?:\S+ )?$|"
                        r"\b(?:sees?|saw|seeing|shows?|showed|showing|displays?|displayed|displaying) "
                        r"(?:a |an |the )?(?:\S+ )?$")
PLAIN_WARNING_AFTER = r"^ (?:to (?:every|all|any|other|others|everyone|anyone|those|the rest)|page|sign|signs|label)\b"
REQUEST_OF = (r"at the request of|on the orders? of|(?:following |after )?(?:a|an|the) (?:[a-z0-9-]+ ){0,2}?(?:request|"
              r"complaint|letter|order|instruction|demand|application|ruling|decision|verdict|petition|motion) "
              r"(?:from|by|of)|on the demand of|"
              r"acting on (?:an? )?(?:request|application|complaint|claim) (?:by|from)|granted (?:the |a )?")
# a sentence about maintenance or a lifted block claims no block
NO_BLOCK = (r"\b(?:maintenance|technical works?|scheduled downtime|unblocked|unblock|lifted the block|"
            r"restored access|access (?:was|has been) restored)\b")
BLOCK_PLACE = r"(?:in|across|inside|within|from) (?:the )?CTRY"
# a block the report says has ended: the country is no longer one where the outlet is blocked
LIFTED = (r"\b(?:unblocked|unblocking|lifted (?:the |its |a )?(?:block|ban|restriction)|(?:block|ban|restriction) "
          r"(?:was|has been|had been) (?:lifted|removed)|(?:can|could) (?:now )?be (?:opened|accessed|read) again|"
          r"opens again|(?:accessible|available|reachable) again|restored access|access (?:was|has been|had been) "
          r"restored)\b")
# the outlet gave in (over the sentence's lower-cased text): "the site edited the article", "the story was
# taken down", "back online after rewriting the story" — not "never removed it", "refused to delete it"
GAVE_IN = (r"(?<!not )(?<!never )(?<!n't )(?<!to )\b(?:removed|deleted|took down|edited|rewrote|amended|unpublished|"
           r"corrected)\b (?:\S+ ){0,3}?(?:article|story|material|post|video|report|text|piece|passages?)\b|"
           r"\b(?:article|story|material|post|video|report|text|piece)s? (?:was|were|has been|had been|have been) "
           r"(?:removed|deleted|taken down|edited|rewritten|amended|unpublished)\b|"
           r"\bafter (?:removing|deleting|rewriting|editing|taking down|amending|correcting)\b")

# claimed outcome: (pattern over the key string, outcome)
OUTCOME_RULES: list[tuple[str, str]] = [
    (r"\bpart(?:ly|ially)\b|\bpart of (?:the )?[a-z]+ remains?|\bsome of (?:the )?[a-z]+\b[^.]*\bremov", "partly"),
    (r"\b(?:refused|refuse|refuses|refusing|declined|rejected|rejects)\b|\b(?:would|will|did|does) not "
     r"(?:be )?(?:delete|remove|take|comply|change|edit|retract|withdraw|apologi[sz]e|correct|unpublish|"
     r"taken down|removed|deleted|retracted|withdrawn)|\b(?:keep|keeps|kept|keeping|continue|continues) "
     r"(?:publishing|working|reporting|broadcasting)\b|\bstands? by (?:its|their|the) report|\bwill continue "
     r"(?:publishing|to publish|working)|\b(?:will|would|plans to|intends to|to) appeal\b|"
     r"\b(?:appealed|has appealed|had appealed|filed an appeal)\b|\bhas not removed\b|"
     r"\b(?:keep|kept|keeps|keeping) (?:the |it |its |them )?(?:[a-z]+ ){0,2}(?:online|up|published)\b|"
     r"\b(?:ignored|ignore|defied) (?:the )?(?:demand|request|order|letter|instructions?|warning|ruling)|"
     r"\b(?:challenge|challenged|contest|contested) (?:the )?(?:decision|penalty|ruling|ban|order|fine)", "refused"),
    (r"\b(?:removed|deleted|took down|has taken down|complied|unpublished|amended|corrected|"
     r"edited)\b|\btook (?:\S+ ){1,4}?(?:down|out|off)\b|\bchanged the (?:headline|title|text)\b|"
     r"\bpage (?:is|was) (?:now )?gone|"
     r"\bno choice\b", "complied"),
]

# claims: (pattern over the key string, claim kind)
CLAIM_RULES: list[tuple[str, str]] = [
    (r"\b(?:remains?|remained|is|are|was|were) (?:still )?(?:online|available|accessible|up|on (?:its|the|their) "
     r"(?:website|site|channel))\b|\bstill (?:online|available|accessible|on (?:its|the|their) (?:website|site))|"
     r"\bworking normally\b|\bcan still be (?:reached|read|opened)|\b(?:stays|stay|stayed) (?:online|up|on (?:its|"
     r"the|their|her|his) (?:website|site|channel|page))|\bkept (?:the |it |its )?(?:[a-z]+ )?online", "online"),
    (r"\b(?:was|were|has been|have been|had been|is|got) (?:later )?(?:removed|deleted|taken down|unpublished)\b|"
     r"\b(?:removed|deleted|took down) (?:the|its|their|it|them)\b|\bpage (?:is|was) (?:now )?gone|"
     r"\bnow returns an error|\bno longer (?:available|online)", "removed"),
    (r"\b(?:edited|amended|rewrote|rewritten|changed the headline|was changed)\b", "edited"),
]

# relative dates: (pattern over the key string, days relative to the report date, or "prev+N" for the last date)
RELATIVE: list[tuple[str, int | str]] = [
    (r"\byesterday\b", -1), (r"\btoday\b|\bthis morning\b|\bearlier today\b", 0), (r"\blast week\b", -7),
    (r"\bthe day before yesterday\b|\btwo days ago\b", -2), (r"\bthree days ago\b", -3),
    (r"\bthe (?:next|following) (?:day|morning)\b", "prev+1"), (r"\bthe same day\b", "prev+0"),
    (r"\bthe day before\b|\bthe previous day\b", "prev-1"), (r"\btwo days later\b", "prev+2"),
]
# a verb of telling or commenting just before the report's own day ("said on Thursday", "declined to comment
# today", "as of Friday"): the day the report was told, not a day anything happened
TELLING = (r"\b(?:said|says|say|told|tells|added|stated|announced|wrote|confirmed|comment|commented|respond|"
           r"responded|answer|answered|reply|replied|as of)(?: [\w']+){0,4} (?:on |by |late |early |)$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MON = "|".join(m.capitalize() for m in MONTHS) + "|" + "|".join(m[:3].capitalize() + r"\." for m in MONTHS)
DATE_PATTERNS = [
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + _MON + r")(?:,?\s+(\d{4}))?\b"),
    re.compile(r"\b(" + _MON + r")\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b"),
]
