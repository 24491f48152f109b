"""Kurrent Cloud provider: exchange the stored refresh token for an access token, list a
project's clusters, and download a cluster's certificate bundle.

Endpoints (base URLs configurable): `POST {identity}/oauth/token` with grant_type=refresh_token,
then `GET {api}/mesdb/v1/organizations/{org}/projects/{project}/shared/clusters[/{cluster}
[/certificate]]` with `Authorization: Bearer`. Every request goes through core.https (proxy,
timeouts, size cap). The refresh token lives only in the OS keyring (core.secrets).
"""

from __future__ import annotations

import io
import json
import ssl
import tarfile
import urllib.parse
from dataclasses import asdict, dataclass, replace
from typing import Any

from clustertrust.core import fileio, paths
from clustertrust.core.cancel import CancelToken
from clustertrust.core.cloud.kurrent_body import bundle_files
from clustertrust.core.errors import InputError, OperationFailed
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.logs import register_secret
from clustertrust.core.remedy import Action, Remedy
from clustertrust.core.secrets import load_secret, save_secret
from clustertrust.core.source.https import Progress, Response, Timeouts, https_get, split_https_url
from clustertrust.core.source.load import SourceData

DEFAULT_API_URL = "https://api.eventstore.cloud"
DEFAULT_IDENTITY_URL = "https://identity.eventstore.com"
DEFAULT_CLIENT_ID = "OraYp3cFES9O8aWuQtnqi1A7m534iTwt"  # the public client id of Kurrent's CLI
TOKEN_NAME = "kurrent-cloud-refresh-token"
SETTINGS_FILE = "kurrent_cloud.json"
UI_PORT = 2113
MAX_JSON = 1 << 20
MAX_BUNDLE = 4 << 20
_RELOGIN = translatable(
    "Create a new refresh token in the Kurrent Cloud console, then sign in with it again."
)
_SIGN_IN = (Remedy(Action.CLOUD_LOGIN),)


@dataclass(frozen=True)
class CloudSettings:
    """Where to reach Kurrent Cloud and which project to use; never the token."""

    api_url: str = DEFAULT_API_URL
    identity_url: str = DEFAULT_IDENTITY_URL
    client_id: str = DEFAULT_CLIENT_ID
    organization: str = ""
    project: str = ""

    def updated(self, **changes: str | None) -> CloudSettings:
        given = {k: v.strip() for k, v in changes.items() if v}
        for key in ("api_url", "identity_url"):
            if key in given:
                split_https_url(given[key])
                given[key] = given[key].rstrip("/")
        return replace(self, **given)


@dataclass(frozen=True)
class ClusterInfo:
    id: str
    name: str
    status: str
    address: str | None  # the cluster UI to verify, https://host:port

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def load_settings() -> CloudSettings:
    path = paths.config_dir() / SETTINGS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return CloudSettings()
    except (OSError, ValueError) as exc:
        raise InputError(
            tr("The Kurrent Cloud settings in {path} cannot be read ({error}).").format(
                path=path, error=exc
            ),
            tr("Delete that file and sign in again."),
            _SIGN_IN,
        ) from exc
    known = {k: str(v) for k, v in data.items() if k in CloudSettings.__dataclass_fields__}
    return CloudSettings(**known)


def save_settings(settings: CloudSettings) -> None:
    path = paths.config_dir() / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(asdict(settings), indent=2) + "\n"
    fileio.write_atomic(path, text.encode("utf-8"))


def sign_in(
    settings: CloudSettings,
    token: str = "",
    *,
    remember: bool = False,
    context: ssl.SSLContext | None = None,
) -> KurrentCloud:
    """One sign-in for the wizard and `cloud login`: a typed token is checked by exchanging it
    before anything is kept (and kept in the keyring only when asked); without one, the keyring's.
    The settings are saved once the sign-in worked."""
    if token:
        client = KurrentCloud(settings, token, context=context)
    else:
        client = KurrentCloud.from_keyring(settings, context=context)
    client.access_token()
    if token and remember:
        save_secret(TOKEN_NAME, token)
    save_settings(settings)
    return client


