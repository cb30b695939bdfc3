from django.shortcuts import render

from core.views import require_service_user


def plan(request):
    require_service_user(request.user)
    return render(request, "improvement/plan.html")
