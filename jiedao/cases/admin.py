"""Category configuration. Cases are not edited here: they move only through the workbench and the API."""

from django import forms
from django.contrib import admin

from jiedao.cases.attributes import validate_schema
from jiedao.cases.models import Category, RoutingRule, StageLimit
from jiedao.core.adminkit import RoleAdmin


class StageLimitInline(admin.TabularInline):
    model = StageLimit
    extra = 0


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = (
            "scheme",
            "kind",
            "code",
            "name",
            "name_en",
            "parent",
            "description",
            "keywords",
            "default_unit_specialty",
            "attributes",
            "public",
            "active",
        )

    def clean_attributes(self):
        schema = self.cleaned_data["attributes"] or []
        errors = validate_schema(schema)
        if errors:
            raise forms.ValidationError(errors)
        return schema


@admin.register(Category)
class CategoryAdmin(RoleAdmin):
    form = CategoryForm
    inlines = (StageLimitInline,)
    list_display = ("code", "name", "scheme", "kind", "parent", "default_unit_specialty", "public", "active")
    list_filter = ("scheme", "kind", "active", "public")
    search_fields = ("code", "name", "keywords")


@admin.register(RoutingRule)
class RoutingRuleAdmin(RoleAdmin):
    list_display = ("category", "region", "unit")
    autocomplete_fields = ("category", "unit")
    search_fields = ("category__name", "unit__name")
