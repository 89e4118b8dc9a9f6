"""The sekretess fields have one definition (`committees.sekretess.Confidentiality`): every model
with a `confidential` flag takes it from there, and the database constraint and the validation
("a confidential record names its OSL ground") hold the same on each of them."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import Case, Document
from committees.sekretess import OSL_REFERENCE_REQUIRED, Confidentiality
from meetings.models import AgendaItem, Paragraph
from tests.factories import AgendaItemFactory, CaseFactory, DocumentFactory, draft_paragraph

MAKERS = {
    Case: CaseFactory,
    Document: DocumentFactory,
    AgendaItem: AgendaItemFactory,
    Paragraph: draft_paragraph,
}
MODELS = pytest.mark.parametrize("model", list(MAKERS), ids=lambda model: model.__name__)


def test_every_model_with_a_confidential_flag_takes_it_from_the_one_definition():
    recorded = {
        model
        for model in apps.get_models()
        if model._meta.app_label != "audit"  # the historical copies of the four
        and any(field.name == "confidential" for field in model._meta.get_fields())
    }
    assert recorded == set(MAKERS)
    assert all(issubclass(model, Confidentiality) for model in recorded)


@MODELS
def test_each_model_has_the_one_constraint(model):
    names = {constraint.name for constraint in model._meta.constraints}
    assert f"{model.__name__.lower()}_confidential_needs_osl" in names


@MODELS
@pytest.mark.django_db
def test_the_database_refuses_a_confidential_row_without_its_osl_ground(model):
    record = MAKERS[model]()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=record.pk).update(confidential=True, osl_reference="")
    model.objects.filter(pk=record.pk).update(confidential=True, osl_reference="OSL 26 kap. 1 §")
    assert model.objects.get(pk=record.pk).confidential


@MODELS
@pytest.mark.parametrize("ground", ["", "   "])
@pytest.mark.django_db
def test_validation_asks_for_the_osl_ground_beside_the_field(model, ground):
    record = MAKERS[model]()
    record.confidential, record.osl_reference = True, ground
    with pytest.raises(ValidationError) as refused:
        record.full_clean()
    errors = refused.value.error_dict["osl_reference"]
    assert [error.code for error in errors] == ["osl_reference_required"]
    assert errors[0].message == OSL_REFERENCE_REQUIRED

    record.osl_reference = "OSL 26 kap. 1 §"
    record.full_clean()  # with its ground it is valid
    record.confidential, record.osl_reference = False, ""
    record.full_clean()  # and so is a public record without one
