from django.shortcuts import render

from core.roles import role_names_for
from core.views import require_service_user


def home(request):
    require_service_user(request.user)
    return render(request, "dashboard/home.html", {"roles": role_names_for(request.user)})
