from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template import Engine, TemplateSyntaxError

from jiedao.insight.models import ReportTemplate


class ReportTemplateForm(forms.ModelForm):
    class Meta:
        model = ReportTemplate
        fields = ["level", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 30, "cols": 120})}

    def clean(self):
        data = super().clean()
        for name in ("title", "body"):
            try:
                Engine().from_string(data.get(name) or "")
            except TemplateSyntaxError as exc:
                self.add_error(name, ValidationError(f"模板语法错误:{exc}"))
        return data


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin):
    form = ReportTemplateForm
    list_display = ["level", "title", "updated_at"]
