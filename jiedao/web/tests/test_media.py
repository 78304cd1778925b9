"""Case photos are served only to those who may see the case."""

from __future__ import annotations

from jiedao.cases.testing import case_in, perform

from .conftest import png


def _photo_url(world):
    case = case_in(world, "registered")
    perform("attach", case, world, uploads=[png()], note="现场照片")
    attachment = case.attachments.get()
    return case, attachment.file.url, attachment.thumbnail.url


def test_staff_in_scope_see_the_photo_and_others_do_not(client, login, world):
    _case, url, thumb = _photo_url(world)
    assert client.get(url).status_code == 404  # not signed in, not the reporter
    staff = login("staff_a")
    response = staff.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert staff.get(thumb).status_code == 200
    assert login("staff_b").get(url).status_code == 404  # another community's case
    assert login("outsider").get(url).status_code == 404


def test_the_resident_sees_the_photos_of_their_own_case_after_proving_it(client, world):
    case, url, _thumb = _photo_url(world)
    assert client.get(url).status_code == 404
    client.post("/track/", {"number": case.number, "last4": "5678"})
    assert client.get(url).status_code == 200


def test_unknown_files_are_not_served(login):
    assert login("dispatcher").get("/media/cases/2026/01/../../../secret_key").status_code == 404
