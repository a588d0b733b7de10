"""Values derived from provider-computed outputs through apply and Output.all."""

import pulumi
import pulumi_aws as aws

queue = aws.sqs.Queue("jobs", name="jobs")
topic = aws.sns.Topic("events", name="events")
label = queue.arn.apply(lambda arn: f"queue:{arn}")
both = pulumi.Output.all(queue.arn, topic.arn).apply(lambda arns: "|".join(arns))
instance = aws.ec2.Instance("web", ami="ami-12345678", instance_type="t3.micro")
pulumi.export("label", label)
pulumi.export("both", both)
pulumi.export("publicIp", instance.public_ip)
pulumi.export("url", instance.public_ip.apply(lambda ip: f"http://{ip}"))
