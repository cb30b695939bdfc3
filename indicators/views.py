from django.shortcuts import render

from core.views import require_service_user


def scorecard(request):
    require_service_user(request.user)
    return render(request, "indicators/scorecard.html")
