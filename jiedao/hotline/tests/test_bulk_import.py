"""The bulk path of a 12345 import (cases.bulk) against the one-action-at-a-time path it replaces.

One sheet with orders that stop at every stage the sheet can express — sent to the street, dispatched, closed
(on time or past the 办理时限), rated — with and without a 办理时限, on natural and working-time categories,
on a holiday and on a 调休 working weekend. Imported through the importer (bulk) and through the actions one by
one (as the importer did before), it gives the same cases, the same timelines, the same audit records; and the
one ``case.import`` message per case stands for the per-step messages with every consumer.
"""

from __future__ import annotations

from collections import defaultdict
from copy import copy
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiedao.cases import actions, bulk
from jiedao.cases.attributes import SchemaError
from jiedao.cases.models import Case, CaseEvent, Status
from jiedao.core import clock, outbox
from jiedao.core.models import AuditEvent, Notification, OutboxMessage, OutboxStatus
from jiedao.hotline import importer
from jiedao.hotline.sheet import check_sheet, guess_mapping, open_sheet
from jiedao.hotline.testing import HOTLINE_ATTRIBUTES, make_hotline_category, order, write_orders
from jiedao.insight.periods import parse_period
from jiedao.insight.rollups import mismatches, refresh_stale
from jiedao.integrations.models import WebhookDelivery, WebhookSubscription
from jiedao.integrations.testing import integrator_with_key
from jiedao.lib import crypto
from jiedao.org.models import Region
from jiedao.testing.world import centre_of, make_category

CST = timezone.get_fixed_timezone(8 * 60)
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=CST)
HOLIDAY = datetime(2026, 2, 16, 10, 0, tzinfo=CST)  # 春节 (a Monday off)
ADJUSTED = datetime(2026, 2, 14, 16, 30, tzinfo=CST)  # a Saturday worked for 春节 (调休)
NEW_YEAR_SUNDAY = datetime(2026, 1, 4, 11, 0, tzinfo=CST)  # a Sunday worked for 元旦
FRIDAY_LATE = datetime(2026, 3, 6, 17, 0, tzinfo=CST)
PERIOD = parse_period("2026-01-01..2026-04-30")
WORKING = "占道经营"  # a category whose limits run in working time (the 12345 one runs in natural time)


def _row(index: int, dispatched: datetime, **overrides: Any) -> dict[str, Any]:
    return order(index, dispatched - timedelta(minutes=index), **overrides)


def orders() -> list[dict[str, Any]]:
    day = timedelta(days=1)
    rated = {"是否联系": "是", "是否解决": "是", "满意度": "满意"}
    return [
        _row(1, MONDAY, 承办单位="沧浪街道"),  # sent to the street: registered, waiting for the centre
        _row(2, MONDAY, 承办单位="沧浪街道", 办理时限=None, 诉求人="", 联系电话=""),
        _row(3, MONDAY),  # dispatched only
        _row(4, HOLIDAY, 二级分类=WORKING, 办理时限=None, 承办单位="沧浪街道联动工作站"),
        _row(5, MONDAY, 办结时间=MONDAY + 2 * day),  # closed in time
        _row(6, MONDAY, 办理时限=MONDAY + day, 办结时间=MONDAY + 3 * day),  # past its 办理时限
        _row(7, MONDAY, 办结时间=MONDAY + day, **rated),
        _row(8, MONDAY, 办结时间=MONDAY, 是否联系="是", 是否解决="否", 满意度="基本满意"),  # closed at once
        _row(9, ADJUSTED, 二级分类=WORKING, 办理时限=None, 办结时间=ADJUSTED + 5 * day, **rated),
        _row(
            10,
            NEW_YEAR_SUNDAY,
            二级分类=WORKING,
            办结时间=NEW_YEAR_SUNDAY + day,
            满意度="不满意",
            是否联系="否",
        ),
        _row(11, FRIDAY_LATE, 二级分类=WORKING, 办理时限=None, 办结时间=FRIDAY_LATE + 4 * day),
        _row(12, FRIDAY_LATE, 二级分类=WORKING, 办理时限=None, 办结时间=FRIDAY_LATE + 12 * day),  # late
        _row(13, HOLIDAY, 二级分类=WORKING, 承办单位="沧浪街道"),
    ]


@pytest.fixture
def sheet(world, tmp_path):
    make_hotline_category()
    make_category("0199", WORKING, attributes=HOTLINE_ATTRIBUTES)  # limits in working time (normal urgency)
    return write_orders(tmp_path / "orders.xlsx", orders())


