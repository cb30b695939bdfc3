"""Board pack URLs (pack page, print view, Word download, publish, published copies)."""

from django.urls import path

from meetings import pack_views

urlpatterns = [
    path("<int:pk>/pack/", pack_views.pack, name="pack"),
    path("<int:pk>/pack/print/", pack_views.pack_print, name="pack_print"),
    path("<int:pk>/pack/download/", pack_views.pack_docx, name="pack_docx"),
    path("<int:pk>/pack/publish/", pack_views.pack_publish, name="pack_publish"),
    path("packs/<int:pk>/", pack_views.published_pack, name="published_pack"),
    path("packs/<int:pk>/download/", pack_views.published_pack_docx, name="published_pack_docx"),
]
