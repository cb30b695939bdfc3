from django.urls import path

from improvement import views

app_name = "improvement"
urlpatterns = [
    path("", views.plan, name="plan"),
    path("print/", views.plan_print, name="plan_print"),
    path("plans/<int:pk>/delete/", views.plan_delete, name="plan_delete"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/update/", views.action_update, name="action_update"),
    path("my-actions/", views.my_actions, name="my_actions"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
]
