"""Case photos, served by the instance itself but only to those who may see the case.

Photos can show residents, their homes and their vehicles: staff see them within their scope, a resident only
those of public steps of a case whose ownership their browser proved (进度查询).
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from jiedao.cases import selectors
from jiedao.cases.models import Attachment
from jiedao.web.common import staff_actor
from jiedao.web.views.resident import VERIFIED


def _may_see(request: HttpRequest, attachment: Attachment) -> bool:
    if request.user.is_authenticated:
        return selectors.cases_for(staff_actor(request)).filter(pk=attachment.case_id).exists()
    public = attachment.event is None or attachment.event.public
    return public and attachment.case.number in (request.session.get(VERIFIED) or [])


@require_GET
def case_photo(request: HttpRequest, path: str) -> FileResponse:
    attachment = (
        Attachment.objects.select_related("case", "event").filter(Q(file=path) | Q(thumbnail=path)).first()
    )
    if attachment is None or not _may_see(request, attachment) or not default_storage.exists(path):
        raise Http404
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
