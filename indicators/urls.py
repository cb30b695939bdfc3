from django.urls import path

from indicators import definition_views, views

app_name = "indicators"
urlpatterns = [
    path("", views.scorecard, name="scorecard"),
    path("enter/", views.my_indicators, name="my_indicators"),
    path("<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("<int:pk>/values/", views.measurement_entry, name="measurement_entry"),
    path("<int:pk>/baseline/", views.spc_baseline, name="spc_baseline"),
    # Definitions and targets, kept by admins (issue 17).
    path("definitions/", definition_views.definition_list, name="definition_list"),
    path("definitions/add/", definition_views.definition_create, name="definition_create"),
    path("<int:pk>/edit/", definition_views.definition_update, name="definition_update"),
    path("<int:pk>/targets/", definition_views.target_list, name="target_list"),
    path("<int:pk>/targets/add/", definition_views.target_create, name="target_create"),
    path("targets/<int:pk>/edit/", definition_views.target_update, name="target_update"),
]
