"""The analytics pipeline's OpenSearch domain: who may call it, how it is secured, where it logs.

Declared by ``SearchAnalyticsPipeline`` (every resource here is one of its children) when the stack
names no existing domain.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.common import account_and_region, policy_json
from eventfork.components.parts.resource_policies import mask_card_numbers
from eventfork.components.parts.search_network import SearchNetwork
from eventfork.config.analytics import AnalyticsConfig
from eventfork.naming import physical
from eventfork.network_rules import domain_zones

TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"
# What Firehose does on a domain: describe it, then bulk-index over HTTPS.
FIREHOSE_DOMAIN_ACTIONS = ["es:DescribeDomain", "es:DescribeDomains", "es:DescribeDomainConfig"]
FIREHOSE_HTTP_ACTIONS = ["es:ESHttpPost", "es:ESHttpPut", "es:ESHttpGet"]
READER_HTTP_ACTIONS = ["es:ESHttpGet", "es:ESHttpHead"]
ADMIN_HTTP_ACTIONS = [
    "es:ESHttpGet",
    "es:ESHttpHead",
    "es:ESHttpPost",
    "es:ESHttpPut",
    "es:ESHttpPatch",
    "es:ESHttpDelete",
]
# Published to CloudWatch Logs: who did what (needs fine-grained access control) and the domain's errors.
DOMAIN_LOG_TYPES = {"AUDIT_LOGS": "audit", "ES_APPLICATION_LOGS": "errors"}


def cluster_config(cfg: AnalyticsConfig) -> dict[str, Any]:
    """Data nodes (zone aware over 2 or 3 zones when more than one) and optional dedicated masters."""
    zones = domain_zones(cfg.instanceCount)
    zone_aware = zones > 1
    cluster: dict[str, Any] = {
        "instance_type": cfg.instanceType,
        "instance_count": cfg.instanceCount,
        "dedicated_master_enabled": cfg.dedicatedMasterEnabled,
        "zone_awareness_enabled": zone_aware,
    }
    if cfg.dedicatedMasterEnabled:
        cluster.update(dedicated_master_type=cfg.dedicatedMasterType, dedicated_master_count=cfg.dedicatedMasterCount)
    if zone_aware:
        cluster["zone_awareness_config"] = {"availability_zone_count": zones}
    return cluster


def planned_domain(cfg: AnalyticsConfig, name_prefix: str, parent: pulumi.Resource) -> tuple[str, pulumi.Input[str]]:
    """The domain's name and ARN: the configured domain's, or the one to create, known before it exists.

    The created domain's own access policy and the Firehose role name its ARN before the domain exists.
    """
    if cfg.domainArn:
        return cfg.domainArn.split(":domain/")[1], cfg.domainArn
    domain_name = physical("analytics-domain", name_prefix)
    account, region = account_and_region(parent)
    partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=parent)).partition
    return domain_name, pulumi.Output.concat("arn:", partition, ":es:", region, ":", account, ":domain/", domain_name)


def access_statements(
    planned_arn: pulumi.Input[str],
    indexer_arn: pulumi.Input[str],
    master_arn: pulumi.Input[str],
    reader_arns: list[str],
    admin_arns: list[str],
) -> list[dict[str, Any]]:
    """The domain's access policy: the indexer writes, the setup role configures security, the configured
    readers search and administrators administer; nobody else. Fine-grained access control then narrows
    each to its OpenSearch role (functions/search_setup)."""
    documents = pulumi.Output.concat(planned_arn, "/*")
    statements: list[dict[str, Any]] = [
        {
            "Sid": "PipelineIndexes",
            "Effect": "Allow",
            "Principal": {"AWS": indexer_arn},
            "Action": FIREHOSE_HTTP_ACTIONS,
            "Resource": documents,
        },
        {
            "Sid": "SetupConfiguresSecurity",
            "Effect": "Allow",
            "Principal": {"AWS": master_arn},
            "Action": ["es:ESHttpGet", "es:ESHttpPut"],
            "Resource": pulumi.Output.concat(planned_arn, "/_plugins/_security/*"),
        },
    ]
    if reader_arns:
        statements.append(
            {
                "Sid": "ReadersSearch",
                "Effect": "Allow",
                "Principal": {"AWS": list(reader_arns)},
                "Action": READER_HTTP_ACTIONS,
                "Resource": documents,
            }
        )
    if admin_arns:
        statements.append(
            {
                "Sid": "AdministratorsAdminister",
                "Effect": "Allow",
                "Principal": {"AWS": list(admin_arns)},
                "Action": ADMIN_HTTP_ACTIONS,
                "Resource": documents,
            }
        )
    return statements


def search_domain(
    name: str,
    domain_name: str,
    planned_arn: pulumi.Input[str],
    *,
    parent: pulumi.Resource,
    indexer_arn: pulumi.Input[str],
    master_arn: pulumi.Input[str],
    network: SearchNetwork | None,
    cfg: AnalyticsConfig,
    kms_key_arn: pulumi.Input[str],
    tags: dict[str, str],
    log_options: list[dict[str, Any]],
) -> aws.opensearch.Domain:
    """A private domain: in a VPC (unless ``publicAccess``), CMK at rest, TLS 1.2+ between nodes and to
    clients, fine-grained access control whose master user is the setup role, not the delivery role.

    The delivery role gets only what functions/search_setup maps it to: write the pipeline's indices.
    """
    vpc_options = (
        None
        if network is None
        else {"subnet_ids": network.domain_subnet_ids, "security_group_ids": network.domain_security_group_ids}
    )
    return aws.opensearch.Domain(
        f"{name}-domain",
        domain_name=domain_name,
        engine_version=cfg.engineVersion,
        cluster_config=cluster_config(cfg),
        ebs_options={"ebs_enabled": True, "volume_size": cfg.volumeSizeGb, "volume_type": "gp3"},
        encrypt_at_rest={"enabled": True, "kms_key_id": kms_key_arn},
        node_to_node_encryption={"enabled": True},
        domain_endpoint_options={"enforce_https": True, "tls_security_policy": TLS_POLICY},
        vpc_options=vpc_options,
        access_policies=policy_json(
            access_statements(planned_arn, indexer_arn, master_arn, list(cfg.readerArns), list(cfg.adminArns))
        ),
        advanced_security_options={
            "enabled": True,
            "anonymous_auth_enabled": False,
            "internal_user_database_enabled": False,
            "master_user_options": {"master_user_arn": master_arn},
        },
        log_publishing_options=log_options,
        # Service software updates install themselves in the domain's off-peak window (FSBP Opensearch.10).
        software_update_options={"auto_software_update_enabled": True},
        off_peak_window_options={"enabled": True},
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def domain_logs(
    name: str,
    domain_name: str,
    domain_arn: pulumi.Input[str],
    *,
    parent: pulumi.Resource,
    name_prefix: str,
    kms_key_arn: pulumi.Input[str],
    retention_days: int,
    tags: dict[str, str],
) -> list[dict[str, Any]]:
    """CMK-encrypted log groups for the domain's audit and error logs, and the policy letting it write them."""
    child = pulumi.ResourceOptions(parent=parent)
    groups = {
        log_type: aws.cloudwatch.LogGroup(
            f"{name}-domain-{suffix}-logs",
            name=physical("domain-log-group", name_prefix, of=domain_name, label=suffix),
            kms_key_id=kms_key_arn,
            retention_in_days=retention_days,
            tags=tags,
            opts=child,
        )
        for log_type, suffix in DOMAIN_LOG_TYPES.items()
    }
    for log_type, suffix in DOMAIN_LOG_TYPES.items():
        mask_card_numbers(f"{name}-domain-{suffix}-logs-data-protection", groups[log_type], parent)
    account, _ = account_and_region(parent)
    aws.cloudwatch.LogResourcePolicy(
        f"{name}-domain-logs-policy",
        policy_name=f"{domain_name}-logs",
        policy_document=policy_json(
            [
                {
                    "Sid": "DomainWritesItsLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": "es.amazonaws.com"},
                    "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                    "Resource": [pulumi.Output.concat(g.arn, ":*") for g in groups.values()],
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account},
                        "ArnLike": {"aws:SourceArn": domain_arn},
                    },
                }
            ]
        ),
        opts=child,
    )
    return [{"log_type": t, "cloudwatch_log_group_arn": g.arn, "enabled": True} for t, g in groups.items()]
