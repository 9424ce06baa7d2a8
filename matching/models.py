"""Matching state: which pets a pet has passed on."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from pets.models import Pet


class Pass(models.Model):
    """`pet`'s owner said no to `other`: it is never suggested to `pet` again."""

    pet = models.ForeignKey(Pet, on_delete=models.CASCADE, related_name="passes")
    other = models.ForeignKey(Pet, on_delete=models.CASCADE, related_name="passed_by")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["pet", "other"], name="matching_pass_unique")
        ]
        verbose_name_plural = "passes"

    def __str__(self) -> str:
        return f"pet {self.pet_id} passed on pet {self.other_id}"
