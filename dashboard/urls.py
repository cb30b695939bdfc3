from django.urls import path

from dashboard import brief_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("progress/", views.progress, name="progress"),
    path("progress/print/", views.progress_print, name="progress_print"),
    path("progress/download/", views.progress_docx, name="progress_docx"),
    path("progress/publish/", brief_views.brief_publish, name="progress_publish"),
    path("progress/briefs/<int:pk>/", brief_views.published_brief, name="published_visit_brief"),
    path("progress/briefs/<int:pk>/download/", brief_views.published_brief_docx, name="published_visit_brief_docx"),
]
