"""What the services record reaches the protokoll PDF: vote table, reservation and jäv."""

import subprocess

from django.utils import translation
from django.utils.translation import pgettext

from attendance.models import Vote
from attendance.services import attendance_record, disqualification_record, reservation_record, vote_record
from meetings.protokoll.document import protokoll_render_pdf
from tests.test_attendance_services import Board, all_present, held


def pdf_text(pdf: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(text.stdout.decode().split())


def sv(message: str, **params) -> str:
    with translation.override("sv"):
        return pgettext("protokoll", message) % params


def test_protokoll_pdf_shows_the_vote_table_the_reservation_and_the_jav(db):
    board = Board()
    _p1, budget, grant = held(board, "Val av justerare", "Budget 2025", "Bidrag till föreningen")
    all_present(board)
    attendance_record(meeting=board.meeting, person=board.sub_m1, present=True)
    vote_record(
        paragraph=budget,
        proposition_yes="Bifall till förvaltningens förslag",
        proposition_no="Avslag enligt Bo Linds yrkande",
        kind=Vote.Kind.OPEN,
        ballots={
            board.anna: "ja",
            board.cecilia: "ja",
            board.eva: "avstar",
            board.bo: "nej",
            board.dan: "nej",
        },
    )
    reservation_record(paragraph=budget, person=board.bo, text="Budgeten är inte finansierad.")
    disqualification_record(paragraph=grant, person=board.dan, reason="Styrelseledamot i föreningen")

    text = pdf_text(protokoll_render_pdf(meeting=board.meeting))
    budget_text = text.split("Budget 2025")[-1].split("Bidrag till föreningen")[0]
    assert "Bifall till förvaltningens förslag" in budget_text
    assert "Avslag enligt Bo Linds yrkande" in budget_text
    for name in ("Anna Ek (S)", "Cecilia Berg (S)", "Eva Sand (V)", "Bo Lind (M)", "Dan Holm (M)"):
        assert name in budget_text
    assert sv("Open vote") in budget_text
    assert sv("The chair's casting vote decided.") in budget_text
    assert sv("The meeting decided in accordance with proposition A.") in budget_text
    assert "Budgeten är inte finansierad." in budget_text
    grant_text = text.split("Bidrag till föreningen")[-1]
    jav = sv("Conflict of interest")
    assert jav in grant_text
    after = grant_text.split(jav)[1]
    assert "Dan Holm (M)" in after and "Mats Mark (M)" in after
