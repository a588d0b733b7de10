"""Corpus case: an alarm topic nobody is subscribed to"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
topic = aws.sns.Topic("bad", name="orders-alarms", kms_master_key_id=key.arn)
aws.cloudwatch.MetricAlarm(
    "orders-dlq-visible",
    namespace="AWS/SQS",
    metric_name="ApproximateNumberOfMessagesVisible",
    dimensions={"QueueName": "orders-dlq"},
    statistic="Maximum",
    period=60,
    evaluation_periods=1,
    threshold=0,
    comparison_operator="GreaterThanThreshold",
    alarm_actions=[topic.arn],
)
