"""Pages. Thin: parse, authorise, call one action or selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("workbench")
    return render(request, "web/home.html")


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    return render(request, "web/workbench.html")
