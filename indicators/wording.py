"""The sentences councils write about their KPIs' ratings, in the seed's words.

Used by the dashboard page (the counts sentence, the SPC line) and the committee
paper (its summary with the same two, 2.4 bullets and 2.5 Red paragraphs), so both
always read the same.

Pure Python (no ORM): counts in, text out, so every singular/plural, zero and
all-one-colour case is table-tested without a database.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indicators.spc import Assurance

# Control characters are invalid in XML (Word refuses the file) and print as
# boxes in PDF; tabs and line breaks are kept.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

NUMBER_WORDS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
)


@dataclass(frozen=True)
class RagCounts:
    """KPIs by headline RAG; the unrated ones by why: no figure (`unrated`), no
    target (`untargeted`), or a data-only indicator (`information`)."""

    green: int = 0
    amber: int = 0
    red: int = 0
    unrated: int = 0
    untargeted: int = 0
    information: int = 0
    # Kent's target-and-floor words ("did achieve the floor standard") only fit
    # when every rated KPI is on that scheme; otherwise the words are neutral.
    floor_scheme: bool = True

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red + self.unrated + self.untargeted + self.information


@dataclass(frozen=True)
class RedIndicator:
    name: str
    commentary: str | None  # approved commentary only; None when there is none


def kpis(n: int) -> str:
    return f"{n} KPI" if n == 1 else f"{n} KPIs"


def ordinal(n: int) -> str:
    """'first' … 'twelfth', then '13th'."""
    if 1 <= n <= len(NUMBER_WORDS):
        return NUMBER_WORDS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c' (the seed has no Oxford comma)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def lower_first(name: str) -> str:
    """'Positive feedback rating' → 'positive feedback rating'; 'ICT calls' stays."""
    first_word = name.split(" ", 1)[0]
    if len(first_word) > 1 and not first_word[1:].islower():
        return name
    return name[:1].lower() + name[1:]


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def _rated_phrases(counts: RagCounts) -> list[tuple[int, str]]:
    if counts.floor_scheme:
        return [
            (counts.green, f"achieved target and {_was(counts.green)} RAG rated Green"),
            (counts.amber, f"{_was(counts.amber)} below target but did achieve the floor standard (Amber)"),
            (counts.red, "did not achieve the floor standard (Red)"),
        ]
    return [
        (counts.green, f"{_was(counts.green)} RAG rated Green"),
        (counts.amber, f"{_was(counts.amber)} RAG rated Amber"),
        (counts.red, f"{_was(counts.red)} RAG rated Red"),
    ]


def _phrases(counts: RagCounts) -> list[tuple[int, str]]:
    parts = [
        *_rated_phrases(counts),
        (counts.unrated, "could not be RAG rated (data to be supplied)"),
        (counts.untargeted, f"had no target set, so {_was(counts.untargeted)} not RAG rated"),
        (counts.information, f"{_was(counts.information)} reported for information only (not RAG rated)"),
    ]
    return [(n, phrase) for n, phrase in parts if n]


def counts_sentence(counts: RagCounts) -> str:
    """The summary's counts sentence, e.g. the seed's "21 of the 25 KPIs achieved target …"."""
    total = counts.total
    if total == 0:
        return "There are no KPIs on the dashboard for this period."
    parts = _phrases(counts)
    if len(parts) == 1:
        n, phrase = parts[0]
        if total == 1:
            return f"The one KPI {phrase}."
        if n == counts.red and counts.floor_scheme:
            return f"None of the {total} KPIs achieved the floor standard: all {total} were RAG rated Red."
        if n == counts.unrated:
            return f"None of the {total} KPIs could be RAG rated (data to be supplied)."
        return f"All {total} KPIs {phrase.replace('was ', 'were ')}."
    (first_n, first_phrase), rest = parts[0], parts[1:]
    clauses = [f"{first_n} of the {kpis(total)} {first_phrase}"] + [f"{n} {phrase}" for n, phrase in rest]
    return join_words(clauses) + "."


def red_summary(reds: list[RedIndicator]) -> str:
    """The sentence naming the Red indicators, e.g. "The Red indicator is the …"."""
    if not reds:
        return "No KPI was RAG rated Red."
    names = join_words([f"the {lower_first(red.name)}" for red in reds])
    if len(reds) == 1:
        return f"The Red indicator is {names}."
    return f"The Red indicators are {names}."


BULLET_MEANINGS = {
    "Green": "the target was achieved or exceeded",
    "Amber": "performance achieved or exceeded the expected floor standard but did not meet the target for Green",
    "Red": "performance did not meet the expected floor standard",
}
# Other schemes' meanings depend on each indicator's bands: the Guidance Notes
# spell them out, generated from the rules in use.
NEUTRAL_MEANING = "see the Guidance Notes for what this means under each indicator's rating scheme"


def status_bullets(counts: RagCounts) -> tuple[str, list[str]]:
    """Paragraph 2.4: its lead-in and one bullet per RAG colour that occurs."""
    if counts.total == 0:
        return "There are no KPIs to RAG rate for this period.", []
    lead = f"Of the {kpis(counts.total)}, the latest RAG status are as follows:"
    rows = [(counts.green, "Green"), (counts.amber, "Amber"), (counts.red, "Red")]
    meanings = BULLET_MEANINGS if counts.floor_scheme else dict.fromkeys(BULLET_MEANINGS, NEUTRAL_MEANING)
    bullets = [f"{n} {'is' if n == 1 else 'are'} rated {colour} – {meanings[colour]}" for n, colour in rows if n]
    unrated = [
        (counts.unrated, "has", "have", "no RAG rating – data to be supplied"),
        (counts.untargeted, "has", "have", "no RAG rating – no target set"),
        (counts.information, "is", "are", "reported for information only – not RAG rated"),
    ]
    bullets += [f"{n} {one if n == 1 else many} {text}" for n, one, many, text in unrated if n]
    return lead, [text + (";" if i < len(bullets) - 1 else ".") for i, text in enumerate(bullets)]


def red_paragraphs(reds: list[RedIndicator]) -> list[str]:
    """Paragraph 2.5: each Red KPI by name, followed by its approved commentary."""
    paragraphs = []
    for red in reds:
        who = f"The {lower_first(red.name)}"
        role = "the KPI RAG rated Red" if len(reds) == 1 else f"one of the {len(reds)} KPIs RAG rated Red"
        if red.commentary and red.commentary.strip():
            paragraphs.append(f"{who} was {role}. {red.commentary.strip()}")
        else:
            paragraphs.append(f"{who} was {role}; commentary is to be supplied.")
    return paragraphs


def fill(template: str, values: dict[str, str]) -> str:
    """Replace {placeholders} we know; leave any other braces exactly as typed."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def strip_control(text: str, *, breaks: str = "") -> str:
    """`text` without control characters; Word's line and page breaks (U+000B, U+000C) become `breaks`."""
    return _CONTROL.sub(lambda found: breaks if found.group() in "\x0b\x0c" else "", text)


