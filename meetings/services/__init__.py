"""Services for the life of a meeting, one module per part a secretary names: the meeting's
status (lifecycle), the agenda, the §-numrering (numbering) and the protokoll's paragraphs.
Justering and anslag have their own packages (meetings/justering/, meetings/anslag/)."""
