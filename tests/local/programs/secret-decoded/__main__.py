"""A MySQL instance whose master password comes from a secret kept base64-encoded in stack config."""

import base64

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
db_user = config.require("dbUser")
db_password = config.require_secret("dbPassword").apply(lambda encoded: base64.b64decode(encoded).decode("utf-8"))

db = aws.rds.Instance(
    "app-db",
    engine="mysql",
    instance_class="db.t3.micro",
    allocated_storage=20,
    username=db_user,
    password=db_password,
    skip_final_snapshot=True,
)
credentials = aws.secretsmanager.Secret("app-db-credentials")
aws.secretsmanager.SecretVersion(
    "app-db-credentials",
    secret_id=credentials.id,
    secret_string=pulumi.Output.json_dumps({"username": db_user, "password": db_password}),
)
pulumi.export("dbPassword", db_password)
