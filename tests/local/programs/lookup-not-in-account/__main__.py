"""A DNS record in a hosted zone found by name: the zone must already exist in the account."""

import pulumi_aws as aws

zone = aws.route53.get_zone(name="example.com")
aws.route53.Record("www", zone_id=zone.zone_id, name="www.example.com", type="CNAME", ttl=300, records=["x"])
