"""The vendor extension `paragraf:lagaKraft` on an open AgendaItem (a § of a published
protokoll): whether the decision can still be appealed, was appealed or has vunnit laga kraft,
with the days that decide it and, once it has, the link to its sealed laga kraft-bevis. OParl
1.1 has no property for it; vendor properties with a prefix are allowed (see `paragraf:votes`).

The JSON Schema is oparl/schema/paragraf-laga-kraft.json (docs/laga-kraft.md). The state comes
only from `portal.published` (`public_laga_kraft_of`): a confidential § has none, and who
appealed is never in it.
"""

from __future__ import annotations

from meetings import signing
from portal.published import public_laga_kraft_of

EXTENSION = "paragraf:lagaKraft"
SCHEMA_PATH = "oparl/schema/paragraf-laga-kraft.json"


def laga_kraft_extension(paragraph, public, links) -> dict:
    """{"paragraf:lagaKraft": {...}} for an open § whose protokoll is posted, else {}."""
    if public.confidential:
        return {}
    state = public_laga_kraft_of(paragraph)
    if state is None:
        return {}
    record = {
        "state": state.state,
        "postedOn": state.posted_on.isoformat(),
        "lastPostedOn": state.last_posted_on.isoformat(),
        "appealEndsOn": state.appeal_ends_on.isoformat(),
    }
    if state.final_on:
        record["finalOn"] = state.final_on.isoformat()
        if signing.signing_ca_exists():
            record["certificate"] = links.web("laga_kraft_bevis", public.meeting_id, public.number)
    return {EXTENSION: record}