# --- statistical process control -------------------------------------------------


@dataclass(frozen=True)
class SpcCounts:
    """KPIs by their SPC variation and assurance (the dashboard's summary line and the paper's sentence)."""

    total: int
    concern: int
    improvement: int
    neutral: int
    common: int
    not_enough: int
    fail: int
    passing: int

    @classmethod
    def of(cls, icons: Iterable[tuple[str, str]]) -> SpcCounts:
        """Counted from each KPI's variation and assurance words (`Variation`, `Assurance` values; "" for none)."""
        icons = list(icons)
        causes = Counter(variation.split("_")[0] if variation else "none" for variation, _ in icons)
        assurances = Counter(assurance for _, assurance in icons)
        return cls(
            total=len(icons),
            concern=causes["concern"],
            improvement=causes["improvement"],
            neutral=causes["neutral"],
            common=causes["common"],
            not_enough=causes["none"],
            fail=assurances[Assurance.FAIL],
            passing=assurances[Assurance.PASS],
        )


def spc_sentence(counts: SpcCounts, concern_names: Sequence[str] = ()) -> str:
    """The SPC summary, e.g. "Of the 25 KPIs, 4 show special cause concern and 2 show special cause
    improvement; 6 will consistently fail their target unless something changes. 3 have too few
    values for SPC.". One KPI is "The one KPI shows …".

    `concern_names` (the committee paper's): the KPIs showing concern, most pressing first, each
    as it reads in a sentence ("the staff sickness absence"); up to three are named, else two.
    """
    n = counts.total
    if n == 0:
        return ""
    if counts.not_enough == n:
        whom = "The one KPI does not have" if n == 1 else f"None of the {n} KPIs has"
        return f"{whom} enough values yet for statistical process control (SPC needs at least 13)."
    named = ""
    if concern_names:
        listed = join_words(list(concern_names[:3] if len(concern_names) <= 3 else concern_names[:2]))
        named = f" ({listed})" if len(concern_names) <= 3 else f" (including {listed})"
    causes = [
        (counts.concern, f"special cause concern{named}"),
        (counts.improvement, "special cause improvement"),
        (counts.neutral, "a special cause neither better nor worse"),
    ]
    shown = [(count, text) for count, text in causes if count] or [(counts.common, "only common cause variation")]
    if n == 1:
        sentence = f"The one KPI shows {shown[0][1]}"
        if counts.fail:
            sentence += "; it will consistently fail its target unless something changes"
        return sentence + "."
    clauses = [f"{count} {_shows(count)} {text}" for count, text in shown]
    if counts.common == n:
        sentence = f"{'Both' if n == 2 else f'All {n}'} KPIs show only common cause variation"
    else:
        sentence = f"Of the {n} KPIs, {join_words(clauses)}"
    if counts.fail:
        sentence += f"; {counts.fail} will consistently fail {'its' if counts.fail == 1 else 'their'} target"
        sentence += " unless something changes"
    sentence += "."
    if counts.not_enough:
        sentence += f" {counts.not_enough} {'has' if counts.not_enough == 1 else 'have'} too few values for SPC."
    return sentence


def _shows(n: int) -> str:
    return "shows" if n == 1 else "show"


def person_name(user) -> str:
    """A person as every page, paper, sheet, email and message names them: the full name, else the
    username; "" for nobody (None, a template's missing value, the anonymous user)."""
    return "" if not user or user.is_anonymous else user.get_full_name() or user.get_username()
