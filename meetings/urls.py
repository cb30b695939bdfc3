from django.urls import include, path

from meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.board_list, name="board_list"),
    path("boards/add/", views.board_create, name="board_create"),
    path("boards/<int:pk>/", views.board_detail, name="board_detail"),
    path("boards/<int:pk>/edit/", views.board_update, name="board_update"),
    path("boards/<int:pk>/meetings/add/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.meeting_update, name="meeting_update"),
    path("<int:pk>/items/add/", views.item_create, name="item_create"),
    path("<int:pk>/actions/add/", views.action_create, name="action_create"),
    path("items/<int:pk>/edit/", views.item_update, name="item_update"),
    path("items/<int:pk>/remove/", views.item_delete, name="item_delete"),
    path("items/<int:pk>/resolutions/add/", views.resolution_create, name="resolution_create"),
    path("resolutions/<int:pk>/edit/", views.resolution_update, name="resolution_update"),
    path("actions/", views.action_register, name="action_register"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", views.action_update, name="action_update"),
    path("actions/<int:pk>/respond/", views.action_respond, name="action_respond"),
    path("actions/<int:pk>/answer/", views.action_answer, name="action_answer"),
    # Board packs, publishing and their downloads live in meetings/pack_urls.py.
    path("", include("meetings.pack_urls")),
]
