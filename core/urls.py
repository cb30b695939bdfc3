from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import admin_area_views, user_views, views

user_patterns = [
    path("", user_views.user_list, name="list"),
    path("new/", user_views.user_create, name="create"),
    path("<int:pk>/", user_views.user_detail, name="detail"),
    path("<int:pk>/role/", user_views.user_role, name="role"),
    path("<int:pk>/deactivate/", user_views.user_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", user_views.user_reactivate, name="reactivate"),
    path("<int:pk>/unlock/", user_views.user_unlock, name="unlock"),
    path("<int:pk>/password-link/", user_views.user_password_link, name="password_link"),
]

urlpatterns = [
    path("manage/", admin_area_views.admin_area, name="admin_area"),
    path("users/", include((user_patterns, "users"))),
    path("audit/", include(([path("", user_views.audit_log, name="log")], "audit"))),
    path("account/", views.account, name="account"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("cookies/", views.cookies, name="cookies"),
    path("healthz", views.healthz, name="healthz"),
    path("sign-in/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/complete/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
