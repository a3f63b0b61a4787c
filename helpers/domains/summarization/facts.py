"""Facts a legal summary must get right — amounts, percentages, dates, parties — found with regular expressions.

The check is deliberately literal: a fact counts as supported when the same string occurs in the source.
It catches a changed number or an invented party; it cannot tell whether the sentence around them is true.

    >>> source = "Acme Data Inc. shall pay $5,000 by May 1, 2027; late fees are 2% per month."
    >>> unsupported_facts("Acme Data Inc. must pay $50,000 by May 1, 2027.", source)
    ['$50,000']
"""

from __future__ import annotations

import re

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
PATTERNS = {
    "amount": re.compile(r"\$\d+(?:,\d{3})*(?:\.\d+)?(?: (?:million|billion))?"),
    "percent": re.compile(r"\d+(?:\.\d+)?(?:%| percent)"),
    "date": re.compile(_MONTH + r" \d{1,2}, \d{4}"),
    "party": re.compile(r"(?:[A-Z][a-z]+ ){1,3}(?:LLC|Inc\.|Ltd|Corporation|Company)"
                        r"|(?:[Tt]he )?Secretary of [A-Z][a-z]+"),
}


def _normal(fact: str) -> str:
    return fact.lower().removeprefix("the ").rstrip(".")


def extract_facts(text: str) -> list[str]:
    """Every amount, percentage, date and party named in `text`, in order of appearance, without repeats.

    >>> extract_facts("On June 2, 2026 Cedar Foods LLC paid $1,200.50 (3.5% of $34,300) to the Secretary of Labor.")
    ['June 2, 2026', 'Cedar Foods LLC', '$1,200.50', '3.5%', '$34,300', 'the Secretary of Labor']
    """
    found = sorted((match.start(), match.group()) for pattern in PATTERNS.values() for match in pattern.finditer(text))
    facts, seen = [], set()
    for _, fact in found:
        if _normal(fact) not in seen:
            seen.add(_normal(fact))
            facts.append(fact)
    return facts


def unsupported_facts(summary: str, source: str) -> list[str]:
    """The facts of `summary` that do not occur in `source` (case and a leading "the" ignored): invented or changed.

    >>> unsupported_facts("The Secretary of Labor must award $9,000 by June 1, 2027.", "the Secretary of Labor shall award $9,000 not later than June 1, 2027")
    []
    """
    in_source = {_normal(fact) for fact in extract_facts(source)}
    return [fact for fact in extract_facts(summary) if _normal(fact) not in in_source]


def facts_kept(summary: str, facts: list[str]) -> float:
    """The share of `facts` (for example the reference summary's) that `summary` states; 1.0 when there are none.

    >>> facts_kept("Cedar Foods LLC must pay $900 by May 1, 2027.", ["Cedar Foods LLC", "$900", "May 1, 2027", "2%"])
    0.75
    """
    if not facts:
        return 1.0
    said = {_normal(fact) for fact in extract_facts(summary)}
    return sum(_normal(fact) in said for fact in facts) / len(facts)
