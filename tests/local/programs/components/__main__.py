"""A local ComponentResource with children, and a remote component (as awsx's are) that is not expanded."""

import pulumi
import pulumi_aws as aws


class Website(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:web:Website", name, None, opts)
        self.bucket = aws.s3.BucketV2(f"{name}-bucket", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"bucket": self.bucket.id})


site = Website("site")
vpc = pulumi.ComponentResource("awsx:ec2:Vpc", "vpc", {"numberOfAvailabilityZones": 2}, remote=True)
pulumi.export("bucket", site.bucket.id)
