"""Forms: they parse and type what people send; the rules themselves live in ``cases.actions``."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jiedao.cases.actions import RETURN_REASONS
from jiedao.cases.models import Category, Channel, Clock, Satisfaction, Urgency
from jiedao.core.actor import Actor
from jiedao.org.models import RegionLevel
from jiedao.org.selectors import regions_for, units_for

PURPOSES = [
    ("callback", _("回访诉求人")),
    ("verify", _("核实现场情况")),
    ("contact", _("联系诉求人补充信息")),
    ("other", _("其他")),
]


def leaf_categories(*, public_only: bool = False) -> QuerySet[Category]:
    """Active 小类 (with an active 大类), for the report page and for register corrections."""
    categories = Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
    if public_only:
        categories = categories.filter(public=True)
    return categories.select_related("parent").order_by(
        "parent__scheme", "parent__kind", "parent__code", "code"
    )


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        from jiedao.web.templatetags.jiedao_ui import cat_name

        return cat_name(obj)


def grouped_choices(categories: QuerySet[Category]) -> list:
    """Choices grouped by 大类 (rendered as <optgroup>)."""
    from jiedao.web.templatetags.jiedao_ui import cat_name

    groups: dict[int, tuple[str, list]] = {}
    for category in categories:
        _label, items = groups.setdefault(category.parent_id, (cat_name(category.parent), []))
        items.append((category.pk, cat_name(category)))
    return [("", _("请选择问题类型")), *[(label, items) for label, items in groups.values()]]


# --- Resident pages ---------------------------------------------------------------------------------------

_TEXT = {"class": "input"}


class ReportForm(forms.Form):
    """随手拍. Only types are checked here; ``do_report`` decides what is acceptable."""

    category = CategoryChoiceField(
        queryset=Category.objects.none(),
        label=_("问题类型"),
        error_messages={"required": _("请选择问题类型"), "invalid_choice": _("请选择列表中的问题类型")},
    )
    description = forms.CharField(
        label=_("问题描述"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "class": "input",
                "maxlength": 4000,
                "placeholder": _("发生了什么?请尽量写清楚位置和情况"),
            }
        ),
    )
    address = forms.CharField(
        label=_("地址"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("如:胥江路100号东侧")}),
    )
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    reporter_name = forms.CharField(
        label=_("称呼"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "name", "placeholder": _("选填,如:张先生")}),
    )
    reporter_phone = forms.CharField(
        label=_("手机号"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={
                **_TEXT,
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": _("用于查询进度和回访,不会公开"),
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = leaf_categories(public_only=True)
        self.fields["category"].queryset = categories
        self.fields["category"].choices = grouped_choices(categories)
        self.fields["category"].widget.attrs.update(
            {
                "class": "input",
                "id": "id_category",
                "hx-get": reverse("report_fields"),
                "hx-trigger": "change",
                "hx-target": "#attr-fields",
                "hx-swap": "innerHTML",
            }
        )

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            data["lon"] = data["lat"] = None
        return data


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("案件编号"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                **_TEXT,
                "inputmode": "numeric",
                "autocomplete": "off",
                "placeholder": _("如 2611 21 0042"),
            }
        ),
        error_messages={"required": _("请填写案件编号")},
    )
    last4 = forms.RegexField(
        label=_("手机号后四位"),
        regex=r"^\d{4}$",
        max_length=4,
        widget=forms.TextInput(
            attrs={
                **_TEXT,
                "inputmode": "numeric",
                "autocomplete": "off",
                "maxlength": 4,
                "placeholder": "1234",
            }
        ),
        error_messages={"required": _("请填写手机号后四位"), "invalid": _("请填写4位数字")},
    )

    def clean_number(self) -> str:
        return "".join(ch for ch in self.cleaned_data["number"] if not ch.isspace() and ch != "-")


YES_NO = [("1", _("是")), ("0", _("否"))]


def _yes_no_field(label, *, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        required=required,
        error_messages={"required": _("请选择")},
    )


class ResidentEvaluateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("您对处理结果满意吗?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意程度")},
    )
    resolved = _yes_no_field(_("问题解决了吗?"))
    contacted = _yes_no_field(_("办理人员联系过您吗?"))
    note = forms.CharField(
        label=_("补充意见"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "input"}),
    )

    @property
    def questions(self) -> list[forms.BoundField]:
        """The questions answered by tapping one option, in the order the page asks them."""
        return [self["satisfaction"], self["resolved"], self["contacted"]]


# --- Staff: the workbench -------------------------------------------------------------------------------

TABS = [
    ("open", _("全部在办"), ("reported", "registered", "dispatched", "accepted", "handled")),
    ("reported", _("待受理"), ("reported",)),
    ("registered", _("已立案"), ("registered",)),
    ("dispatched", _("已派遣"), ("dispatched",)),
    ("accepted", _("已签收"), ("accepted",)),
    ("handled", _("已处置"), ("handled",)),
    ("closed", _("已结案"), ("closed", "evaluated")),
    ("voided", _("已作废"), ("voided",)),
]


class WorkbenchFilter(forms.Form):
    tab = forms.ChoiceField(choices=[(key, label) for key, label, _s in TABS], required=False)
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "input", "type": "search", "placeholder": _("编号、描述或地址")}
        ),
    )
    group = forms.ModelChoiceField(
        label=_("大类"), queryset=Category.objects.none(), required=False, empty_label=_("全部大类")
    )
    community = forms.ChoiceField(label=_("社区"), required=False)
    unit = forms.ModelChoiceField(
        label=_("承办单位"), queryset=None, required=False, empty_label=_("全部单位")
    )
    channel = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部来源")), *Channel.choices]
    )
    clock = forms.ChoiceField(
        label=_("计时"),
        required=False,
        choices=[
            ("", _("全部计时")),
            (Clock.NORMAL, _("正常")),
            (Clock.WARNING, _("预警")),
            (Clock.OVERDUE, _("超期")),
            (Clock.PAUSED, _("暂停")),
        ],
    )

    def __init__(self, data, *, actor: Actor):
        super().__init__(data)
        self.fields["group"].queryset = Category.objects.filter(parent__isnull=True, active=True).order_by(
            "scheme", "kind", "code"
        )
        self.fields["group"].label_from_instance = lambda c: _cat(c)
        communities = regions_for(actor).filter(level=RegionLevel.COMMUNITY).order_by("code")
        self.fields["community"].choices = [("", _("全部社区")), *[(r.code, r.name) for r in communities]]
        self.fields["unit"].queryset = units_for(actor).order_by("region_id", "kind", "name")
        for name in ("group", "community", "unit", "channel", "clock"):
            self.fields[name].widget.attrs["class"] = "input input--sm"


def _cat(category: Category) -> str:
    from jiedao.web.templatetags.jiedao_ui import cat_name

    return cat_name(category)


class BulkDispatchForm(forms.Form):
    numbers = forms.MultipleChoiceField(required=True, error_messages={"required": _("请勾选要派遣的案件")})
    unit = forms.ModelChoiceField(queryset=None, error_messages={"required": _("请选择承办单位")})
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, data, *, actor: Actor):
        super().__init__(data)
        self.fields["unit"].queryset = units_for(actor)
        # Numbers are checked against the actor's scope one by one in the view (through the selector).
        self.fields["numbers"].choices = [(n, n) for n in data.getlist("numbers")] if data else []


# --- Staff: actions on one case --------------------------------------------------------------------------


def _note(label, *, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": rows, "class": "input"}),
        error_messages={"required": format_lazy(_("请填写{what}"), what=label)},
    )


class ActionForm(forms.Form):
    """Base of the forms on the case page; ``photos`` says whether the form takes photos."""

    photos = False

    def __init__(self, *args, actor: Actor, case, **kwargs):
        self.actor, self.case = actor, case
        super().__init__(*args, **kwargs)


class RegisterForm(ActionForm):
    category = CategoryChoiceField(label=_("类别"), queryset=Category.objects.none())
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    note = _note(_("立案意见"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = leaf_categories()
        self.fields["category"].queryset = categories
        self.fields["category"].choices = grouped_choices(categories)
        self.fields["category"].initial = self.case.category_id
        self.fields["urgency"].initial = self.case.urgency
        for name in ("category", "urgency"):
            self.fields[name].widget.attrs["class"] = "input"


class VoidForm(ActionForm):
    reason = _note(_("作废原因"), required=True)


class MergeForm(ActionForm):
    into = forms.CharField(
        label=_("并入案件编号"),
        max_length=30,
        widget=forms.TextInput(attrs={"class": "input", "inputmode": "numeric"}),
        error_messages={"required": _("请填写案件编号")},
    )
    note = _note(_("并案说明"))

    def clean_into(self) -> str:
        return "".join(ch for ch in self.cleaned_data["into"] if ch.isalnum())


class DispatchForm(ActionForm):
    unit = forms.ModelChoiceField(
        label=_("承办单位"), queryset=None, error_messages={"required": _("请选择承办单位")}
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("协办单位"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = _note(_("派遣意见"))

    def __init__(self, *args, suggested=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = units_for(self.actor).order_by("region_id", "kind", "name")
        self.fields["unit"].queryset = units
        self.fields["co_units"].queryset = units
        self.fields["unit"].widget.attrs["class"] = "input"
        if suggested is not None:
            self.fields["unit"].initial = suggested.pk


class AcceptForm(ActionForm):
    note = _note(_("签收意见"))


class ReturnForm(ActionForm):
    reason = forms.ChoiceField(
        label=_("退单原因"),
        choices=[("", "—"), *RETURN_REASONS.items()],
        error_messages={"required": _("请选择退单原因")},
    )
    note = _note(_("退单说明"), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs["class"] = "input"


class EscalateForm(ActionForm):
    note = _note(_("上报理由"), required=True)


class RequestExtensionForm(ActionForm):
    until = forms.DateTimeField(
        label=_("延期至"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "input"}, format="%Y-%m-%dT%H:%M"
        ),
        error_messages={"required": _("请选择延期后的时限"), "invalid": _("请填写正确的日期时间")},
    )
    reason = _note(_("延期理由"), required=True)

    def clean_until(self):
        until = self.cleaned_data["until"]
        return timezone.make_aware(until) if timezone.is_naive(until) else until


class ApproveExtensionForm(ActionForm):
    note = _note(_("审批意见"))


class DenyExtensionForm(ActionForm):
    note = _note(_("驳回理由"), required=True)


class SuspendForm(ActionForm):
    reason = _note(_("缓办理由"), required=True)


class ResumeForm(ActionForm):
    note = _note(_("说明"))


class SuperviseForm(ActionForm):
    note = _note(_("督办意见"), required=True)


class UrgeForm(ActionForm):
    note = _note(_("催办意见"))


class HandleForm(ActionForm):
    photos = True
    note = _note(_("处置情况"), required=True, rows=3)


class VerifyForm(ActionForm):
    photos = True
    note = _note(_("核查意见"))


class ReworkForm(ActionForm):
    photos = True
    note = _note(_("返工原因"), required=True)


class EvaluateForm(ActionForm):
    """回访: first whether the requester was reached; only then their answers (else nothing to record)."""

    reached = _yes_no_field(_("回访是否联系上诉求人"))
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect, required=False
    )
    resolved = _yes_no_field(_("问题是否解决"), required=False)
    contacted = _yes_no_field(_("承办单位是否联系过诉求人"), required=False)
    note = _note(_("回访记录"))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("reached"):
            for name, message in (
                ("satisfaction", _("请选择满意程度")),
                ("resolved", _("请选择")),
                ("contacted", _("请选择")),
            ):
                if data.get(name) in ("", None):
                    self.add_error(name, message)
        return data


class ReopenForm(ActionForm):
    note = _note(_("重办理由"), required=True)


class AttachForm(ActionForm):
    photos = True
    note = _note(_("说明"))


class RevealForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("查看目的"), choices=PURPOSES, widget=forms.Select(attrs={"class": "input"})
    )
    detail = forms.CharField(
        label=_("说明"), required=False, max_length=200, widget=forms.TextInput(attrs={"class": "input"})
    )

    def purpose_text(self) -> str:
        label = dict(PURPOSES)[self.cleaned_data["purpose"]]
        detail = self.cleaned_data.get("detail", "").strip()
        return f"{label}:{detail}" if detail else str(label)
