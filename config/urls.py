from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("", include("dashboard.urls")),
    path("plan/", include("improvement.urls")),
    path("indicators/", include("indicators.urls")),
    path("meetings/", include("meetings.urls")),
    path("import/", include("imports.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "core.views.server_error"