def require_ids(
    settings: CloudSettings, organization: str | None, project: str | None
) -> tuple[str, str]:
    org, proj = organization or settings.organization, project or settings.project
    if not org or not proj:
        raise InputError(
            tr("The Kurrent Cloud organization and project are not known."),
            tr(
                "Give the organization and the project (both ids are in the console's address "
                "bar); signing in saves them."
            ),
            (Remedy(Action.CLOUD_LOGIN, ("--org", "ORG", "--project", "PROJECT")),),
        )
    return org, proj


class KurrentCloud:
    """A session with one refresh token; the access token is kept in memory only."""

    def __init__(
        self,
        settings: CloudSettings,
        refresh_token: str,
        *,
        context: ssl.SSLContext | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        if not refresh_token.strip():
            raise InputError(tr("The Kurrent Cloud token is empty."), tr(_RELOGIN), _SIGN_IN)
        self.settings = settings
        self._refresh_token = refresh_token.strip()
        register_secret(self._refresh_token)
        self._context = context
        self._timeouts = timeouts or Timeouts()
        self._access: str | None = None

    @classmethod
    def from_keyring(cls, settings: CloudSettings, **options: Any) -> KurrentCloud:
        token = load_secret(TOKEN_NAME)
        if not token:
            raise InputError(
                tr("No Kurrent Cloud token is stored on this computer."),
                tr("Sign in with a refresh token from the console."),
                _SIGN_IN,
            )
        return cls(settings, token, **options)

    def access_token(self, renew: bool = False) -> str:
        if self._access and not renew:
            return self._access
        url = f"{self.settings.identity_url}/oauth/token"
        form = {
            "grant_type": "refresh_token",
            "client_id": self.settings.client_id,
            "refresh_token": self._refresh_token,
        }
        response = self._get(url, MAX_JSON, form=form)
        document = _json(response, "the identity service")
        token = document.get("access_token") if response.status == 200 else None
        if not isinstance(token, str) or not token:
            raise _token_refused(response, document)
        register_secret(token)
        self._access = token
        return token

    def list_clusters(self, organization: str, project: str) -> list[ClusterInfo]:
        response = self._api(
            _clusters_path(organization, project),
            MAX_JSON,
            tr("the project {project}").format(project=repr(project)),
        )
        document = _json(response, "Kurrent Cloud")
        items = document.get("clusters", []) if isinstance(document, dict) else document
        if not isinstance(items, list):
            raise _unexpected(tr("the cluster list"))
        return [_cluster_info(item) for item in items if isinstance(item, dict)]

    def cluster(self, organization: str, project: str, cluster: str) -> ClusterInfo:
        path = f"{_clusters_path(organization, project)}/{_quote(cluster)}"
        response = self._api(path, MAX_JSON, _what(organization, project, cluster))
        document = _json(response, "Kurrent Cloud")
        return _cluster_info(document.get("cluster", document))

    def certificate(
        self,
        organization: str,
        project: str,
        cluster: str,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> SourceData:
        path = f"{_clusters_path(organization, project)}/{_quote(cluster)}/certificate"
        what = _what(organization, project, cluster)
        response = self._api(path, MAX_BUNDLE, what, progress, cancel)
        origin = f"Kurrent Cloud cluster {cluster} (project {project})"
        return SourceData(origin, bundle_files(response.body, response.headers, what))

    def _api(
        self,
        path: str,
        max_bytes: int,
        what: str,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> Response:
        url = f"{self.settings.api_url}{path}"
        for renew in (False, True):  # an access token that expired meanwhile is renewed once
            headers = {"Authorization": f"Bearer {self.access_token(renew)}", "Accept": "*/*"}
            response = self._get(url, max_bytes, headers, progress, cancel)
            if response.status != 401:
                break
        return _checked(response, what)

    def _get(
        self,
        url: str,
        max_bytes: int,
        headers: dict[str, str] | None = None,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
        form: dict[str, str] | None = None,
    ) -> Response:
        return https_get(
            url,
            headers=headers,
            context=self._context,
            timeouts=self._timeouts,
            max_bytes=max_bytes,
            progress=progress,
            cancel=cancel,
            form=form,
        )


def _quote(part: str) -> str:
    if not part.strip() or "/" in part:
        raise InputError(
            tr("{id} is not a Kurrent Cloud id.").format(id=repr(part)),
            tr("Copy the id from the console."),
        )
    return urllib.parse.quote(part.strip(), safe="")


def _clusters_path(organization: str, project: str) -> str:
    return (
        f"/mesdb/v1/organizations/{_quote(organization)}/projects/{_quote(project)}/shared/clusters"
    )


def _what(organization: str, project: str, cluster: str) -> str:
    return tr("the cluster {cluster} in project {project} of organization {organization}").format(
        cluster=repr(cluster), project=repr(project), organization=repr(organization)
    )


def _json(response: Response, who: str) -> dict[str, Any]:
    try:
        document = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        if response.status == 200:
            raise _unexpected(tr("the answer of {who}").format(who=who)) from None
        return {}
    return document if isinstance(document, dict) else {"clusters": document}


def _token_refused(response: Response, document: dict[str, Any]) -> InputError | OperationFailed:
    code = str(document.get("error", ""))
    detail = str(document.get("error_description", "")) or code
    if response.status in (400, 401, 403) or code:
        if detail:
            message = tr(
                "Kurrent Cloud refused the stored token: it has expired or was revoked ({detail})."
            ).format(detail=detail)
        else:
            message = tr("Kurrent Cloud refused the stored token: it has expired or was revoked.")
        return InputError(message, tr(_RELOGIN), _SIGN_IN)
    return OperationFailed(
        tr("The Kurrent Cloud identity service answered {status}.").format(status=response.status),
        tr("Try again in a few minutes; check status.kurrent.io if it persists."),
    )


def _checked(response: Response, what: str) -> Response:
    status = response.status
    if status == 200:
        return response
    if status == 401:
        raise InputError(
            tr("Kurrent Cloud did not accept the access token for {what}.").format(what=what),
            tr(_RELOGIN),
            _SIGN_IN,
        )
    if status == 403:
        raise InputError(
            tr("Your Kurrent Cloud account may not read {what}.").format(what=what),
            tr("Ask an administrator of the organization for access, or check the ids."),
        )
    if status == 404:
        raise InputError(
            tr("Kurrent Cloud does not know {what}.").format(what=what),
            tr("Check the ids in the console, or list the project's clusters."),
            (Remedy(Action.CLOUD_CLUSTERS),),
        )
    raise OperationFailed(
        tr("Kurrent Cloud answered {status} for {what}.").format(status=status, what=what),
        tr("Try again in a few minutes; check status.kurrent.io if it persists."),
    )


def _unexpected(what: str) -> OperationFailed:
    return OperationFailed(
        tr("Kurrent Cloud sent something unexpected for {what}.").format(what=what),
        tr("Check that the API address is Kurrent Cloud's."),
        (Remedy(Action.CLOUD_LOGIN, ("--api-url", "URL")),),
    )


def _cluster_info(item: dict[str, Any]) -> ClusterInfo:
    cluster_id = str(item.get("id") or item.get("clusterId") or "")
    name = str(item.get("description") or item.get("name") or cluster_id)
    return ClusterInfo(cluster_id, name, str(item.get("status", "")), _address(item))


def _address(item: dict[str, Any]) -> str | None:
    addresses = item.get("addresses")
    candidates = [addresses.get("ui"), addresses.get("http")] if isinstance(addresses, dict) else []
    candidates += [item.get("address"), item.get("uiAddress")]
    for value in candidates:
        if isinstance(value, str) and value.strip():
            value = value.strip()
            return value if "://" in value else f"https://{value}"
    dns = item.get("dnsName") or item.get("dns")
    return f"https://{dns}:{UI_PORT}" if isinstance(dns, str) and dns else None


def archive_bytes(source: SourceData) -> bytes:
    """The downloaded bundle as one file: as served, or a tar.gz of the files JSON carried."""
    if len(source.files) == 1:
        return source.files[0][1]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in source.files:
            member = tarfile.TarInfo(name)
            member.size, member.mode = len(data), 0o600
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()
