from django.urls import path

from indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.scorecard, name="scorecard"),
    path("enter/", views.my_indicators, name="my_indicators"),
    path("<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("<int:pk>/values/", views.measurement_entry, name="measurement_entry"),
    path("<int:pk>/baseline/", views.spc_baseline, name="spc_baseline"),
]
