"""What a user message says: its topic, requests, and the lead facts it carries.

Matching is deterministic keyword/regex work on a normalised form of the message (case and
accents folded, apostrophes dropped, other punctuation turned into single spaces), so
``"  MY  Assessment...can I APPEAL?!"`` and ``"my assessment can i appeal"`` read the same.
Contact details and names are taken from the original text, where their punctuation lives.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Tax topics, most specific first: "my assessment went up, can I appeal?" is about appeals.
TOPIC_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(pattern))
    for topic, pattern in (
        (
            "appeals",
            r"\b(ap+e+ale?\w*|protest\w*|contest\w*|challeng\w*|disput\w*|board of (review|"
            r"equalization)|too high|over ?valued|over ?assessed)\b",
        ),
        (
            "exemptions",
            r"\b(exe?mp?t\w*|homestead|seniors?|veterans?|disab\w*|tax relief|abatements?|"
            r"circuit breaker|tax breaks?|freeze)\b",
        ),
        (
            "payment",
            r"\b(pay\w*|due(?! to)|deadlines?|installments?|late fees?|penalt\w*|escrow|"
            r"delinquen\w*|receipts?)\b",
        ),
        (
            "rates",
            r"\b(rates?|mill\w*|levy|levies|calculat\w*|computed|how much tax|formula)\b",
        ),
        (
            "assessment",
            r"\b(as+es+\w*|reas+es+\w*|apprais\w*|valuations?|market value|home value|"
            r"property value|value of my \w+)\b",
        ),
        # A general property-tax question is answered by how the tax is worked out.
        ("rates", r"\b(property tax\w*|taxes|tax bill)\b"),
    )
)

GREETING = re.compile(
    r"\b(hi|hello|hey|hiya|howdy|greetings|good (morning|afternoon|evening|day)|hola|bonjour|"
    r"thanks|thank you|thx)\b"
)

THANKS = re.compile(r"\b(thanks|thank you|thx)\b")

HANDOFF = re.compile(
    r"\b(human|humans|real person|live person|actual person|someone real|somebody real|"
    r"representative|operator|live agent|customer service)\b"
    r"|\b(talk|speak|chat|connect|transfer|get|want|need|reach)\b(\s+\w+){0,3}?\s+"
    r"(agent|person|rep|staff)\b"
    r"|^(agent|person|rep)( please)?$"
)

LEAD_REQUEST = re.compile(
    r"\b(consult\w*|call ?back|call me|phone me|ring me|text me|email me|contact me|reach me|"
    r"get in touch|help me (file|apply|with my)|file (it|this|my \w+|an appeal|the appeal) for me|"
    r"represent me|sign me up|appointment|schedule a|free review|get a quote)\b"
)

INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b(\s+\w+){0,4}?\s+"
    r"(instructions?|rules|prompts?|guidelines|guardrails|directions|programming)\b"
    r"|\bdisregard (all|any|the|your|previous|prior|above|earlier)\b"
    r"|\bsystem prompt\b|\byou are now\b|\b(developer|jailbreak|god) mode\b"
    r"|\bpretend (to be|you are)\b|\breveal your\b"
)

TENANT = re.compile(
    r"\b(i|we) (rent|lease)\b(?! (it |them |\w+ )?out)|\b(im|i am|we are|were) (a )?"
    r"(renter|tenant)s?\b|\b(im|i am|we are|were) renting\b(?! (it |\w+ )?out)|\bmy landlord\b"
    r"|\b(i|we) (dont|do not) own\b|\bnot the owner\b"
)

OWNER = re.compile(
    r"\bmy (assessment|home|house|property|condo|townhouse|townhome|land|lot|place|farm|"
    r"tax bill|taxes|property tax\w*|appraisal)\b|\b(i|we) own\b|\b(home|property|land)? ?owners?\b"
    r"|\bour (home|house|property|condo|land)\b"
)

YES = re.compile(r"^(yes|yeah|yep|yup|sure|correct|i do|we do|thats right|right)\b")
NO = re.compile(r"^(no|nope|nah|(i|we) (dont|do not))\b")

EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)"
    r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\d){7,12}(?!\w)"
)
# "my name is dana" in any case; "I'm Dana" / "this is Dana" only when capitalised.
NAME = re.compile(
    r"\b(?i:my name is|my name['\u2019]s)\s+([^\W\d_]+(?:[-'\u2019][^\W\d_]+)?)"
    r"|\b(?i:I['\u2019]m|I am|this is)\s+([A-Z][^\W\d_]*(?:[-'\u2019][^\W\d_]+)?)\b"
)
# Words that follow "I'm" / "this is" without being a name ("I'm Not sure", "This is My house").
NOT_A_NAME = re.compile(
    r"(a|an|the|my|our|your|it|not|so|just|also|still|really|here|sure|unsure|interested|"
    r"looking|trying|wondering|asking|calling|writing|renting|selling|buying|moving|retired|"
    r"disabled|owner|homeowner|tenant|renter|taxbot)",
    re.IGNORECASE,
)
PROPERTY = re.compile(
    r"\b(house|home|condo|condominium|townhouse|townhome|duplex|commercial|land|lot|farm|"
    r"mobile home)\b"
)
ADDRESS = re.compile(
    r"\b\d{1,6}\s+(?:[A-Za-z]+\s+){1,4}(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|"
    r"boulevard|blvd|court|ct|way|place|pl)\b",
    re.IGNORECASE,
)
LOCATION = re.compile(
    r"\b([A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s(?:County|Parish))\b|\b(city of [A-Z][a-z]+)\b"
    r"|(?<![\w$,.])(\d{5})(?:-\d{4})?(?![\w%,])"
)


def normalize(text: str) -> str:
    """Fold case and accents, drop apostrophes, collapse punctuation and whitespace."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    folded = re.sub(r"['`\u2018\u2019]", "", folded)
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def is_injection(norm: str) -> bool:
    return INJECTION.search(norm) is not None


def wants_human(norm: str) -> bool:
    return HANDOFF.search(norm) is not None


def wants_lead(norm: str) -> bool:
    """An explicit request for a consultation, a callback or help filing."""
    return LEAD_REQUEST.search(norm) is not None


def is_greeting(norm: str) -> bool:
    return GREETING.search(norm) is not None


def topic(norm: str) -> str | None:
    """The most specific tax topic the message touches, if any."""
    return next((topic for topic, pattern in TOPIC_PATTERNS if pattern.search(norm)), None)


def is_thanks(norm: str) -> bool:
    return THANKS.search(norm) is not None


def ownership(norm: str) -> str | None:
    """``"tenant"``, ``"owner"`` or None; a stated tenancy wins over "my home"."""
    if TENANT.search(norm):
        return "tenant"
    if OWNER.search(norm):
        return "owner"
    return None


def yes_no(norm: str) -> bool | None:
    """A short yes/no answer to the bot's last question, or None."""
    if NO.search(norm):
        return False
    if YES.search(norm):
        return True
    return None


@dataclass(frozen=True)
class Contact:
    email: str | None
    phone: str | None


def contact(text: str) -> Contact:
    email = EMAIL.search(text)
    phone = PHONE.search(EMAIL.sub(" ", text))
    return Contact(
        email=email.group(0) if email else None,
        phone=phone.group(0).strip() if phone else None,
    )


def name(text: str) -> str | None:
    """A self-introduced first name ("I'm Dana", "my name is Dana"); "I'm a renter" is not."""
    for match in NAME.finditer(text):
        candidate = match.group(1) or match.group(2)
        if not NOT_A_NAME.fullmatch(candidate):
            return candidate
    return None


def property_kind(text: str, norm: str) -> str | None:
    address = ADDRESS.search(text)
    if address:
        return address.group(0)
    kind = PROPERTY.search(norm)
    return kind.group(0) if kind else None


def location(text: str) -> str | None:
    """A county ("Travis County"), "city of X" or a 5-digit ZIP code."""
    found = LOCATION.search(EMAIL.sub(" ", text))
    if found is None:
        return None
    return next(group for group in found.groups() if group)
