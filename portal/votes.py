"""A vote as the public reads it: the counts and the outcome. One reading for the votes CSV
(portal/views/open_data.py) and the OParl extension `paragraf:votes` (oparl/votes.py)."""

from attendance.models import Ballot, Vote

# The ballot choices as the open data spells them.
CHOICES = {Ballot.Choice.YES: "yes", Ballot.Choice.NO: "no", Ballot.Choice.ABSTAIN: "abstain"}
# Vote.result "ja" → proposition A won, "nej" → proposition B.
OUTCOMES = {Vote.Result.YES: "A", Vote.Result.NO: "B"}


def vote_counts(vote: Vote, ballots: list) -> dict:
    """The counts recorded with the vote, or (older open votes) counted from its ballots."""
    tally = {choice: 0 for choice in Ballot.Choice.values}
    for ballot in ballots:
        tally[ballot.choice] += 1
    recorded = {"ja": vote.yes_count, "nej": vote.no_count, "avstar": vote.abstain_count}
    return {
        CHOICES[choice]: tally[choice] if recorded[choice] is None else recorded[choice] for choice in tally
    }
