"""TEMPORARY (until the split of meetings/ lands): the register lists moved to meetings/registers.py;
meetings/admin.py and meetings/dispatch.py still import them from here."""

from meetings.registers import agenda_item_generate_list, meeting_generate_lists  # noqa: F401
