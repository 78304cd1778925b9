"""The action forms of the case page: which form parses an action, and which ``do_*`` function it calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from jiedao.cases import actions, selectors
from jiedao.cases.models import Case
from jiedao.core.actor import Actor
from jiedao.core.errors import ApplicationError
from jiedao.web import forms as f

Run = Callable[[Case, Actor, dict[str, Any], list], Case]


@dataclass(frozen=True)
class Spec:
    form: type[f.ActionForm]
    run: Run
    tone: str = "default"  # primary | default | danger: how the button looks


def _merge(case: Case, actor: Actor, d: dict[str, Any], _files: list) -> Case:
    try:
        into = selectors.case_for(actor, d["into"])
    except Case.DoesNotExist:
        raise ApplicationError(
            "merge_target", _("案件 %(n)s 不存在或不在您的辖区") % {"n": d["into"]}, field="into"
        ) from None
    return actions.do_merge(case, actor=actor, into=into, note=d["note"])


SPECS: dict[str, Spec] = {
    "register": Spec(
        f.RegisterForm,
        lambda c, a, d, _p: actions.do_register(
            c, actor=a, category=d["category"], urgency=d["urgency"], note=d["note"]
        ),
        "primary",
    ),
    "dispatch": Spec(
        f.DispatchForm,
        lambda c, a, d, _p: actions.do_dispatch(
            c, actor=a, unit=d["unit"], co_units=list(d["co_units"]), note=d["note"]
        ),
        "primary",
    ),
    "accept": Spec(
        f.AcceptForm, lambda c, a, d, _p: actions.do_accept(c, actor=a, note=d["note"]), "primary"
    ),
    "handle": Spec(
        f.HandleForm, lambda c, a, d, p: actions.do_handle(c, actor=a, note=d["note"], uploads=p), "primary"
    ),
    "verify": Spec(
        f.VerifyForm,
        lambda c, a, d, p: actions.do_verify(c, actor=a, passed=True, note=d["note"], uploads=p),
        "primary",
    ),
    "evaluate": Spec(
        f.EvaluateForm,
        lambda c, a, d, _p: actions.do_evaluate(
            c,
            actor=a,
            satisfaction=d["satisfaction"],
            resolved=d["resolved"],
            contacted=d["contacted"],
            reached=d["reached"],
            note=d["note"],
        ),
        "primary",
    ),
    "approve_extension": Spec(
        f.ApproveExtensionForm,
        lambda c, a, d, _p: actions.do_approve_extension(c, actor=a, note=d["note"]),
        "primary",
    ),
    "deny_extension": Spec(
        f.DenyExtensionForm,
        lambda c, a, d, _p: actions.do_deny_extension(c, actor=a, note=d["note"]),
        "danger",
    ),
    "rework": Spec(
        f.ReworkForm,
        lambda c, a, d, p: actions.do_verify(c, actor=a, passed=False, note=d["note"], uploads=p),
        "danger",
    ),
    "request_extension": Spec(
        f.RequestExtensionForm,
        lambda c, a, d, _p: actions.do_request_extension(c, actor=a, until=d["until"], reason=d["reason"]),
    ),
    "return": Spec(
        f.ReturnForm,
        lambda c, a, d, _p: actions.do_return(c, actor=a, reason=d["reason"], note=d["note"]),
        "danger",
    ),
    "escalate": Spec(f.EscalateForm, lambda c, a, d, _p: actions.do_escalate(c, actor=a, note=d["note"])),
    "supervise": Spec(f.SuperviseForm, lambda c, a, d, _p: actions.do_supervise(c, actor=a, note=d["note"])),
    "urge": Spec(f.UrgeForm, lambda c, a, d, _p: actions.do_urge(c, actor=a, note=d["note"])),
    "suspend": Spec(f.SuspendForm, lambda c, a, d, _p: actions.do_suspend(c, actor=a, reason=d["reason"])),
    "resume": Spec(
        f.ResumeForm, lambda c, a, d, _p: actions.do_resume(c, actor=a, note=d["note"]), "primary"
    ),
    "merge": Spec(f.MergeForm, _merge),
    "reopen": Spec(f.ReopenForm, lambda c, a, d, _p: actions.do_reopen(c, actor=a, note=d["note"])),
    "attach": Spec(f.AttachForm, lambda c, a, d, p: actions.do_attach(c, actor=a, uploads=p, note=d["note"])),
    "void": Spec(f.VoidForm, lambda c, a, d, _p: actions.do_void(c, actor=a, reason=d["reason"]), "danger"),
}
# The order of the forms on the page: the next step of the loop first, then the rest.
ORDER = list(SPECS)


def make_form(action: str, actor: Actor, case: Case, data=None, **extra) -> f.ActionForm:
    form_class = SPECS[action].form
    kwargs = {"actor": actor, "case": case}
    if form_class is f.DispatchForm:
        kwargs["suggested"] = extra.get("suggested")
    return (
        form_class(data, prefix=action, **kwargs) if data is not None else form_class(prefix=action, **kwargs)
    )
