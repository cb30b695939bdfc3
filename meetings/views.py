from django.shortcuts import render

from core.views import require_service_user


def board_list(request):
    require_service_user(request.user)
    return render(request, "meetings/board_list.html")
