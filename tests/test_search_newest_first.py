"""Very many hits are listed newest first from the B-tree `search_entry_newest`
(portal.search.newest_first): PostgreSQL walks it from the newest entry and stops after the
page's hits instead of sorting every hit, in the same order as before, and paging still works.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import F, IntegerField, Value
from django.urls import reverse

from portal.models import SearchEntry
from portal.search import PAGE_SIZE, RANK_LIMIT, _update_vectors, search_page, search_results
from tests.factories import CommitteeFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the index and its plan are PostgreSQL's"),
]

ENTRIES = RANK_LIMIT + 1000  # more hits than are ranked: listed newest first


@pytest.fixture
def many_hits():
    """ENTRIES entries that all match "budget" and most "motion", on dates with ties (three
    entries a day), some undated (listed last), created in an order unlike their dates."""
    committee = CommitteeFactory(slug="kommunalt-forum")
    start = date(2010, 1, 1)
    rows = []
    for n in range(ENTRIES):
        day = None if n % 97 == 0 else start + timedelta(days=(n * 7919) % (ENTRIES // 3))
        rows.append(
            SearchEntry(
                kind=SearchEntry.Kind.PARAGRAPH,
                object_id=n + 1,
                committee=committee,
                date=day,
                title=f"§ {n + 1} Budget {n}",
                text="Motion om budget." if n % 5 else "Budget.",
                url=f"/protokoll/{n + 1}/",
            )
        )
    SearchEntry.objects.bulk_create(rows)
    _update_vectors(SearchEntry.objects.all())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_searchentry")
    return committee


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _before(q: str) -> list[int]:
    """The ids in the order of the query before the index: constant exactness and rank, then
    every hit sorted newest first (as search_results(ranked=False) was written)."""
    return list(
        SearchEntry.objects.filter(search_vector=SearchQuery(q, config="swedish", search_type="websearch"))
        .annotate(exact=Value(0, output_field=IntegerField()), rank=Value(0.0))
        .order_by("-exact", "-rank", F("date").desc(nulls_last=True), "pk")
        .values_list("pk", flat=True)
    )


def test_a_page_of_a_common_word_is_read_from_the_newest_first_index_without_a_sort(many_hits):
    page = search_results(q="budget", ranked=False).values_list("pk", flat=True)[:PAGE_SIZE]
    plan = _plan(page)
    assert "Index Scan using search_entry_newest" in plan, plan
    assert "Sort" not in plan, plan
    # The second page too (OFFSET on the same walk).
    plan = _plan(
        search_results(q="budget", ranked=False).values_list("pk", flat=True)[PAGE_SIZE : 2 * PAGE_SIZE]
    )
    assert "Index Scan using search_entry_newest" in plan and "Sort" not in plan, plan


def test_the_order_is_the_same_as_sorting_every_hit_newest_first(many_hits):
    for q in ("budget", "motion"):
        new = list(search_results(q=q, ranked=False).values_list("pk", flat=True))
        assert new == _before(q)
        assert len(new) > RANK_LIMIT
    entries = SearchEntry.objects.in_bulk(new)
    dates = [entries[pk].date for pk in new]
    dated = [day for day in dates if day is not None]
    assert dated == sorted(dated, reverse=True)
    assert dates[len(dated) :] == [None] * (len(dates) - len(dated))  # undated last


def test_the_search_page_lists_newest_first_and_pages_on(client, many_hits):
    first = search_page(q="budget", number=1)
    assert not first.ranked and first.count == RANK_LIMIT + 1  # "more than 2,000 hits"
    expected = _before("budget")
    second = search_page(q="budget", number=2)
    assert [hit.url for hit in first.hits + second.hits] == [
        SearchEntry.objects.get(pk=pk).url for pk in expected[: 2 * PAGE_SIZE]
    ]
    last = search_page(q="budget", number=first.page.paginator.num_pages)
    assert len(last.hits) == ((RANK_LIMIT + 1) % PAGE_SIZE or PAGE_SIZE)

    response = client.get(reverse("portal:search"), {"q": "budget"})
    html = response.content.decode()
    assert 'id="sorted-by-date"' in html and 'rel="next"' in html
    titles = re.findall(r'<h3 class="listing__title"><a href="[^"]*">([^<]*)</a></h3>', html)
    assert titles == [SearchEntry.objects.get(pk=pk).title for pk in expected[:PAGE_SIZE]]
    html = client.get(reverse("portal:search"), {"q": "budget", "sida": "2"}).content.decode()
    titles = re.findall(r'<h3 class="listing__title"><a href="[^"]*">([^<]*)</a></h3>', html)
    assert titles == [SearchEntry.objects.get(pk=pk).title for pk in expected[PAGE_SIZE : 2 * PAGE_SIZE]]
    assert 'rel="prev"' in html


def test_few_hits_are_still_ranked_not_walked(many_hits):
    SearchEntry.objects.filter(pk__in=SearchEntry.objects.order_by("pk").values("pk")[:3]).update(
        title="Skolskjuts"
    )
    _update_vectors(SearchEntry.objects.filter(title="Skolskjuts"))
    result = search_page(q="skolskjuts", number=1)
    assert result.ranked and result.count == 3 and len(result.hits) == 3
    assert "ts_rank" in str(search_results(q="skolskjuts").query)
