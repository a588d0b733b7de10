"""An ordered, exactly-once buffer with an S3 backup, from the installed eventfork distribution."""

import pulumi

from eventfork import (
    BackupConfig,
    BufferConfig,
    EventFanOut,
    EventFanOutArgs,
    FifoEventBuffer,
    FifoEventBufferArgs,
    StorageBackupPipeline,
    StorageBackupPipelineArgs,
)

prefix = "orders-dev"
fanout = EventFanOut("fanout", EventFanOutArgs(name_prefix=prefix))
buffer = FifoEventBuffer(
    "buffer",
    FifoEventBufferArgs(
        name_prefix=prefix,
        topic_arn=fanout.topic_arn,
        topic_kms_key_arn=fanout.kms_key_arn,
        config=BufferConfig(intervalSeconds=30),
    ),
)
backup = StorageBackupPipeline(
    "backup",
    StorageBackupPipelineArgs(
        name_prefix=prefix,
        topic_arn=fanout.topic_arn,
        topic_fifo=True,
        kms_key_arn=fanout.kms_key_arn,
        config=BackupConfig(bufferingIntervalSeconds=120),
    ),
)

pulumi.export("bufferQueueUrl", buffer.queue_url)
pulumi.export("primaryQueueUrl", fanout.primary_queue_url)
pulumi.export("backupBucketName", backup.bucket_name)
