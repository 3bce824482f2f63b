"""Account pages under ``/accounts/``."""

from django.urls import path

from shuxiang.accounts import views

app_name = "accounts"
urlpatterns = [
    path("register/", views.register_view, name="register"),
    path("login/code/", views.otp_view, name="otp"),
    path("me/second-factor/", views.totp_setup_view, name="totp_setup"),
    path("me/", views.me_view, name="me"),
    path("me/inbox/", views.inbox_view, name="inbox"),
    path("me/tokens/<int:token_id>/revoke/", views.revoke_token_view, name="revoke_token"),
    path("me/download/", views.download_view, name="download"),
    path("me/delete/", views.delete_view, name="delete"),
    path("me/card/", views.card_view, name="card"),
    path("readers/", views.readers_view, name="readers"),
    path("clients/", views.clients_view, name="clients"),
    path("readers/<uuid:public_id>/", views.reader_view, name="reader"),
]
