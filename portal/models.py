"""The portal writes nothing of the domain; it keeps only a search index of what is public."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    """One public thing in the search index (sökindex): a paragraph, an agenda item, a handling
    or a case, as the public may see it. Built only from the selectors of `portal.published`
    by `portal.search`; nothing else writes here.

    `search_vector` is stored and GIN-indexed on PostgreSQL (Swedish stemming); on SQLite the
    column is unused and search falls back to a plain contains search.
    """

    class Kind(models.TextChoices):
        PARAGRAPH = "paragraph", _("paragraph")
        AGENDA_ITEM = "agenda_item", _("agenda item")
        DOCUMENT = "document", _("document")
        CASE = "case", _("case")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meeting"),
        help_text=_("The meeting whose indexing wrote this entry."),
    )
    committee = models.ForeignKey(
        "committees.Committee",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("committee"),
    )
    date = models.DateField(_("date"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=600)
    text = models.TextField(_("text"), blank=True)
    diarienummer = models.CharField(_("diarienummer"), max_length=40, blank=True)
    case_number = models.CharField(
        _("case number"), max_length=20, blank=True, db_index=True, help_text=_('"2022/2018".')
    )
    url = models.CharField(_("public address"), max_length=300)
    source_sha256 = models.CharField(
        _("SHA-256 of the extracted file"),
        max_length=64,
        blank=True,
        help_text=_("A handling's text is extracted again only when its file changes."),
    )
    search_vector = SearchVectorField(_("search vector"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique_object"),
        ]
        # Created on PostgreSQL only (migrations 0001, 0002). The B-tree is the newest-first
        # order of `portal.search.newest_first`: a page of a common word is read from it.
        indexes = [
            GinIndex(fields=["search_vector"], name="search_entry_vector_gin"),
            models.Index(F("date").desc(nulls_last=True), F("id").asc(), name="search_entry_newest"),
        ]

    def __str__(self):
        return self.title


class StoredPage(models.Model):
    """The public HTML of a published protokoll page (`number` 0) or of one of its § permalinks
    (`number` n), in one language, rendered once by `portal.prerender` when the protokoll is
    published and again after each change that can alter it. Served to anonymous readers by one
    lookup that goes through `portal.published.published_meetings()`, so a row is never served
    for a protokoll that is no longer public. `version` names the templates, translations and
    static files it was rendered with; a row of another version is not served."""

    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("meeting"),
    )
    number = models.PositiveIntegerField(_("paragraph number"), help_text=_("0: the whole protokoll."))
    language = models.CharField(_("language"), max_length=8)
    version = models.CharField(_("rendering version"), max_length=40)
    html = models.TextField(_("HTML"))
    headers = models.JSONField(
        _("headers"),
        default=list,
        help_text=_("The live page's response headers, as the middleware set them (for the WSGI fast path)."),
    )
    masked_paragraphs = models.PositiveIntegerField(
        _("confidential paragraphs"), default=0, help_text=_("When rendered; served only while it holds.")
    )
    masked_cases = models.PositiveIntegerField(
        _("open paragraphs of a confidential case"),
        default=0,
        help_text=_("When rendered; served only while it holds."),
    )
    rendered_at = models.DateTimeField(_("rendered"), auto_now=True)

    class Meta:
        verbose_name = _("stored public page")
        verbose_name_plural = _("stored public pages")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number", "language"], name="stored_page_unique_page"),
        ]

    def __str__(self):
        return f"{self.meeting_id} § {self.number} ({self.language})"
