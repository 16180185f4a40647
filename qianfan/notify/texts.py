"""The sentence of each notification kind, in English (the message id) and, through the zh_CN catalogue,
in Chinese; rendered in the reader's language when the inbox is read or the e-mail is written."""

from __future__ import annotations

from functools import lru_cache


def N_(message: str) -> str:  # noqa: N802 - the gettext marker babel extracts
    return message


# What each kind is called on the settings page.
LABELS = {
    "recommendations": N_("Daily digest of new recommendations"),
    "interest": N_("A supplier is interested in your order"),
    "invitation": N_("A buyer invites you"),
    "answer": N_("A supplier answers your invitation"),
    "withdrawn": N_("The other side withdraws from a deal"),
    "message": N_("A new message in a deal"),
    "screening": N_("Screening result of your posting"),
    "contract": N_("A contract waits for your confirmation"),
    "signed": N_("A contract is signed"),
    "order_closed": N_("An order you are talking about is signed with someone else"),
    "deadline": N_("An order's deadline is 3 days ahead"),
    "application": N_("Applications for service packages"),
    "saved_search": N_("New results of a saved search"),
    "mentor_request": N_("A firm asks you for a mentoring session"),
    "mentor_answer": N_("A mentor answers your request"),
    "mentor_session": N_("A mentoring session is held or cancelled"),
    "financing": N_("Steps of receivables financing"),
}

# The sentence, by kind and (where a kind has several) variant.
SENTENCES = {
    "recommendations": N_("%(count)s new recommendations for you today."),
    "interest": N_("%(firm)s is interested in your order “%(title)s”."),
    "invitation": N_("%(firm)s invites you to talk about its order “%(title)s”."),
    "answer:accepted": N_("%(firm)s accepts your invitation to talk about “%(title)s”."),
    "answer:declined": N_("%(firm)s declines your invitation to talk about “%(title)s”: %(reason)s"),
    "withdrawn": N_("%(firm)s withdraws from the deal on “%(title)s”: %(reason)s"),
    "message": N_("%(firm)s writes about “%(title)s”: %(excerpt)s"),
    "screening:published": N_("Your posting “%(title)s” is published."),
    "screening:rejected": N_("Your posting “%(title)s” was not published: %(reason)s"),
    "contract": N_("The contract “%(title)s” waits for your confirmation."),
    "signed": N_("The contract “%(title)s” is signed."),
    "order_closed": N_("The order “%(title)s” was signed with another supplier and is closed."),
    "order_closed:open": N_(
        "A contract was signed on the order “%(title)s”; the buyer keeps it open for more suppliers."
    ),
    "deadline": N_("The order “%(title)s” closes for answers on %(date)s."),
    "application:applied": N_("%(firm)s applies for your service package “%(title)s”."),
    "application:accepted": N_("Your application for “%(title)s” is accepted."),
    "application:declined": N_("Your application for “%(title)s” is declined: %(reason)s"),
    "saved_search": N_("%(count)s new results for your saved search “%(title)s”."),
    "mentor_request": N_("%(firm)s asks you for a mentoring session on “%(title)s”."),
    "mentor_request:withdrawn": N_("%(firm)s withdraws its request for a session on “%(title)s”: %(reason)s"),
    "mentor_answer:accepted": N_("Mentor %(mentor)s accepts your request for a session on “%(title)s”."),
    "mentor_answer:declined": N_("Mentor %(mentor)s declines your request for a session on “%(title)s”: %(reason)s"),
    "mentor_session:held": N_("Mentor %(mentor)s recorded the session on “%(title)s” as held."),
    "mentor_session:cancelled": N_("Mentor %(mentor)s cancelled the session on “%(title)s”: %(reason)s"),
    "mentor_session:cancelled_by_firm": N_("%(firm)s cancelled the session on “%(title)s”: %(reason)s"),
    # Financing (qianfan.financing.events): "title" is the contract's.
    "financing:applied": N_(
        "%(firm)s applies to finance %(amount)s yuan receivable on the contract “%(title)s”: please confirm or dispute it."
    ),
    "financing:confirmed": N_("%(firm)s confirmed the receivable of “%(title)s”; the institutions you chose can see it."),
    "financing:to_review": N_("%(firm)s asks to finance %(amount)s yuan on the confirmed contract “%(title)s”."),
    "financing:disputed": N_("%(firm)s disputes the receivable of “%(title)s”: %(reason)s"),
    "financing:withdrawn": N_("%(firm)s withdrew its financing application on “%(title)s”: %(reason)s"),
    "financing:offered": N_(
        "%(firm)s offers %(amount)s yuan at %(rate)s%% a year for %(days)s days on “%(title)s”."
    ),
    "financing:declined": N_("%(firm)s declines to finance “%(title)s”: %(reason)s"),
    "financing:asked": N_("%(firm)s asks about your financing of “%(title)s”: %(question)s"),
    "financing:offer_withdrawn": N_("%(firm)s withdrew its offer on “%(title)s”: %(reason)s"),
    "financing:answered": N_("%(firm)s answered your question on “%(title)s”."),
    "financing:accepted": N_("%(firm)s accepts your offer of %(amount)s yuan on “%(title)s”: record the money when paid."),
    "financing:lapsed": N_("Your answer on “%(title)s” of %(firm)s is closed: %(reason)s"),
    "financing:paid": N_("The money for “%(title)s” (%(amount)s yuan) is recorded as paid."),
    "financing:repaid": N_("The financing of “%(title)s” is recorded as repaid."),
    "financing:cancelled": N_("The financing of “%(title)s” was cancelled by the institution: %(reason)s"),
}
SUBJECT = N_("Qianfan: %(label)s")


@lru_cache(maxsize=1)
def _zh_catalog():
    from qianfan.translations import load_catalog

    return load_catalog()


def translate(message: str, locale: str) -> str:
    if locale == "en":
        return message
    entry = _zh_catalog().get(message)
    return entry.string if entry is not None and entry.string else message


def _fill(template: str, params: dict) -> str:
    class _Lenient(dict):
        def __missing__(self, key):
            return ""

    try:
        return template % _Lenient(params or {})
    except (TypeError, ValueError):
        return template


def sentence(kind: str, params: dict, locale: str) -> str:
    """The notification as one sentence in `locale` ("zh_CN" or "en")."""
    variant = (params or {}).get("variant")
    template = SENTENCES.get(f"{kind}:{variant}") or SENTENCES.get(kind) or kind
    return _fill(translate(template, locale), params)


def label(kind: str, locale: str) -> str:
    return translate(LABELS.get(kind, kind), locale)


def subject(kind: str, locale: str) -> str:
    return _fill(translate(SUBJECT, locale), {"label": label(kind, locale)})
