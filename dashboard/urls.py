from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("progress/", views.progress, name="progress"),
    path("progress/print/", views.progress_print, name="progress_print"),
    path("progress/download/", views.progress_docx, name="progress_docx"),
]
