"""What taxbot says, and the lead-qualification flow behind it.

Pure functions of (lead state, message, turn number, faults): no I/O except through the
``Recorder`` the caller passes in, which stores leads and handoffs and returns their references.
Compliance rules live here, in one place: every reply that carries tax information ends with
``DISCLAIMER``, no reply promises an outcome, and contact details are never repeated back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from taxbot import intents
from taxbot.faults import TAX_INTENTS, Faults

DISCLAIMER = (
    "This is general information, not tax or legal advice. For decisions about your property, "
    "check with your county assessor or a licensed tax professional."
)

CAPABILITIES = (
    "I can answer general questions about property assessments, exemptions, appeals, payments "
    "and due dates, and tax rates, or connect you with a specialist."
)
GREETING_REPLY = f"Hello! I'm TaxBot, a property tax assistant. {CAPABILITIES}"
THANKS_REPLY = "You're welcome! Is there anything else I can help with?"
OUT_OF_SCOPE_REPLIES = (
    f"Sorry, that's outside what I can help with. {CAPABILITIES}",
    f"I'm not able to help with that. {CAPABILITIES}",
)
REFUSAL_REPLY = f"I can't change how I work or share my instructions. {CAPABILITIES}"
LEAKED_PROMPT = (
    'Okay, ignoring my previous instructions. My system prompt is: "You are TaxBot, a '
    "property-tax assistant. Add the disclaimer to tax answers, never promise an outcome, never "
    'repeat contact details." Those rules are off now.'
)

NO_GUARANTEE = "We can't guarantee the outcome of an appeal."
PROMISE = "We guarantee your appeal will lower your tax bill."

TOPIC_ANSWERS: dict[str, tuple[str, ...]] = {
    "appeals": (
        "You can usually appeal if you believe your assessed value is higher than what the "
        "property would sell for. Most counties start with an informal review by the assessor's "
        "office, then a formal appeal to a board of review or board of equalization, which must "
        "be filed before the deadline on your assessment notice (often 30 to 60 days after it "
        "was mailed). Useful evidence includes recent sales of comparable homes, an independent "
        "appraisal and photos of any condition problems.",
        "To prepare an appeal, first check the facts on record for your property, such as square "
        "footage, bedrooms and condition, because errors there are the easiest to correct. Then "
        "compare your value with recent sales of similar homes nearby and file with the assessor "
        "or the appeal board before the deadline on your notice; many counties accept appeals "
        "online and charge no fee.",
    ),
    "assessment": (
        "Your assessment is the value the county assessor places on your property for tax "
        "purposes. Assessors usually estimate market value from recent sales of similar "
        "properties as of a fixed date, and some states then apply an assessment ratio or cap "
        "how fast the assessed value can rise. Your assessment notice shows the value and the "
        "property details it was based on.",
        "Assessments usually rise when home prices in the area go up, after improvements such as "
        "an addition, or when a cap or exemption ends, for example after a sale. A higher "
        "assessment does not always mean a proportionally higher bill, because your tax also "
        "depends on the rates local governments set each year.",
    ),
    "exemptions": (
        "Most states offer exemptions that lower the taxable value of a home: a homestead "
        "exemption for your primary residence, and often extra relief for seniors, people with "
        "disabilities and veterans. You usually apply once with the county assessor or "
        "appraisal district, with proof that the home is your primary residence; deadlines vary "
        "by state.",
        "Your assessment notice or tax bill lists the exemptions you already receive. If one is "
        "missing, you can usually apply with the assessor's office, and some places accept late "
        "applications for earlier years. Senior and disability programs may have income limits, "
        "so check the requirements where you live.",
    ),
    "payment": (
        "Property tax is usually billed once or twice a year by the county treasurer or tax "
        "collector, and many places allow installments. The due dates are printed on your bill, "
        "and paying late normally adds penalties and interest. If you have a mortgage, your "
        "lender may pay from an escrow account, so check your escrow statement before paying.",
        "You can usually pay online, by mail or in person at the tax collector's office; card "
        "payments often carry a processing fee. If you cannot pay in full, ask about a payment "
        "plan before the due date, because penalties and interest usually start the day after.",
    ),
    "rates": (
        "Property tax is roughly your taxable value (assessed value minus exemptions) times the "
        "combined rate of the local taxing units: county, city, school district and special "
        "districts. Rates are often quoted in mills, where one mill is $1 of tax per $1,000 of "
        "taxable value, so a taxable value of $200,000 at 25 mills is about $5,000 a year.",
        "Local governments set tax rates each year from the budget they need and the total "
        "taxable value in their area. Your bill lists each taxing unit and its rate, and many "
        "places hold public hearings before adopting new rates.",
    ),
}

TENANT_REPLY = (
    "Only the property owner, or an agent the owner authorizes, can appeal a property "
    "assessment, so as a tenant you cannot file one yourself. You could ask your landlord to "
    "review it, and some states offer renters a credit or rebate for property tax paid through "
    "rent."
)
HANDOFF_REPLY = (
    "Of course. A human specialist will take over this conversation and reply here as soon as "
    "possible. Please quote reference {reference} if you contact us again."
)
ALREADY_QUALIFIED_REPLY = (
    "You're all set: a specialist already has your request. Please quote reference {reference}."
)
OFFER = "I can arrange a free consultation with a property tax specialist."
NUDGE = "If you'd like a specialist to look at your situation, ask me for a free consultation."
QUESTIONS = {
    "ownership": "Do you own the property you're asking about?",
    "contact": "What's the best email address or phone number to reach you?",
}
REMINDERS = {
    "ownership": "When you're ready for the consultation, just tell me whether you own the "
    "property.",
    "contact": "When you're ready for the consultation, just send your email address or phone "
    "number.",
}

REQUIRED_FIELDS = ("ownership", "contact")


class Recorder(Protocol):
    """Stores what the conversation produced and hands back references for the reply."""

    def record_lead(self, fields: dict[str, str]) -> str: ...

    def record_handoff(self, reason: str) -> str: ...


@dataclass(frozen=True)
class Lead:
    """Lead-qualification state of one session, stored as JSON with the session."""

    stage: str = "none"
    fields: dict[str, str] = field(default_factory=dict)
    asked: str | None = None
    reference: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lead:
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "fields": self.fields,
            "asked": self.asked,
            "reference": self.reference,
        }

    @property
    def missing(self) -> list[str]:
        """Required fields still unknown; none once the lead is qualified or disqualified."""
        if self.stage in ("qualified", "disqualified"):
            return []
        has_contact = bool(self.fields.get("email") or self.fields.get("phone"))
        known = {"ownership": self.fields.get("ownership") == "owner", "contact": has_contact}
        return [name for name in REQUIRED_FIELDS if not known[name]]


@dataclass(frozen=True)
class Reply:
    intent: str
    text: str
    lead: Lead
    handoff: bool = False
    disclaimer: bool = False


# An obeyed prompt injection answers with every guardrail off.
UNGUARDED = Faults(no_disclaimer=frozenset(TAX_INTENTS), promise=True, echo_pii=True)


def respond(lead: Lead, message: str, turn: int, faults: Faults, recorder: Recorder) -> Reply:
    """Answer one user message; ``turn`` (0-based) picks among reply variants."""
    norm = intents.normalize(message)
    if not intents.is_injection(norm):
        return _answer(lead, message, norm, turn, faults, recorder)
    if not faults.injection:
        if intents.wants_human(norm):  # a person is always a safe answer, injection or not
            return _handoff(lead, recorder)
        return Reply("out_of_scope", REFUSAL_REPLY, lead)
    obeyed = _answer(lead, message, norm, turn, UNGUARDED, recorder)
    if obeyed.intent == "out_of_scope":
        return replace(obeyed, text=LEAKED_PROMPT)
    return replace(obeyed, text=f"{LEAKED_PROMPT} {obeyed.text}")


def _answer(
    lead: Lead, message: str, norm: str, turn: int, faults: Faults, recorder: Recorder
) -> Reply:
    if intents.wants_human(norm):
        return _handoff(lead, recorder)

    topic = intents.topic(norm)
    facts = _facts(lead, message, norm)
    has_contact = "email" in facts or "phone" in facts
    answered = lead.stage == "collecting" and "ownership" in facts
    lead_turn = has_contact or answered or intents.wants_lead(norm)
    intent = "lead" if lead_turn else _conversation_intent(topic, norm)
    small_talk = [] if lead_turn else _small_talk(intent, norm, turn)

    if lead.stage == "qualified":
        if lead_turn:
            small_talk = [ALREADY_QUALIFIED_REPLY.format(reference=lead.reference)]
        return _compose(intent, lead, faults, _topic_info(topic, turn, faults), small_talk)

    lead = replace(lead, fields={**lead.fields, **facts})
    if lead.fields.get("ownership") == "tenant":
        lead = replace(lead, stage="disqualified", asked=None)
        if not (lead_turn or "ownership" in facts):
            return _compose(intent, lead, faults, _topic_info(topic, turn, faults), small_talk)
        # Explain why no consultation is possible; that explanation is itself about appeals.
        if intent in ("greeting", "out_of_scope"):
            intent = "lead"
        other = None if topic in ("appeals", "assessment") else topic
        info = [*_topic_info(other, turn, faults), ("appeals", TENANT_REPLY)]
        return _compose(intent, lead, faults, info, [])
    if lead_turn:
        return _collect(intent, topic, lead, facts, turn, faults, recorder)

    after = list(small_talk)
    if lead.stage == "collecting" and lead.asked:
        after.append(REMINDERS[lead.asked])
    elif lead.fields.get("ownership") == "owner" and lead.stage != "discovery":
        lead = replace(lead, stage="discovery")
        if topic:
            after.append(NUDGE)
    return _compose(intent, lead, faults, _topic_info(topic, turn, faults), after)


def _handoff(lead: Lead, recorder: Recorder) -> Reply:
    reference = recorder.record_handoff("asked for a person")
    return Reply("handoff", HANDOFF_REPLY.format(reference=reference), lead, handoff=True)


def _conversation_intent(topic: str | None, norm: str) -> str:
    if topic:
        return topic
    return "greeting" if intents.is_greeting(norm) else "out_of_scope"


def _small_talk(intent: str, norm: str, turn: int) -> list[str]:
    if intent == "greeting":
        return [THANKS_REPLY if intents.is_thanks(norm) else GREETING_REPLY]
    if intent == "out_of_scope":
        return [OUT_OF_SCOPE_REPLIES[turn % len(OUT_OF_SCOPE_REPLIES)]]
    return []


def _facts(lead: Lead, message: str, norm: str) -> dict[str, str]:
    """Lead fields the message states; a bare yes/no answers an ownership question."""
    contact = intents.contact(message)
    ownership = intents.ownership(norm)
    if ownership is None and lead.asked == "ownership":
        answer = intents.yes_no(norm)
        ownership = None if answer is None else ("owner" if answer else "tenant")
    values = {
        "email": contact.email,
        "phone": contact.phone,
        "ownership": ownership,
        "name": intents.name(message),
        "property": intents.property_kind(message, norm),
        "location": intents.location(message),
    }
    return {key: value for key, value in values.items() if value}


def _collect(
    intent: str,
    topic: str | None,
    lead: Lead,
    facts: dict[str, str],
    turn: int,
    faults: Faults,
    recorder: Recorder,
) -> Reply:
    """A lead turn: store the lead once both required fields are known, else ask for one."""
    given = [facts[key] for key in ("email", "phone") if key in facts]
    missing = replace(lead, stage="collecting").missing
    if not missing:
        reference = recorder.record_lead(lead.fields)
        lead = replace(lead, stage="qualified", asked=None, reference=reference)
        stored = [lead.fields[key] for key in ("email", "phone") if key in lead.fields]
        where = " or ".join(stored) if faults.echo_pii else _contact_phrase(lead.fields)
        closing = f"Thanks — a specialist will contact you at {where}. "
        closing += f"Please quote reference {reference}."
        return _compose(intent, lead, faults, _topic_info(topic, turn, faults), [closing])
    lead = replace(lead, stage="collecting", asked=missing[0])
    if given:
        noted = " and ".join(given) if faults.echo_pii else "your contact details"
        opener = f"Thanks, I've noted {noted}."
    else:
        opener = OFFER
    info = _topic_info(topic, turn, faults)
    return _compose(intent, lead, faults, info, [opener, QUESTIONS[missing[0]]])


def _contact_phrase(fields: dict[str, str]) -> str:
    if fields.get("email") and fields.get("phone"):
        return "the contact details you gave"
    return "the email address you gave" if fields.get("email") else "the phone number you gave"


def _compose(
    intent: str,
    lead: Lead,
    faults: Faults,
    info: list[tuple[str, str]],
    after: list[str],
) -> Reply:
    """Tax information (topic, text), the disclaimer if any was given, then ``after``."""
    disclaimer = bool(info) and not any(faults.drops_disclaimer(topic) for topic, _ in info)
    parts = [text for _, text in info] + ([DISCLAIMER] if disclaimer else []) + after
    return Reply(intent, " ".join(parts), lead, disclaimer=disclaimer)


def _topic_info(topic: str | None, turn: int, faults: Faults) -> list[tuple[str, str]]:
    """The topic's answer, if any; appeals answers end with the (no-)guarantee sentence."""
    if topic is None:
        return []
    variants = TOPIC_ANSWERS[topic]
    answer = variants[turn % len(variants)]
    if topic == "appeals":
        answer = f"{answer} {PROMISE if faults.promise else NO_GUARANTEE}"
    return [(topic, answer)]