def import_one_action_at_a_time(path) -> None:
    """The importer as it was before cases.bulk: do_report, do_register, then each action as far as the row
    went, at the order's own times (kept here as the reference)."""
    source = open_sheet(path)
    street = Region.objects.get(code=settings.JIEDAO["STREET"])
    checked = check_sheet(source, guess_mapping(source.headers), street)
    assert not checked.errors
    with transaction.atomic():
        for row in checked.rows:
            with clock.at(row.dispatched_at):
                case = actions.do_report(importer._report(row), actor=None)
                actions.do_register(case, actor=None, note="12345 工单")
            if (
                row.unit is not None
                and case.status in {Status.REGISTERED, Status.DISPATCHED}
                and case.unit_id != row.unit.pk
            ):
                with clock.at(max(row.dispatched_at, case.updated_at)):
                    actions.do_dispatch(case, actor=None, unit=row.unit, note="12345 派单")
            if row.closed_at is not None:
                if case.status == Status.DISPATCHED:
                    with clock.at(max(row.dispatched_at, case.updated_at)):
                        actions.do_accept(case, actor=None)
                if case.status == Status.ACCEPTED:
                    with clock.at(max(row.closed_at, case.updated_at)):
                        actions.do_handle(case, actor=None, note=importer.CLOSING_NOTE)
                if case.status == Status.HANDLED:
                    with clock.at(max(row.closed_at, case.updated_at)):
                        actions.do_verify(case, actor=None, passed=True, note=importer.CLOSING_NOTE)
            if row.satisfaction and case.status == Status.CLOSED:
                with clock.at(max(row.closed_at, case.updated_at)):
                    actions.do_evaluate(
                        case,
                        actor=None,
                        satisfaction=row.satisfaction,
                        resolved=row.resolved,
                        contacted=row.contacted,
                        note="12345 回访",
                    )


ENCRYPTED = {"reporter_name_enc", "reporter_phone_enc"}


def _plain(token: str) -> str:
    return crypto.decrypt(token, settings.PII_SECRET) if token else ""


def picture() -> dict[str, dict[str, Any]]:
    """Everything a person can see of each case, by 工单号: every field (the number and the ciphertext aside),
    the timeline in order, the audit records in order, and the case's outbox messages."""
    messages = defaultdict(list)
    for message in OutboxMessage.objects.filter(topic__startswith="case.").order_by("id"):
        messages[message.payload["case_id"]].append(message)
    seen = {}
    for case in Case.objects.order_by("source_ref"):
        fields = {
            f.attname: getattr(case, f.attname)
            for f in Case._meta.concrete_fields
            if f.attname not in {"id", "number", *ENCRYPTED}
        }
        fields["reporter"] = (_plain(case.reporter_name_enc), _plain(case.reporter_phone_enc))
        fields["co_units"] = list(case.co_units.values_list("pk", flat=True))
        events = [
            {
                f.attname: getattr(e, f.attname)
                for f in CaseEvent._meta.concrete_fields
                if f.attname not in {"id", "case_id"}
            }
            for e in case.events.order_by("at", "id")
        ]
        audits = [
            {
                f.attname: getattr(a, f.attname)
                for f in AuditEvent._meta.concrete_fields
                if f.attname not in {"id", "object_id"}
            }
            for a in AuditEvent.objects.filter(object_type="case", object_id=case.number).order_by("at", "id")
        ]
        seen[case.source_ref] = {
            "case": fields,
            "number": case.number,
            "events": events,
            "audits": audits,
            "messages": [(m.topic, m.payload, m.created_at) for m in messages[case.pk]],
        }
    return seen


def test_bulk_import_records_what_the_actions_record(world, sheet):
    result = importer.import_sheet(sheet, actor=None)
    assert result.committed and result.created == len(orders()), result.errors
    imported = picture()
    OutboxMessage.objects.all().delete()
    Case.objects.all().delete()  # audit records stay (they are append-only); the new cases get new numbers
    import_one_action_at_a_time(sheet)
    reference = picture()

    assert sorted(imported) == sorted(reference)
    statuses = {ref: shown["case"]["status"] for ref, shown in reference.items()}
    assert set(statuses.values()) == {"registered", "dispatched", "closed", "evaluated"}
    on_time = {shown["case"]["handled_on_time"] for shown in reference.values()}
    assert on_time == {None, True, False}  # some not handled yet, some in time, some late
    for ref in reference:
        mine, theirs = imported[ref], reference[ref]
        assert mine["case"] == theirs["case"], ref
        assert mine["events"] == theirs["events"], ref
        assert mine["audits"] == theirs["audits"], ref
        # Numbers: the day the order came in, then the day's sequence (a block reserved for the import).
        day = timezone.localtime(theirs["case"]["reported_at"]).strftime("%y%m%d")
        assert mine["number"].startswith(day) and theirs["number"].startswith(day)
        # One message instead of one per step: the same steps, and the case as the last step left it.
        (topic, payload, created_at), *more = mine["messages"]
        assert topic == "case.import" and not more
        assert payload["actions"] == [p["action"] for _t, p, _c in theirs["messages"]]
        _topic, last, last_created = theirs["messages"][-1]
        same = ("status", "unit_id", "street", "community", "actor_id")
        assert {k: payload[k] for k in same} == {k: last[k] for k in same}
        assert created_at == last_created == mine["case"]["updated_at"]
    assert len({shown["number"] for shown in imported.values()}) == len(imported)


