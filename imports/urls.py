from django.urls import path

from imports import kpi_views, published_views, views

app_name = "imports"
urlpatterns = [
    path("", views.start, name="start"),
    path("plan/", views.upload_plan, name="upload_plan"),
    path("indicators/", views.upload_indicators, name="upload_indicators"),
    path("published/", published_views.upload_published, name="upload_published"),
    path("published/jobs/<int:pk>/", published_views.published_preview, name="published_preview"),
    path("published/council/", published_views.council_settings_page, name="council_settings"),
    path("jobs/<int:pk>/", views.job_preview, name="job_preview"),
    path("jobs/<int:pk>/plan-choices/", views.job_plan_choices, name="job_plan_choices"),
    path("jobs/<int:pk>/confirm/", views.job_confirm, name="job_confirm"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/status.json", views.job_status_json, name="job_status_json"),
    path("jobs/<int:pk>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<int:pk>/log/", views.job_log, name="job_log"),
    path("jobs/<int:pk>/clear-reported/", kpi_views.clear_reported, name="kpi_clear_reported"),
    path("export/plan.<str:fmt>", views.export_plan, name="export_plan"),
    path("export/indicators.<str:fmt>", views.export_indicators, name="export_indicators"),
]
