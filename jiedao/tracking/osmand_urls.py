"""URLconf of the OsmAnd listener process: the endpoint at the root, as phone apps expect."""

from django.urls import re_path

from jiedao.tracking.osmand_view import osmand

urlpatterns = [re_path(r"^$", osmand, name="osmand")]
