"""OpenID Connect endpoints (django-oauth-toolkit views) mounted at the node's root.

Discovery sits at ``/.well-known/openid-configuration`` so the issuer is the node's origin;
the protocol endpoints live under ``/o/``. Client management is Shuxiang's own (staff of a
library register clients through the API), so the toolkit's management pages are not mounted.
"""

from urllib.parse import urlsplit

from django.urls import path, re_path
from oauth2_provider import views
from oauth2_provider.models import get_application_model

from shuxiang.core.middleware import CSP


class FormsMayRedirectToTheClient:
    """Let the consent and logout forms redirect to the client's registered origins.

    Browsers apply CSP ``form-action`` to the redirect after a form post too, so the node-wide
    ``form-action 'self'`` would stop the reader at the last step of the flow.
    """

    uri_field = "redirect_uris"

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        client_id = request.POST.get("client_id") or request.GET.get("client_id")
        app = get_application_model().objects.filter(client_id=client_id).first()
        if app is not None:
            origins = {
                f"{p.scheme}://{p.netloc}"
                for p in map(urlsplit, getattr(app, self.uri_field).split())
                if p.scheme and p.netloc
            }
            policy = CSP.replace(
                "form-action 'self'", " ".join(["form-action 'self'", *sorted(origins)])
            )
            response.headers["Content-Security-Policy"] = policy
        return response


class ConsentView(FormsMayRedirectToTheClient, views.AuthorizationView):
    pass


class LogoutView(FormsMayRedirectToTheClient, views.RPInitiatedLogoutView):
    uri_field = "post_logout_redirect_uris"


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
    path("o/authorize/", ConsentView.as_view(), name="authorize"),
    path("o/token/", views.TokenView.as_view(), name="token"),
    path("o/revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    path("o/introspect/", views.IntrospectTokenView.as_view(), name="introspect"),
    path("o/jwks/", views.JwksInfoView.as_view(), name="jwks-info"),
    path("o/userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path("o/logout/", LogoutView.as_view(), name="rp-initiated-logout"),
]