def test_every_consumer_handles_the_import_message(world, sheet):
    integrator, _key = integrator_with_key(world.street)
    closed_only = WebhookSubscription.objects.create(
        integrator=integrator, url="http://127.0.0.1:9/closed", events=["case.closed"]
    )
    everything = WebhookSubscription.objects.create(integrator=integrator, url="http://127.0.0.1:9/all")
    assert importer.import_sheet(sheet, actor=None).committed
    messages = list(OutboxMessage.objects.filter(topic__startswith="case."))
    assert {m.topic for m in messages} == {"case.import"} and len(messages) == len(orders())

    outbox.deliver_pending(limit=1000)  # the case messages (webhook attempts they queue come later)
    assert all(m.status == OutboxStatus.DONE for m in OutboxMessage.objects.filter(topic="case.import"))

    cases = {case.source_ref: case for case in Case.objects.all()}
    by_status = defaultdict(set)
    for case in cases.values():
        by_status[case.status].add(case.number)
    # Notifications: only whoever must act now — the centre for orders sent to the street, the unit for
    # orders dispatched to it; nobody for orders that arrived closed.
    told = defaultdict(set)
    for notification in Notification.objects.select_related("user"):
        told[notification.title.split()[1]].add(notification.user.username)
        assert notification.title.endswith("导入")
    assert all(told[number] == {"dispatcher"} for number in by_status["registered"])
    dispatched = {case.number: case.unit for case in cases.values() if case.status == Status.DISPATCHED}
    expected = {"沧浪城管中队": {"handler"}, "沧浪街道联动工作站": {"station"}}
    assert {n: told[n] for n in dispatched} == {n: expected[u.name] for n, u in dispatched.items()}
    assert not set(told) & (by_status["closed"] | by_status["evaluated"])

    # Webhooks: once per case to each subscription that wants any of its steps, as the latest of them.
    deliveries = {(d.subscription_id, d.body): d for d in WebhookDelivery.objects.all()}
    closed = by_status["closed"] | by_status["evaluated"]
    wanted = {d for (sub, _b), d in deliveries.items() if sub == closed_only.pk}
    assert sorted(d.body.split('"number":"')[1][:10] for d in wanted) == sorted(closed)
    assert all(
        d.event == "case.closed" and '"imported":true,"events":["case.closed"]' in d.body for d in wanted
    )
    every = [d for (sub, _b), d in deliveries.items() if sub == everything.pk]
    assert len(every) == len(cases)
    last_event = {"registered": "case.registered", "dispatched": "case.dispatched", "closed": "case.closed"}
    for delivery in every:
        number = delivery.body.split('"number":"')[1][:10]
        status = next(c.status for c in cases.values() if c.number == number)
        assert delivery.event == last_event.get(status, "case.evaluated")
        assert '"events":["case.reported","case.registered"' in delivery.body

    # Rollups: every day a case has events on is recomputed, so the figures equal a direct count.
    refresh_stale(None)
    assert mismatches(world.street.code, PERIOD) == []


def test_a_refused_row_writes_nothing_and_the_others_are_imported(world, sheet, tmp_path):
    rows = [*orders()[:3], _row(20, MONDAY, 地址="")]  # no address, no point: do_report refuses it
    path = write_orders(tmp_path / "partial.xlsx", rows)
    result = importer.import_sheet(path, actor=None)
    assert [(e.row, e.column, e.rule) for e in result.errors] == [(5, "地址", "invalid")]
    assert not result.committed and not Case.objects.exists() and not OutboxMessage.objects.exists()
    result = importer.import_sheet(path, actor=None, partial=True)
    assert result.committed and result.created == 3 and len(result.errors) == 1
    assert not Case.objects.filter(source_ref="GD202600000020").exists()
    assert CaseEvent.objects.count() == 2 + 2 + 3  # registered, registered, dispatched: nothing of row 5


