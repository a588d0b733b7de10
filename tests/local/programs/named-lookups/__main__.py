"""A record in the team's existing hosted zone, and its alerts topic found by name."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
zone = aws.route53.get_zone(name=config.require("domain"))
aws.route53.Record(
    "www", zone_id=zone.zone_id, name=f"www.{zone.name}", type="CNAME", ttl=300, records=["lb.example.net"]
)
alerts = aws.sns.get_topic(name="alerts")
aws.sns.TopicSubscription("oncall", topic=alerts.arn, protocol="email", endpoint="oncall@example.com")
