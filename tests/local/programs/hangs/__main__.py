"""Waits forever (on a value nothing resolves)."""

import time

while True:
    time.sleep(0.05)
