"""Assets and archives given by relative paths, and a file read relative to the working directory."""

import pulumi
import pulumi_aws as aws

banner = open("banner.txt").read().strip()  # the engine runs the program in its own directory
bucket = aws.s3.BucketV2("site")
aws.s3.BucketObjectv2("banner", bucket=bucket.id, key="banner.txt", source=pulumi.FileAsset("./banner.txt"))
aws.s3.BucketObjectv2("inline", bucket=bucket.id, key="inline.txt", content=banner)
role = aws.iam.Role("role", assume_role_policy="{}")
aws.lambda_.Function(
    "fn", role=role.arn, runtime="python3.12", handler="index.handler", code=pulumi.FileArchive("./app")
)
aws.lambda_.Function(
    "zipped",
    role=role.arn,
    runtime="python3.12",
    handler="index.handler",
    code=pulumi.AssetArchive(
        {"index.py": pulumi.StringAsset("def handler(e, c): return e"), "lib": pulumi.FileArchive("./app")}
    ),
)
