"""OpenID Connect endpoints (django-oauth-toolkit views) mounted at the node's root.

Discovery sits at ``/.well-known/openid-configuration``; the issuer is the configured base URL
(``SHUXIANG_BASE_URL``), the protocol endpoints live under ``/o/``. Client management is
Shuxiang's own (staff of a library register clients through the API), so the toolkit's
management pages are not mounted.
"""

import json
from urllib.parse import parse_qs, urlsplit

from django.http import JsonResponse
from django.urls import path, re_path
from oauth2_provider import views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from shuxiang.accounts.oidc import authorizing_user
from shuxiang.accounts.oidc_sessions import authorizing_request
from shuxiang.core.middleware import node_policy


def client_policy(client_id: str, uri_field: str = "redirect_uris") -> str | None:
    """The node's CSP with the client's registered origins added to ``form-action``."""
    app = get_application_model().objects.filter(client_id=client_id).first() if client_id else None
    if app is None:
        return None
    origins = {
        f"{p.scheme}://{p.netloc}"
        for p in map(urlsplit, getattr(app, uri_field).split())
        if p.scheme and p.netloc
    }
    return node_policy().replace(
        "form-action 'self'", " ".join(["form-action 'self'", *sorted(origins)])
    )


def policy_for_next(next_url: str) -> str | None:
    """A login form whose ``next`` is the authorization endpoint ends, after its post and two
    redirects, at the client: browsers apply ``form-action`` to that whole chain."""
    parts = urlsplit(next_url or "")
    if parts.path.rstrip("/") != "/o/authorize":
        return None
    return client_policy(parse_qs(parts.query).get("client_id", [""])[0])


class FormsMayRedirectToTheClient:
    """Let the consent and logout forms redirect to the client's registered origins.

    Browsers apply CSP ``form-action`` to the redirect after a form post too, so the node-wide
    ``form-action 'self'`` would stop the reader at the last step of the flow.
    """

    uri_field = "redirect_uris"

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        client_id = request.POST.get("client_id") or request.GET.get("client_id")
        policy = client_policy(client_id, self.uri_field)
        if policy is not None:
            response.headers["Content-Security-Policy"] = policy
        return response


class ConsentView(FormsMayRedirectToTheClient, views.AuthorizationView):
    """The authorization endpoint; ``prompt=none`` answers per OIDC Core §3.1.2.6.

    Without a session: ``login_required``; without consent (or a center-approved client that
    skips it): ``consent_required``; otherwise a code, never a page.
    """

    def dispatch(self, request, *args, **kwargs):
        token = authorizing_user.set(request.user)
        browser = authorizing_request.set(request)
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            authorizing_user.reset(token)
            authorizing_request.reset(browser)

    def get(self, request, *args, **kwargs):
        if "none" not in request.GET.get("prompt", "").split():
            return super().get(request, *args, **kwargs)
        try:  # the validator refuses with login_required / consent_required
            scopes, credentials = self.validate_authorization_request(request)
            app = get_application_model().objects.get(client_id=credentials["client_id"])
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        return self.redirect(uri, app)


class DiscoveryView(views.ConnectDiscoveryInfoView):
    """Discovery advertising exactly what the provider accepts (RS256 ID tokens only)."""

    def get(self, request, *args, **kwargs):
        data = json.loads(super().get(request, *args, **kwargs).content)
        data["id_token_signing_alg_values_supported"] = ["RS256"]
        data["grant_types_supported"] = list(oauth2_settings.OAUTH2_GRANT_TYPES_SUPPORTED)
        data["backchannel_logout_supported"] = True  # Back-Channel Logout 1.0 §2.1
        data["backchannel_logout_session_supported"] = True
        response = JsonResponse(data)
        response["Access-Control-Allow-Origin"] = "*"
        return response


class LogoutView(FormsMayRedirectToTheClient, views.RPInitiatedLogoutView):
    uri_field = "post_logout_redirect_uris"


app_name = "oauth2_provider"
urlpatterns = [
    re_path(
        r"^\.well-known/openid-configuration/?$",
        DiscoveryView.as_view(),
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
