"""The domain setup function: the delivery role can write the pipeline's indices and nothing else, and
every call is a SigV4-signed PUT of OpenSearch's security REST API whose refusal fails the deployment.

References: OpenSearch security REST API (roles, rolesmapping: PUT creates or replaces,
https://docs.opensearch.org/latest/security/access-control/api/), default action groups
(https://docs.opensearch.org/latest/security/access-control/default-action-groups/), and
Amazon OpenSearch Service request signing (service name ``es``).
"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.functions.helpers import load_function

app = load_function("search_setup")

EVENT = {
    "endpoint": "vpc-prod-search-abc.us-east-1.es.amazonaws.com",
    "setupRoleArn": "arn:aws:iam::123456789012:role/setup",
    "writerArns": ["arn:aws:iam::123456789012:role/firehose"],
    "readerArns": ["arn:aws:iam::123456789012:role/analyst"],
    "adminArns": ["arn:aws:iam::123456789012:role/search-admin"],
    "indexName": "events",
}
# Action groups and permissions that read data or change security (OpenSearch default action groups).
READING = {"read", "crud", "search", "get", "indices_all", "manage", "indices:data/read/*", "*"}


def _by_path() -> dict[str, dict[str, Any]]:
    return dict(app.security_requests(EVENT))


def test_the_delivery_role_is_mapped_to_a_write_only_role_on_the_pipelines_indices_only() -> None:
    requests = _by_path()
    writer = requests["/_plugins/_security/api/roles/eventfork_writer"]
    (permission,) = writer["index_permissions"]
    assert permission["index_patterns"] == ["events*"]
    assert not READING & set(permission["allowed_actions"])
    assert not {"*", "cluster_all", "cluster_manage"} & set(writer["cluster_permissions"])
    mapped = requests["/_plugins/_security/api/rolesmapping/eventfork_writer"]
    assert mapped == {"backend_roles": EVENT["writerArns"]}
    for role in ("all_access", "security_manager"):
        assert EVENT["writerArns"][0] not in requests[f"/_plugins/_security/api/rolesmapping/{role}"]["backend_roles"]


def test_administrators_and_the_setup_role_itself_keep_the_admin_roles() -> None:
    requests = _by_path()
    for role in ("all_access", "security_manager"):
        # A PUT replaces the mapping: leaving the master out would lock the setup out of its own domain.
        assert set(requests[f"/_plugins/_security/api/rolesmapping/{role}"]["backend_roles"]) == {
            EVENT["setupRoleArn"],
            *EVENT["adminArns"],
        }
    assert requests["/_plugins/_security/api/rolesmapping/eventfork_reader"] == {"backend_roles": EVENT["readerArns"]}


def test_roles_are_written_before_the_mappings_that_name_them() -> None:
    paths = [path for path, _ in app.security_requests(EVENT)]
    assert paths.index("/_plugins/_security/api/roles/eventfork_writer") < paths.index(
        "/_plugins/_security/api/rolesmapping/eventfork_writer"
    )


class _Response(io.BytesIO):
    status = 200

    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def test_every_call_is_a_signed_put_to_the_domain_endpoint(monkeypatch: pytest.MonkeyPatch, credentials: None) -> None:
    sent: list[urllib.request.Request] = []

    def urlopen(request: urllib.request.Request, timeout: float) -> _Response:
        sent.append(request)
        return _Response(b"{}")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    result = app.lambda_handler(EVENT, None)
    assert len(sent) == len(app.security_requests(EVENT)) == len(result["configured"])
    for request in sent:
        assert request.get_method() == "PUT"
        assert request.full_url.startswith(f"https://{EVENT['endpoint']}/_plugins/_security/api/")
        authorization = request.get_header("Authorization")
        assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
        assert "/us-east-1/es/aws4_request" in authorization
        assert json.loads(request.data)  # type: ignore[arg-type]


def test_a_refused_call_fails_the_invocation_naming_the_call(
    monkeypatch: pytest.MonkeyPatch, credentials: None
) -> None:
    def urlopen(request: urllib.request.Request, timeout: float) -> _Response:
        raise urllib.error.HTTPError(
            request.full_url, 403, "Forbidden", {}, io.BytesIO(b'{"message":"no permissions"}')
        )  # type: ignore[arg-type]

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    with pytest.raises(
        RuntimeError, match=r"PUT /_plugins/_security/api/roles/eventfork_writer was refused with HTTP 403"
    ):
        app.lambda_handler(EVENT, None)
