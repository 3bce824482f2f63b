"""OpenID Connect endpoints (django-oauth-toolkit views) mounted at the node's root.

Discovery sits at ``/.well-known/openid-configuration`` so the issuer is the node's origin;
the protocol endpoints live under ``/o/``. Client management is Shuxiang's own (staff of a
library register clients through the API), so the toolkit's management pages are not mounted.
"""

from django.urls import path, re_path
from oauth2_provider import views

app_name = "oauth2_provider"
urlpatterns = [
    re_path(
        r"^\.well-known/openid-configuration/?$",
        views.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(
        ".well-known/oauth-authorization-server",
        views.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path("o/authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("o/token/", views.TokenView.as_view(), name="token"),
    path("o/revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    path("o/introspect/", views.IntrospectTokenView.as_view(), name="introspect"),
    path("o/jwks/", views.JwksInfoView.as_view(), name="jwks-info"),
    path("o/userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path("o/logout/", views.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]
