"""Domain setup: give each principal of the analytics pipeline exactly its OpenSearch role.

With fine-grained access control an IAM principal may do nothing on a domain until the security
plugin maps it to a role, and only the master user can map. This function runs as the master user
(the domain's setup role, which nothing but this function assumes), once per deployment that changes
what it is given, and:

- maps the Firehose delivery role to ``eventfork_writer``: create and write the pipeline's indices,
  nothing else (no read, no delete, no security API);
- maps the configured readers to ``eventfork_reader``: read and search the pipeline's indices;
- maps the configured administrators, and itself, to ``all_access`` and ``security_manager``.

Every call is a signed ``PUT`` of the security REST API
(https://docs.opensearch.org/latest/security/access-control/api/), so running it again converges to
the same state. A refused call fails the invocation, which fails the deployment.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

WRITER_ROLE = "eventfork_writer"
READER_ROLE = "eventfork_reader"
ADMIN_ROLES = ("all_access", "security_manager")
SECURITY_API = "/_plugins/_security/api"


def security_requests(event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The (path, JSON body) of each PUT, in order: roles before the mappings that name them."""
    pattern = f"{event['indexName']}*"
    writer = {
        "cluster_permissions": ["cluster_monitor", "cluster_composite_ops", "indices:admin/template/get"],
        "index_permissions": [
            {
                "index_patterns": [pattern],
                "allowed_actions": ["create_index", "write", "indices:admin/mapping/put", "indices:admin/get"],
            }
        ],
    }
    reader = {
        "cluster_permissions": ["cluster_composite_ops_ro"],
        "index_permissions": [{"index_patterns": [pattern], "allowed_actions": ["read"]}],
    }
    admins = sorted({*event["adminArns"], event["setupRoleArn"]})
    requests: list[tuple[str, dict[str, Any]]] = [
        (f"{SECURITY_API}/roles/{WRITER_ROLE}", writer),
        (f"{SECURITY_API}/roles/{READER_ROLE}", reader),
        (f"{SECURITY_API}/rolesmapping/{WRITER_ROLE}", {"backend_roles": sorted(event["writerArns"])}),
        (f"{SECURITY_API}/rolesmapping/{READER_ROLE}", {"backend_roles": sorted(event["readerArns"])}),
    ]
    requests += [(f"{SECURITY_API}/rolesmapping/{role}", {"backend_roles": admins}) for role in ADMIN_ROLES]
    return requests


def _signed_put(endpoint: str, path: str, body: dict[str, Any], region: str) -> tuple[int, str]:
    from botocore.auth import SigV4Auth  # in every Lambda Python runtime; imported here so tests need no AWS
    from botocore.awsrequest import AWSRequest
    from botocore.session import get_session

    url = f"https://{endpoint}{path}"
    data = json.dumps(body, sort_keys=True).encode()
    request = AWSRequest(method="PUT", url=url, data=data, headers={"Content-Type": "application/json"})
    SigV4Auth(get_session().get_credentials(), "es", region).add_auth(request)
    prepared = urllib.request.Request(url, data=data, method="PUT", headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(prepared, timeout=20) as response:  # noqa: S310 (https endpoint of the domain)
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode("utf-8", "replace")


def lambda_handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    region = os.environ["AWS_REGION"]
    done = []
    for path, body in security_requests(event):
        status, text = _signed_put(event["endpoint"], path, body, region)
        if status not in (200, 201):
            raise RuntimeError(f"PUT {path} was refused with HTTP {status}: {text[:500]}")
        done.append(path)
    return {"configured": done}
