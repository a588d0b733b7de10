"""Waits for a configuration service before declaring its bucket, retrying on any error (as some programs do)."""

import threading
import time

import pulumi_aws as aws


def keep_polling() -> None:
    while True:
        time.sleep(0.2)


threading.Thread(target=keep_polling, name="config-poller").start()  # not a daemon: it keeps a process alive

while True:
    try:
        time.sleep(0.05)
    except BaseException:  # noqa: BLE001 - the program retries whatever happens
        continue

aws.s3.Bucket("config")
