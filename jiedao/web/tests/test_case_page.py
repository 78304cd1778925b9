"""The case page: who may see it, which forms each person gets, and every action form wired to its do_*."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from jiedao.cases.models import Attachment, Case
from jiedao.cases.testing import case_in, perform, report
from jiedao.core.models import AuditEvent
from jiedao.web.tests.conftest import png

PHONE = "13812345678"


def url(case: Case, action: str | None = None) -> str:
    if action is None:
        return reverse("case_detail", args=[case.number])
    return reverse("case_action", args=[case.number, action])


# --- who sees the page ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, world):
    case = case_in(world, "reported")
    response = client.get(url(case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("dispatcher", 200),
        ("leader", 200),
        ("staff_a", 200),
        ("grid_a", 200),
        ("staff_b", 404),
        ("grid_b", 404),
        ("outsider", 404),
        ("auditor", 404),
        ("handler", 404),
    ],
)
def test_who_sees_a_community_a_case(login, world, persona, status):
    case = case_in(world, "registered")  # grid a1, community A, not yet dispatched
    assert login(persona).get(url(case)).status_code == status


def test_handler_sees_only_cases_assigned_to_their_unit(login, world):
    mine = case_in(world, "dispatched")  # dispatched to 城管
    not_mine = case_in(world, "registered")
    client = login("handler")
    assert client.get(url(mine)).status_code == 200
    assert client.get(url(not_mine)).status_code == 404
    page = client.get(reverse("workbench")).content.decode()
    assert mine.number[-4:] in page and not_mine.number not in page


def test_staff_b_sees_own_community_only(login, world):
    in_a = case_in(world, "registered")
    in_b = case_in(world, "registered", grid=(2, 0))
    client = login("staff_b")
    assert client.get(url(in_b)).status_code == 200
    assert client.get(url(in_a)).status_code == 404
    page = client.get(reverse("workbench")).content.decode()
    assert "泰南" in page
    assert url(in_a) not in page and url(in_b) in page


def test_actions_on_a_case_outside_the_scope_are_404(login, world):
    case = case_in(world, "reported")
    response = login("staff_b").post(url(case, "void"), {"void-reason": "重复"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == "reported"


def test_page_offers_only_the_actions_the_person_may_take(login, world):
    case = case_in(world, "dispatched")
    handler_page = login("handler").get(url(case)).content.decode()
    for action in ("accept", "return", "escalate", "attach"):
        assert f'action="{url(case, action)}"' in handler_page
    for action in ("register", "dispatch", "void", "verify", "supervise"):
        assert f'action="{url(case, action)}"' not in handler_page
    leader_page = login("leader").get(url(case)).content.decode()
    assert f'action="{url(case, "supervise")}"' in leader_page
    assert f'action="{url(case, "accept")}"' not in leader_page


def test_case_page_shows_fields_attributes_timeline_and_routing(login, world):
    from jiedao.testing.world import make_category

    category = make_category(
        "0199",
        "占道经营",
        attributes=[
            {"code": "shop", "description": "店铺名称", "datatype": "string", "required": False, "order": 1},
            {
                "code": "kind",
                "description": "占道方式",
                "datatype": "singlevaluelist",
                "required": False,
                "order": 2,
                "values": [{"key": "goods", "name": "摆放货物"}, {"key": "stall", "name": "流动摊点"}],
            },
        ],
    )
    case = report(world, category=category, attributes={"shop": "好再来面馆", "kind": "goods"})
    report(world, category=category, description="同一地点又有人占道")  # a near duplicate
    page = login("dispatcher").get(url(case)).content.decode()
    assert "店铺名称" in page and "好再来面馆" in page
    assert "占道方式" in page and "摆放货物" in page
    assert "胥江第一网格" in page and "上报" in page
    assert "沧浪城管中队" in page  # routing suggestion by the category's specialty
    assert "同一地点又有人占道" in page  # near duplicate listed
    assert 'id="case-map-data"' in page


# --- every action through the view ----------------------------------------------------------------------


def _until(case: Case) -> str:
    return ((case.due_at or case.reported_at) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")


ACTION_CASES = [
    # (action, start state, persona, form data (callable on world, case), check)
    (
        "register",
        "reported",
        "dispatcher",
        lambda w, c: {
            "register-category": w.category.pk,
            "register-urgency": "urgent",
            "register-note": "属实",
        },
        lambda c: c.status == "registered" and c.urgency == "urgent",
    ),
    (
        "void",
        "reported",
        "dispatcher",
        lambda w, c: {"void-reason": "重复上报"},
        lambda c: c.status == "voided" and c.void_reason == "重复上报",
    ),
    (
        "merge",
        "reported",
        "dispatcher",
        lambda w, c: {"merge-into": report(w, description="另一件").number},
        lambda c: c.status == "voided" and c.merged_into is not None,
    ),
    (
        "dispatch",
        "registered",
        "dispatcher",
        lambda w, c: {"dispatch-unit": w.units.chengguan.pk, "dispatch-co_units": [w.units.committee_a.pk]},
        lambda c: c.status == "dispatched" and c.unit.name == "沧浪城管中队" and c.co_units.count() == 1,
    ),
    ("accept", "dispatched", "handler", lambda w, c: {}, lambda c: c.status == "accepted"),
    (
        "return",
        "dispatched",
        "handler",
        lambda w, c: {"return-reason": "not_our_duty", "return-note": "不属于城管职责"},
        lambda c: c.status == "registered" and c.unit is None and c.return_count == 1,
    ),
    (
        "escalate",
        "accepted",
        "handler",
        lambda w, c: {"escalate-note": "需要协调"},
        lambda c: c.status == "dispatched" and c.escalation_level == 1,
    ),
    (
        "request_extension",
        "accepted",
        "handler",
        lambda w, c: {"request_extension-until": _until(c), "request_extension-reason": "材料采购"},
        lambda c: c.extension_pending,
    ),
    (
        "suspend",
        "accepted",
        "dispatcher",
        lambda w, c: {"suspend-reason": "等待天气好转"},
        lambda c: c.suspended,
    ),
    (
        "supervise",
        "dispatched",
        "leader",
        lambda w, c: {"supervise-note": "请加快"},
        lambda c: c.supervise_count == 1,
    ),
    ("urge", "dispatched", "dispatcher", lambda w, c: {}, lambda c: c.urge_count == 1),
    (
        "handle",
        "accepted",
        "handler",
        lambda w, c: {"handle-note": "已清理", "photos": png("after.png")},
        lambda c: c.status == "handled" and c.attachments.count() == 1,
    ),
    (
        "verify",
        "handled",
        "grid_a",
        lambda w, c: {"verify-note": "现场已干净"},
        lambda c: c.status == "closed",
    ),
    (
        "rework",
        "handled",
        "dispatcher",
        lambda w, c: {"rework-note": "仍有垃圾", "photos": png("still.png")},
        lambda c: c.status == "accepted" and c.rework_count == 1,
    ),
    (
        "evaluate",
        "closed",
        "dispatcher",
        lambda w, c: {
            "evaluate-reached": "1",
            "evaluate-satisfaction": "basic",
            "evaluate-resolved": "1",
            "evaluate-contacted": "0",
        },
        lambda c: (
            c.status == "evaluated" and c.satisfaction == "basic" and c.resolved and c.contacted is False
        ),
    ),
    (
        "attach",
        "accepted",
        "handler",
        lambda w, c: {"attach-note": "补充现场照片", "photos": png("more.png")},
        lambda c: c.attachments.count() == 1,
    ),
]


@pytest.mark.parametrize(
    ("action", "state", "persona", "data", "check"), ACTION_CASES, ids=[a[0] for a in ACTION_CASES]
)
def test_action_form_calls_its_action(login, world, action, state, persona, data, check):
    case = case_in(world, state)
    response = login(persona).post(url(case, action), data(world, case))
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert check(case)
    assert case.events.last().action == action
    assert AuditEvent.objects.filter(object_id=case.number, action=f"case.{action}", success=True).exists()


def test_a_callback_that_did_not_reach_the_requester_records_no_answers(login, world):
    case = case_in(world, "closed")
    client = login("dispatcher")
    refused = client.post(url(case, "evaluate"), {"evaluate-reached": "1", "evaluate-resolved": "1"})
    assert refused.status_code == 400 and "请选择满意程度" in refused.content.decode()
    response = client.post(url(case, "evaluate"), {"evaluate-reached": "0", "evaluate-satisfaction": "basic"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "evaluated" and case.callback_reached is False
    assert case.satisfaction == "" and case.resolved is None and case.contacted is None
    assert "未联系上诉求人" in client.get(url(case)).content.decode()


@pytest.mark.parametrize(
    ("action", "persona", "data", "check"),
    [
        (
            "approve_extension",
            "dispatcher",
            {"approve_extension-note": "同意"},
            lambda c: not c.extension_pending and c.extension_count == 1,
        ),
        (
            "deny_extension",
            "leader",
            {"deny_extension-note": "理由不充分"},
            lambda c: not c.extension_pending and c.extension_count == 0,
        ),
    ],
)
def test_extension_decisions(login, world, action, persona, data, check):
    case = case_in(world, "accepted")
    perform("request_extension", case, world)
    response = login(persona).post(url(case, action), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert check(case)


def test_resume(login, world):
    case = case_in(world, "accepted")
    perform("suspend", case, world)
    assert login("dispatcher").post(url(case, "resume"), {}).status_code == 302
    case.refresh_from_db()
    assert not case.suspended


def test_reopen_after_an_unsatisfied_evaluation(login, world):
    case = case_in(world, "closed")
    perform("evaluate", case, world, satisfaction="unsatisfied", resolved=False)
    response = login("dispatcher").post(url(case, "reopen"), {"reopen-note": "居民反映问题依旧"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "dispatched" and case.reopen_count == 1


def test_success_message_and_redirect_back(login, world):
    case = case_in(world, "registered")
    response = login("dispatcher").post(
        url(case, "dispatch"), {"dispatch-unit": world.units.chengguan.pk}, follow=True
    )
    assert response.redirect_chain[-1][0] == url(case)
    assert "「派遣」已完成" in response.content.decode()


def test_after_returning_a_case_the_handler_goes_back_to_the_workbench(login, world):
    case = case_in(world, "dispatched")
    response = login("handler").post(
        url(case, "return"), {"return-reason": "not_our_area", "return-note": "不在本辖区"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("workbench")
    assert "已离开您的工作范围" in response.content.decode()


# --- refusals: the message is shown, nothing changes ----------------------------------------------------


def test_refused_for_the_person_shows_the_message(login, world):
    case = case_in(world, "dispatched")
    response = login("dispatcher").post(url(case, "accept"), {})
    assert response.status_code == 403
    assert "您没有对该案件执行「签收」的权限" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "dispatched"


def test_refused_for_the_state_shows_the_message(login, world):
    case = case_in(world, "registered")
    response = login("dispatcher").post(url(case, "verify"), {"verify-note": "x"})
    assert response.status_code == 400
    assert "不能核查通过" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "registered"


def test_missing_reason_is_shown_on_the_form(login, world):
    case = case_in(world, "reported")
    response = login("dispatcher").post(url(case, "void"), {"void-reason": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写作废原因" in page
    assert 'id="action-void" open' in page
    case.refresh_from_db()
    assert case.status == "reported"


def test_merge_into_an_unknown_case_is_refused(login, world):
    case = case_in(world, "reported")
    response = login("dispatcher").post(url(case, "merge"), {"merge-into": "9999999999"})
    assert response.status_code == 400
    assert "不存在或不在您的辖区" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "reported"


def test_a_bad_photo_refuses_the_whole_action(login, world, settings):
    case = case_in(world, "accepted")
    bad = png("fine.png")
    bad.name, bad.file = "broken.jpg", __import__("io").BytesIO(b"not an image at all")
    response = login("handler").post(url(case, "handle"), {"handle-note": "已处理", "photos": bad})
    assert response.status_code == 400
    assert "broken.jpg" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "accepted"
    assert not Attachment.objects.filter(case=case).exists()


def test_unknown_action_is_404(login, world):
    case = case_in(world, "reported")
    assert login("dispatcher").post(url(case, "explode"), {}).status_code == 404


def test_actions_need_post(login, world):
    case = case_in(world, "reported")
    assert login("dispatcher").get(url(case, "void")).status_code == 405
