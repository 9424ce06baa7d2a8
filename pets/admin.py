"""Admin for pets, with their preferences inline (masks shown as checkboxes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import TextChoices
from django.forms import ModelForm
from django.http import HttpRequest

from pets import services
from pets.models import Energy, Pet, Preferences, Size, Species, mask, unmask
from pets.signals import pet_changed

# Form field name -> (mask field, the choices its bits stand for).
_MASKS: dict[str, tuple[str, type[TextChoices]]] = {
    "species": ("species_mask", Species),
    "sizes": ("sizes_mask", Size),
    "energy": ("energy_mask", Energy),
}


def _choice_boxes(choices: type[TextChoices]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices.choices, widget=forms.CheckboxSelectMultiple, required=True
    )


class PreferencesForm(ModelForm[Preferences]):
    species = _choice_boxes(Species)
    sizes = _choice_boxes(Size)
    energy = _choice_boxes(Energy)

    class Meta:
        model = Preferences
        fields = (
            "max_distance_km",
            "min_age",
            "max_age",
            "require_vaccinated",
            "availability",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name, (mask_field, choices) in _MASKS.items():
                self.initial[name] = unmask(choices, getattr(self.instance, mask_field))

    def save(self, commit: bool = True) -> Preferences:
        for name, (mask_field, choices) in _MASKS.items():
            setattr(self.instance, mask_field, mask(choices, self.cleaned_data[name]))
        return super().save(commit)


class PreferencesInline(admin.StackedInline[Preferences, Pet]):
    model = Preferences
    form = PreferencesForm
    can_delete = False


@admin.register(Pet)
class PetAdmin(admin.ModelAdmin[Pet]):
    list_display = ("name", "owner", "species", "breed", "age", "is_active", "created_at")
    list_filter = ("species", "size", "energy", "is_active")
    list_select_related = ("owner",)
    search_fields = ("name", "breed", "owner__email")
    raw_id_fields = ("owner",)
    ordering = ("owner", "species", "name")
    readonly_fields = ("created_at", "updated_at")
    inlines = (PreferencesInline,)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Pet], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        # Matching reads every pet's preferences: a pet added here without them gets the defaults.
        services.preferences_ensure(pet=form.instance)
        # As the API's changes do (pets.services): matching suggests the pet to those nearby.
        fields = frozenset(form.changed_data)
        if any(formset.has_changed() for formset in formsets):
            fields |= {"preferences"}
        if not change or fields:
            pet_changed.send(
                sender=Pet,
                pet=form.instance,
                created=not change,
                fields=fields if change else frozenset(),
            )
