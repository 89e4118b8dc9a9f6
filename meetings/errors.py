"""The codes of the refusals the justering and signing services raise (`ValidationError.code`):
`JusteringRefusal` for choosing the signers, sending for justering and reopening,
`SigningRefusal` for a signature, a bestyrkande and an omedelbar justering.

Views and tests compare a refusal's code with these, never with a string literal: a typo is then
an AttributeError, and the list of what signing can refuse is here to read. The messages stay
with the raise sites, in the user's language; a code is for code.
"""

from enum import StrEnum


class JusteringRefusal(StrEnum):
    """Why the signers could not be chosen, the protokoll not sent for justering or not reopened."""

    NO_CHAIR = "no_chair"
    NO_ADJUSTER = "no_adjuster"
    TOO_MANY_ADJUSTERS = "too_many_adjusters"
    SIGNER_TWICE = "signer_twice"  # one person in two roles of the justering
    NO_PARAGRAPHS = "no_paragraphs"
    NO_SIGNERS = "no_signers"  # the ordförande and a justerare have not been chosen
    EARLIER_DRAFT = "earlier_draft"  # the protokoll changed since the draft that was checked
    REASON_REQUIRED = "reason_required"  # reopening needs a reason
    NOT_READY = "not_ready"  # a reminder to sign before the protokoll was sent for justering


class SigningRefusal(StrEnum):
    """Why a signature, a bestyrkande or an omedelbar justering was refused."""

    WRONG_PASSWORD = "wrong_password"  # the password entered again is not the user's
    NOT_SIGNER = "not_signer"  # the user is not the person named in the signature
    NOT_SECRETARY = "not_secretary"  # a bestyrkande is only the justering's sekreterare's
    ALREADY_SIGNED = "already_signed"
    ALREADY_JUSTERAD = "already_justerad"  # the § already has the ordförande's and a justerare's
    NOT_JUSTERAT = "not_justerat"  # a protokollsutdrag is certified only of a justerat protokoll
    NOT_IMMEDIATE = "not_immediate"  # the § is not marked for omedelbar justering
    WRONG_STATUS = "wrong_status"  # the meeting is not in a status where this can be signed
    IDENTITY_MISMATCH = "identity_mismatch"  # the ID token names someone else than the signer
    LEVEL_TOO_LOW = "level_too_low"  # the authentication is below the required assurance level
    # A signing invitation of an external justerare (meetings/justering/external.py).
    NO_PROVIDER = "no_provider"  # no identity provider is configured
    HAS_LOGIN = "has_login"  # the signer has a login: they sign on their own page
    NO_EMAIL = "no_email"
    OWN_ADDRESS = "own_address"  # the signer's address is the inviting user's own
    INVITATION_UNKNOWN = "invitation_unknown"
    INVITATION_USED = "invitation_used"
    INVITATION_EXPIRED = "invitation_expired"
