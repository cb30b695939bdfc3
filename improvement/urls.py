from django.urls import path

from improvement import plan_views, risk_views, views, visit_views, you_said_views

app_name = "improvement"
urlpatterns = [
    path("risks/", risk_views.risk_list, name="risk_list"),
    path("risks/add/", risk_views.risk_create, name="risk_create"),
    path("risks/<int:pk>/", risk_views.risk_detail, name="risk_detail"),
    path("risks/<int:pk>/edit/", risk_views.risk_update, name="risk_update"),
    path("you-said-we-did/", you_said_views.you_said_list, name="you_said_list"),
    path("you-said-we-did/add/", you_said_views.you_said_create, name="you_said_create"),
    path("you-said-we-did/<int:pk>/", you_said_views.you_said_detail, name="you_said_detail"),
    path("you-said-we-did/<int:pk>/edit/", you_said_views.you_said_update, name="you_said_update"),
    path("", views.plan, name="plan"),
    path("print/", views.plan_print, name="plan_print"),
    path("plans/<int:pk>/delete/", views.plan_delete, name="plan_delete"),
    path("plans/<int:pk>/activate/", plan_views.plan_activate, name="plan_activate"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/update/", views.action_update, name="action_update"),
    path("my-actions/", views.my_actions, name="my_actions"),
    path("inspections/", visit_views.inspection_list, name="inspection_list"),
    path("inspections/<int:pk>/", visit_views.inspection_detail, name="inspection_detail"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path("inspections/new/", visit_views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/edit/", visit_views.inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/recommendations/new/", visit_views.recommendation_create, name="recommendation_create"),
    path("recommendations/<int:pk>/edit/", visit_views.recommendation_edit, name="recommendation_edit"),
    path("inspections/<int:pk>/findings/new/", visit_views.finding_create, name="finding_create"),
    path("findings/<int:pk>/edit/", visit_views.finding_edit, name="finding_edit"),
    path("findings/<int:pk>/delete/", visit_views.finding_delete, name="finding_delete"),
    path("intervention/new/", visit_views.event_create, name="event_create"),
    path("intervention/<int:pk>/edit/", visit_views.event_edit, name="event_edit"),
]