def test_timelines_stopping_at_each_step_and_located_points(world, sheet):
    """cases.bulk itself, beyond what a sheet can say: timelines that stop after each step, reports with a
    point (located in one call), a point outside the street (refused, nothing written)."""
    unit, late = world.units.chengguan, MONDAY + timedelta(hours=30)
    steps = [
        bulk.PastStep("register", MONDAY, note="立案"),
        bulk.PastStep("dispatch", MONDAY + timedelta(minutes=5), unit=unit, note="派遣"),
        bulk.PastStep("accept", MONDAY + timedelta(hours=3)),  # past the 2-hour limit to accept
        bulk.PastStep("handle", late, note="已处置"),
        bulk.PastStep("verify", late + timedelta(hours=1)),
        bulk.PastStep(
            "evaluate", late + timedelta(days=2), satisfaction="basic", resolved=True, contacted=True
        ),
    ]

    def timelines() -> list[bulk.Timeline]:
        made = []
        for stop in range(len(steps) + 1):
            lon, lat = centre_of(stop % 3, 0)
            report = actions.ReportInput(
                category=world.category,
                description=f"第{stop}步后停下",
                channel="walk_in",
                lon=lon if stop % 2 else None,
                lat=lat if stop % 2 else None,
                address="" if stop % 2 else "胥江路1号",
                reporter_phone="13900000000",
                source_ref=f"T{stop}",
                reported_at=MONDAY - timedelta(minutes=30),
            )
            made.append(bulk.Timeline(report, steps[:stop]))
        outside = replace(made[1].report, description="辖区外", lon=121.5, lat=31.2, source_ref="X")
        return [*made, bulk.Timeline(outside, steps[:2])]

    outcomes = bulk.import_timelines(timelines(), actor=None)
    assert [type(o).__name__ for o in outcomes] == ["Case"] * (len(steps) + 1) + ["ApplicationError"]
    assert outcomes[-1].code == "outside_area" and not Case.objects.filter(source_ref="X").exists()
    assert {c.grid_id for c in outcomes[1:-1:2]} == {g.pk for g in world.grids.values()}
    mine = picture()
    OutboxMessage.objects.all().delete()
    Case.objects.all().delete()
    for timeline in timelines()[:-1]:
        with clock.at(timeline.report.reported_at):
            case = actions.do_report(timeline.report, actor=None)
        for step in timeline.steps:
            bulk.take(case, step, actor=None)
    theirs = picture()
    assert [theirs[ref]["case"]["status"] for ref in sorted(theirs)] == [
        "reported",
        "registered",
        "dispatched",
        "accepted",
        "handled",
        "closed",
        "evaluated",
    ]
    for ref in theirs:
        assert mine[ref]["case"] == theirs[ref]["case"], ref
        assert mine[ref]["events"] == theirs[ref]["events"], ref
        assert mine[ref]["audits"] == theirs[ref]["audits"], ref


def test_steps_out_of_order_or_against_the_table_are_refused(world, sheet):
    report = actions.ReportInput(
        category=world.category, description="x", channel="walk_in", address="胥江路1号", reported_at=MONDAY
    )
    refused = bulk.import_timelines(
        [
            bulk.Timeline(report, [bulk.PastStep("accept", MONDAY)]),  # not dispatched
            bulk.Timeline(
                report, [bulk.PastStep("register", MONDAY - timedelta(hours=1))]
            ),  # before the report
            bulk.Timeline(
                report, [bulk.PastStep("register", MONDAY), bulk.PastStep("dispatch", MONDAY)]
            ),  # no unit
            bulk.Timeline(
                report,
                [
                    bulk.PastStep("register", MONDAY),
                    bulk.PastStep("dispatch", MONDAY, unit=world.units.elsewhere),  # another street's centre
                ],
            ),
        ],
        actor=None,
    )
    assert [o.code for o in refused] == ["invalid_state", "order", "bad_unit", "bad_unit"]
    assert not Case.objects.exists() and not AuditEvent.objects.filter(object_type="case").exists()


def test_a_category_with_a_broken_attribute_schema_stops_the_batch_as_it_stops_a_report(world):
    """The bulk path checks each category's schema once per batch instead of once per report: a broken one
    still raises (a configuration error, not a refused row), as ``do_report`` does, and nothing is written."""
    broken = copy(world.category)
    broken.attributes = [
        {"code": "x", "description": "x", "datatype": "bogus", "required": False, "order": 1}
    ]
    report = actions.ReportInput(
        category=broken, description="x", channel="walk_in", address="胥江路1号", reported_at=MONDAY
    )
    good = replace(report, category=world.category)
    with pytest.raises(SchemaError):
        bulk.import_timelines([bulk.Timeline(good), bulk.Timeline(report)], actor=None)
    with pytest.raises(SchemaError), clock.at(MONDAY):
        actions.do_report(report, actor=None)
    assert not Case.objects.exists()
