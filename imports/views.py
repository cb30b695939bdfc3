from django.core.exceptions import PermissionDenied
from django.shortcuts import render


def start(request):
    if not request.user.has_perm("core.run_imports"):
        raise PermissionDenied
    return render(request, "imports/start.html")
