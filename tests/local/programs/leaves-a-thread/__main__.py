"""Declares its bucket, then starts a heartbeat thread that never ends (not a daemon)."""

import threading
import time

import pulumi_aws as aws

aws.s3.Bucket("heartbeat")


def beat() -> None:
    while True:
        time.sleep(0.2)


threading.Thread(target=beat, name="heartbeat").start()
