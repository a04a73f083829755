"""The customer-service adjustment to VADER: rules for how customers write about service.

VADER (Hutto & Gilbert 2014) was built on social-media, film and product text; customer-service
comments have their own idioms ("still waiting", "no one called back", "could have been quicker",
"kindly resolve"). :data:`CS_RULES` lists each rule with its reason, :data:`CS_ALREADY_RIGHT` the
idioms VADER already scores correctly, and :func:`_apply_cs_rules` applies them to the word
valences before VADER sums them (used by :mod:`csperf_lib.methods.sentiment` with ``adjust=True``).
Written by hand because no maintained library carries customer-service rules for VADER.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "CS_ALREADY_RIGHT",
    "CS_RULES",
    "CSRule",
]


class VaderLexicon(Protocol):
    """What the rules read of the VADER engine (:mod:`csperf_lib.methods.sentiment`): its lexicon,
    negation words and the booster and negation scalars of Hutto & Gilbert (2014)."""

    lexicon: dict[str, float]
    negate: frozenset[str]
    b_incr: float
    n_scalar: float


@dataclass(frozen=True)
class CSRule:
    """One phrase rule of the customer-service adjustment.

    Attributes
    ----------
    name : str
        Short identifier.
    examples : tuple of (str, str)
        Comments the rule is for, each with the label it should get (the tests score each one).
    reason : str
        Why plain VADER gets it wrong and what the rule does.
    """

    name: str
    examples: tuple[tuple[str, str], ...]
    reason: str


#: The customer-service adjustment, applied to VADER's word valences before they are summed.
#: Designed from the phrases the issue names and general knowledge of service comments; not
#: tuned on any evaluation data.
CS_RULES: tuple[CSRule, ...] = (
    CSRule(
        "negated_comparative",
        (
            ("Could not be happier with the service.", "positive"),
            ("Couldn't have asked for better help.", "positive"),
            ("The agent could not have been more helpful.", "positive"),
            ("Couldn't be worse.", "negative"),
        ),
        "'could not be happier' is a superlative, but VADER sees 'not' and flips 'happier' to "
        "negative. After a negated can/could/would (+ be / have been / ask for ...) a comparative "
        "keeps its own sign and gains one booster step (0.293): happier, better, more pleased ... "
        "are positive, worse stays negative.",
    ),
    CSRule(
        "cannot_enough",
        (
            ("I can't thank them enough.", "positive"),
            ("Cannot recommend this team highly enough.", "positive"),
        ),
        "'can't thank/recommend/praise ... enough' is strong praise; VADER negates the verb. The "
        "verb keeps its positive valence plus one booster step.",
    ),
    CSRule(
        "no_problem_noun",
        (
            ("No issues.", "positive"),
            ("No hassle at all.", "positive"),
            ("Never had any issues.", "positive"),
            ("Sorted without any fuss.", "positive"),
            ("No delays and no waiting.", "positive"),
        ),
        "'no issues', 'no hassle', 'no fuss', 'no delays', 'no wait' mean all went well, but these "
        "nouns are not in VADER's lexicon, so the stand-alone 'no' (-1.2) makes the comment "
        "negative. A negated service-problem noun is scored as VADER scores a negated lexicon "
        "word ('no problems'): the noun gets -1.5 x -0.74 = +1.11 and 'no' itself 0.",
    ),
    CSRule(
        "polite_request",
        (
            ("Kindly call me back.", "neutral"),
            ("Please can someone call me back.", "neutral"),
            ("I would kindly ask for an update.", "neutral"),
        ),
        "'kindly' (+2.2) and 'please' (+1.3) mark a request ('kindly refund my money'), not "
        "satisfaction. 'please' counts 0; 'kindly' counts 0 when it opens a sentence or follows "
        "please / you / I / we / could / would / can / will / to ('the agent kindly offered' "
        "keeps its praise).",
    ),
    CSRule(
        "thanks_boilerplate",
        (
            ("Still waiting for my refund after three weeks, terrible. Thank you.", "negative"),
            ("Thanks for nothing.", "negative"),
        ),
        "A closing 'thanks' is a formula and does not soften a complaint: gratitude words "
        "(thank, thanks, thankyou, cheers) count 0 when the rest of the comment is negative; "
        "'thanks for nothing' is sarcasm and counts -1.5. Gratitude alone ('Thank you so much!') "
        "is unchanged.",
    ),
    CSRule(
        "problem_resolved",
        (
            ("Problem solved.", "positive"),
            ("My issue was sorted quickly.", "positive"),
            ("They fixed the fault.", "positive"),
        ),
        "'problem solved' reports a good outcome, but VADER counts 'problem' (-1.7) and 'fault' "
        "(-1.7) and does not know 'sorted' or 'fixed'. When a problem noun and a resolution verb "
        "(solved, resolved, sorted, fixed, rectified) are within four words with no negation, "
        "'still' or 'yet' in the three words before the verb, the noun counts 0 and the verb at "
        "least +1.5. 'My problem still isn't fixed' is untouched.",
    ),
    CSRule(
        "could_not_be_bothered",
        (
            ("The adviser couldn't be bothered.", "negative"),
            ("They can't be bothered to call back.", "negative"),
        ),
        "'couldn't be bothered' describes indifference; VADER negates 'bothered' (-1.3) into "
        "praise. The word counts -1.5.",
    ),
    CSRule(
        "not_working",
        (
            ("It still doesn't work.", "negative"),
            ("Stopped working after two days.", "negative"),
            ("The app is not working.", "negative"),
        ),
        "'doesn't work', 'stopped working', 'not working' are the commonest fault reports, and "
        "'work' has no valence in VADER. A negated or stopped work/works/working/worked counts "
        "-1.5.",
    ),
)


#: Phrases plain VADER already scores right; the adjustment must leave them so.
CS_ALREADY_RIGHT: tuple[tuple[str, str], ...] = (
    ("No problems at all.", "positive"),
    ("No complaints.", "positive"),
    ("Nothing to complain about.", "positive"),
    ("Not bad.", "positive"),
    ("Can't complain.", "positive"),
    ("Thank you so much!", "positive"),
    ("My problem still isn't fixed.", "negative"),
    ("Would not recommend.", "negative"),
    ("The agent kindly offered to call me back.", "positive"),
)


_NEG_MODALS = frozenset({"couldn't", "couldnt", "can't", "cant", "cannot", "wouldn't", "wouldnt"})


_MODALS = frozenset({"could", "can", "would"})


_COMPARATIVE_FILLER = frozenset(
    {
        "not",
        "have",
        "been",
        "be",
        "ask",
        "asked",
        "for",
        "a",
        "an",
        "any",
        "wish",
        "hope",
        "hoped",
        "possibly",
        "get",
        "got",
        "had",
        "of",
        "service",
        "experience",
    }
)


_COMPARATIVES = frozenset(
    {
        "happier",
        "better",
        "nicer",
        "easier",
        "quicker",
        "faster",
        "smoother",
        "simpler",
        "friendlier",
        "worse",
        "more",
    }
)


#: Comparatives VADER's lexicon lacks, with the valence of their base adjective's family.
_EXTRA_COMPARATIVE_VALENCE = {
    "quicker": 1.5,
    "faster": 1.5,
    "smoother": 1.5,
    "simpler": 1.5,
    "friendlier": 2.0,
}


_ENOUGH_VERBS = frozenset({"thank", "recommend", "praise", "commend", "rate"})


_PROBLEM_NOUNS_UNLISTED = frozenset(
    {
        "issue",
        "issues",
        "hassle",
        "hassles",
        "fuss",
        "delays",
        "glitch",
        "glitches",
        "hiccup",
        "hiccups",
        "wait",
        "waiting",
        "queue",
        "queues",
        "queuing",
        "queueing",
        "drama",
    }
)


_NO_WORDS = frozenset({"no", "zero", "without", "never", "not", "nothing"})


_NO_FILLER = frozenset(
    {
        "any",
        "a",
        "an",
        "real",
        "major",
        "big",
        "further",
        "long",
        "more",
        "the",
        "had",
        "have",
        "has",
        "having",
        "experienced",
        "at",
        "all",
    }
)


_REQUEST_BEFORE_KINDLY = frozenset(
    {"please", "you", "i", "we", "could", "would", "can", "will", "to", "pls"}
)


_GRATITUDE = frozenset({"thank", "thanks", "thankyou", "cheers"})


_PROBLEM_NOUNS = frozenset(
    {"problem", "problems", "issue", "issues", "fault", "faults", "query", "complaint", "error"}
)


_RESOLVED = frozenset({"solved", "resolved", "sorted", "fixed", "rectified"})


_WORK = frozenset({"work", "works", "working", "worked"})


_WORK_STOP = frozenset({"stopped", "stops", "quit", "ceased"})


_WORK_FILLER = frozenset({"still", "just", "even", "longer", "properly", "really", "ever"})


_NOT = frozenset({"not"})


_RULE_TRIGGERS = (
    _COMPARATIVES
    | _ENOUGH_VERBS
    | _PROBLEM_NOUNS_UNLISTED
    | {"kindly", "please"}
    | _GRATITUDE
    | _RESOLVED
    | {"bothered"}
    | _WORK
)


def _negated_modal_before(norms: list[str], j: int, fillers: frozenset[str], reach: int) -> bool:
    """True when a negated can/could/would stands within ``reach`` words before ``j``, with only
    ``fillers`` between ("couldn't have asked for", "could not be")."""
    k = j - 1
    while k >= 0 and j - k <= reach:
        w = norms[k]
        if w in _NEG_MODALS or (w == "not" and k > 0 and norms[k - 1] in _MODALS):
            return True
        if w not in fillers:
            return False
        k -= 1
    return False


def _apply_cs_rules(sentiments: list, norms: list[str], raw: list[str], vader: VaderLexicon) -> None:
    """Apply :data:`CS_RULES` to the per-word valences ``sentiments`` (changed in place).

    ``norms`` are the lower-cased words with all surrounding punctuation removed and ``raw`` the
    whitespace-split words, both aligned with ``sentiments``.
    """
    lex, negate, n = vader.lexicon, vader.negate, len(norms)
    b_incr, n_scalar = vader.b_incr, vader.n_scalar
    grat = []
    for j, w in enumerate(norms):
        if w not in _RULE_TRIGGERS:
            continue
        # negated comparative: "could not be happier", "couldn't have asked for better"
        if w in _COMPARATIVES and _negated_modal_before(norms, j, _COMPARATIVE_FILLER, 6):
            target = j + 1 if w == "more" and j + 1 < n else j
            head = norms[target]
            base = lex.get(head, _EXTRA_COMPARATIVE_VALENCE.get(head))
            if base:
                sentiments[target] = base + math.copysign(b_incr, base)
                continue
        # "can't thank them enough"
        if (
            w in _ENOUGH_VERBS
            and "enough" in norms[j + 1 : j + 6]
            and _negated_modal_before(norms, j, _NOT, 2)
        ):
            sentiments[j] = abs(lex.get(w, 2.0)) + b_incr
            continue
        if w in _GRATITUDE:
            grat.append(j)
            continue
        # "no issues", "never had any hassle"
        if w in _PROBLEM_NOUNS_UNLISTED and w not in lex:
            k = j - 1
            while k >= 0 and j - k <= 3 and norms[k] in _NO_FILLER:
                k -= 1
            verbal = norms[k] == "not" or "n't" in norms[k] if k >= 0 else False
            # "no issues", "never any hassle"; a verbal negation needs a word between
            # ("haven't had any issues", but not "don't wait")
            if k >= 0 and (norms[k] in _NO_WORDS or verbal) and not (verbal and k == j - 1):
                sentiments[j] = -1.5 * n_scalar
                if norms[k] == "no":
                    sentiments[k] = 0.0
                continue
        # polite requests
        if w == "please":
            sentiments[j] = 0.0
            continue
        if w == "kindly":
            if j == 0 or raw[j - 1][-1:] in ".!?;:" or norms[j - 1] in _REQUEST_BEFORE_KINDLY:
                sentiments[j] = 0.0
            continue
        # "couldn't be bothered"
        if w == "bothered":
            if j >= 1 and (
                norms[j - 1] in _NEG_MODALS
                or (norms[j - 1] == "be" and _negated_modal_before(norms, j - 1, _NOT, 2))
            ):
                sentiments[j] = -1.5
            continue
        # "doesn't work", "stopped working"
        if w in _WORK:
            k = j - 1
            while k >= 0 and norms[k] in _WORK_FILLER:
                k -= 1
            if k >= 0 and (
                norms[k] in negate
                or "n't" in norms[k]
                or norms[k] in _WORK_STOP
                or norms[k] == "no"
            ):
                sentiments[j] = -1.5
            continue
        # "problem solved", "fixed the fault"
        if w in _RESOLVED:
            nouns = [k for k in range(max(0, j - 4), min(n, j + 5)) if norms[k] in _PROBLEM_NOUNS]
            blocked = any(
                norms[k] in negate or "n't" in norms[k] or norms[k] in ("still", "yet")
                for k in range(max(0, j - 3), j)
            ) or (j + 1 < n and norms[j + 1] in ("nothing", "none"))
            if nouns and not blocked:
                for k in nouns:
                    sentiments[k] = 0.0
                sentiments[j] = max(float(sentiments[j]), 1.5)
    # gratitude last: whether it is boilerplate depends on the rest of the comment
    if grat:
        for j in grat:
            after = norms[j + 1 : j + 4]
            if after[:2] == ["for", "nothing"] or after == ["you", "for", "nothing"]:
                sentiments[j] = -1.5
        taken = set(grat)
        rest = sum(s for k, s in enumerate(sentiments) if k not in taken)
        if rest < 0:
            for j in grat:
                if sentiments[j] > 0:
                    sentiments[j] = 0.0
