"""The people the platform serves and the places they live.

A Person is a villager on the township's roster; many never log in, so the login account
(User) is optional. Staff roles and the villages they may see are a RoleAssignment.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from .identity import (
    id_birth_date,
    id_gender,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_name,
    normalize_phone,
)


class User(AbstractUser):
    """A login account. Villagers log in by the phone number of their Person record."""

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        # Who recorded, merged or holds a role is shown by name, as a township knows them,
        # not by a login name like "organizer".
        person = self.person_or_none
        if person is not None:
            return person.name
        return self.get_full_name() or self.username

    def get_full_name(self):
        # Chinese order, family name first and no space: 王 + 秀英 is 王秀英.
        return f"{self.last_name}{self.first_name}".strip()

    @property
    def person_or_none(self):
        try:
            return self.person
        except Person.DoesNotExist:
            return None


class Township(models.Model):
    """A township (乡/镇): the unit that reports and sets requirements."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    code = models.CharField(
        _("code"),
        max_length=8,
        blank=True,
        default="",
        validators=[RegexValidator(r"^[A-Z]{1,8}$", _("Use 1 to 8 capital letters, e.g. DG."))],
        help_text=_(
            "Capital letters that begin the serial numbers of the township's certificates,"
            " e.g. DG for DG-2026-000123."
        ),
    )

    panels = [FieldPanel("name"), FieldPanel("code")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")

    def __str__(self):
        return self.name


class Village(models.Model):
    """An administrative village (行政村) of a township."""

    township = models.ForeignKey(
        Township, verbose_name=_("township"), on_delete=models.PROTECT, related_name="villages"
    )
    name = models.CharField(_("name"), max_length=64)

    panels = [FieldPanel("township"), FieldPanel("name")]

    class Meta:
        ordering = ["township__name", "name"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="village_unique_name")
        ]

    def __str__(self):
        return self.name


class PartyBranch(models.Model):
    """A party branch (党支部), usually one per village."""

    township = models.ForeignKey(
        Township, verbose_name=_("township"), on_delete=models.PROTECT, related_name="branches"
    )
    village = models.ForeignKey(
        Village,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="branches",
        null=True,
        blank=True,
        help_text=_("Leave empty for a branch that is not tied to one village."),
    )
    name = models.CharField(_("name"), max_length=100)

    panels = [FieldPanel("township"), FieldPanel("village"), FieldPanel("name")]

    class Meta:
        ordering = ["township__name", "name"]
        verbose_name = _("party branch")
        verbose_name_plural = _("party branches")
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="branch_unique_name")
        ]

    def __str__(self):
        return self.name


class Household(models.Model):
    """A household (户), identified by its number within its village."""

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="households"
    )
    number = models.CharField(_("household number"), max_length=32)

    class Meta:
        ordering = ["village__name", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="household_unique_number")
        ]

    def __str__(self):
        return f"{self.village} {self.number}"


class Person(models.Model):
    """Someone on the township's roster: a learner, a farmer at a training, a member."""

    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")
        UNKNOWN = "", _("not recorded")

    name = models.CharField(_("full name"), max_length=64)
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, blank=True, default=""
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=16, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=16, blank=True, default="", db_index=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, default="")
    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="people"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.SET_NULL,
        related_name="members",
        null=True,
        blank=True,
    )
    is_party_member = models.BooleanField(_("party member"), default=False)
    branch = models.ForeignKey(
        PartyBranch,
        verbose_name=_("party branch"),
        on_delete=models.SET_NULL,
        related_name="members",
        null=True,
        blank=True,
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        related_name="person",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Rosters of thousands are imported at once; nothing links *to* a person from content,
    # so Wagtail's reference index would only add a task per save.
    wagtail_reference_index_ignore = True

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("gender")]),
        FieldRowPanel([FieldPanel("birth_date"), FieldPanel("ethnicity")]),
        FieldRowPanel([FieldPanel("phone"), FieldPanel("id_number")]),
        MultiFieldPanel(
            [FieldPanel("village"), FieldPanel("household")], heading=_("Where they live")
        ),
        MultiFieldPanel([FieldPanel("is_party_member"), FieldPanel("branch")], heading=_("Party")),
    ]

    class Meta:
        ordering = ["village__name", "name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="person_unique_id_number",
                violation_error_message=_("This ID number already belongs to another person."),
            ),
        ]
        indexes = [models.Index(fields=["village", "name"], name="person_village_name")]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        """Normalise name, phone and ID first, so "+86 138 0013 8000" meets max_length."""
        exclude = set(exclude or ())
        errors = {}
        self.name = normalize_name(self.name)
        for field, normalize in (("phone", normalize_phone), ("id_number", normalize_id_number)):
            if field in exclude:
                continue
            try:
                setattr(self, field, normalize(getattr(self, field)))
            except ValidationError as error:
                errors[field] = error.messages
                exclude.add(field)
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean(self):
        """Derive gender and birth date from the ID number; check household and branch."""
        errors = {}
        if self.id_number:
            self.gender = self.gender or id_gender(self.id_number)
            self.birth_date = self.birth_date or id_birth_date(self.id_number)
        if self.village_id:
            if self.household_id and self.household.village_id != self.village_id:
                errors["household"] = _("The household belongs to another village.")
            if self.branch_id and self.branch.township_id != self.village.township_id:
                errors["branch"] = _("The party branch belongs to another township.")
        if errors:
            raise ValidationError(errors)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    masked_phone.fget.short_description = _("phone")

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    masked_id_number.fget.short_description = _("ID number")


class RoleAssignment(models.Model):
    """A staff role held by a user, with the places it covers.

    Learners need no assignment: anyone whose account is linked to a Person is a learner.
    Organizers and village secretaries see only their villages; township staff see their
    township; administrators see everything.
    """

    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("organizer")
        SECRETARY = "secretary", _("village secretary")
        TOWNSHIP_STAFF = "township_staff", _("township staff")
        ADMINISTRATOR = "administrator", _("administrator")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignment",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    township = models.ForeignKey(
        Township,
        verbose_name=_("township"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
        null=True,
        blank=True,
    )
    villages = models.ManyToManyField(
        Village,
        verbose_name=_("villages"),
        related_name="role_assignments",
        blank=True,
        help_text=_("Organizers and village secretaries see only these villages."),
    )

    panels = [
        FieldPanel("user"),
        FieldPanel("role"),
        FieldPanel("township"),
        FieldPanel("villages"),
    ]

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class PersonMerge(models.Model):
    """The record of two Person records found to be one and merged by an administrator."""

    kept = models.ForeignKey(
        Person, verbose_name=_("kept person"), on_delete=models.CASCADE, related_name="merges"
    )
    merged_person_id = models.BigIntegerField(_("merged record id"))
    merged_name = models.CharField(_("merged name"), max_length=64)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    moved = models.JSONField(_("records moved"), default=dict, blank=True)

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("person merge")
        verbose_name_plural = _("person merges")

    def __str__(self):
        return f"{self.merged_name} → {self.kept}"
