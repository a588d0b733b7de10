"""``python -m eventfork ops dlq ...`` against the emulator, through the boto3 calls it makes on AWS.

The command builds its own boto3 clients from the caller's environment (here answered in-process by
the emulator); its dead letters come from the real buffer function.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from eventfork.ops.cli import run
from tests.buffer.conftest import BufferWorld

ROOT = Path(__file__).resolve().parents[2]


def ops(
    world: BufferWorld, *argv: str, sleep: Any = None, outputs: dict[str, Any] | None = None
) -> tuple[int, str, str]:
    """Run the command with the world's stack outputs on standard input; (exit code, stdout, stderr)."""
    given = outputs if outputs is not None else stack_outputs(world)
    out, err = io.StringIO(), io.StringIO()
    code = run(
        list(argv),
        stdin=io.StringIO(json.dumps(given)),
        stdout=out,
        stderr=err,
        clock=world.clock.now,
        sleep=sleep or (lambda seconds: None),
    )
    return code, out.getvalue(), err.getvalue()


def stack_outputs(world: BufferWorld) -> dict[str, Any]:
    return {
        "bufferDlqUrl": world.dlq_url,
        "bufferQueueUrls": [world.source_url],
        "bufferTableName": "groups",
        "bufferIntervalSeconds": 60,
    }


def drain(world: BufferWorld, rounds: int = 10, **steps: Any) -> None:
    """Let the buffer function work the source queue, the virtual clock moving past each window.

    ``steps``: pure steps given to the function (``BufferFunction``'s keyword arguments)."""
    for _ in range(rounds):
        event = world.receive_event()
        if event["Records"]:
            world.settle(event, world.function(**steps).handle(event).response)
        world.clock.advance_to(world.clock.t + 61)


def send(world: BufferWorld, group: str, event_id: str, body: str, occurred_at: float, **attributes: str) -> None:
    world.sqs.send_message(
        QueueUrl=world.source_url,
        MessageBody=body,
        MessageGroupId=group,
        MessageDeduplicationId=event_id,
        MessageAttributes={
            "occurredAt": {"DataType": "Number", "StringValue": repr(occurred_at)},
            **{k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
        },
    )


@pytest.fixture
def dead(world: BufferWorld) -> BufferWorld:
    """Three dead letters: p1 (user-1) and s1 (user-2) failed processing, bad (user-3) is not JSON;
    then s2, newer than s1, was delivered to user-2."""
    start = world.clock.now()
    send(world, "user-3", "bad", "not json", start)
    send(world, "user-1", "p1", '{"consent":  "no"}', start, channel="web")
    send(world, "user-2", "s1", '{"consent": "no"}', start)

    def broken(event: Any, fifo: bool) -> dict[str, Any]:
        raise RuntimeError("downstream schema rejected it")

    drain(world, world.settings.max_attempts + 1, prepare_delivery=broken)
    send(world, "user-2", "s2", '{"consent": "yes"}', start + 500)
    drain(world, 2)
    assert [e["eventId"] for e in world.downstream()] == ["s2"]
    return world


def test_export_gives_every_event_with_its_payload_byte_for_byte_and_changes_nothing(dead: BufferWorld) -> None:
    code, out, err = ops(dead, "dlq", "export")
    assert code == 0, err
    lines = {line["eventId"]: line for line in map(json.loads, out.splitlines())}
    assert set(lines) == {"bad", "p1", "s1"}
    assert lines["p1"]["body"] == '{"consent":  "no"}'  # the producer's text, spacing included
    assert lines["bad"]["body"] == "not json"
    assert lines["p1"]["groupId"] == "user-1" and lines["p1"]["deadLetteredBy"] == "buffer"
    assert lines["p1"]["attributes"]["channel"] == {"DataType": "String", "StringValue": "web"}
    assert lines["p1"]["reason"].startswith("processing failed 3 times")
    # read-only: the messages are all still there, visible at the next instant
    dead.clock.advance_to(dead.clock.t + 0.001)
    code, again, _ = ops(dead, "dlq", "export")
    assert code == 0 and sorted(again.splitlines()) == sorted(out.splitlines())


def test_count_and_list_by_reason(dead: BufferWorld) -> None:
    code, out, _ = ops(dead, "dlq", "count", "--json")
    assert code == 0
    counted = json.loads(out)
    assert counted["total"] == 3 and counted["notRead"] == 0
    assert counted["byReason"] == {"processing failed N times": 2, "body is not valid JSON": 1}
    dead.clock.advance_to(dead.clock.t + 0.001)
    code, out, _ = ops(dead, "dlq", "list")
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    expected = {("bad", "user-3", "buffer"), ("p1", "user-1", "buffer"), ("s1", "user-2", "buffer")}
    assert {(r[0], r[1], r[2]) for r in rows} == expected


def test_redrive_is_a_dry_run_by_default_that_says_what_the_buffer_will_do(dead: BufferWorld) -> None:
    code, out, err = ops(dead, "dlq", "redrive", "--json")
    assert code == 0, err
    said = {line["eventId"]: line for line in map(json.loads, out.splitlines())}
    assert said["p1"]["action"] == "deliver"
    assert said["s1"]["action"] == "stale" and "older than the last delivered" in said["s1"]["why"]
    assert said["bad"]["action"] == "dead-letter again" and "not valid JSON" in said["bad"]["why"]
    assert "add --apply" in err
    assert not any(line.get("redriven") for line in said.values())
    drain(dead, 2)
    assert [e["eventId"] for e in dead.downstream()] == ["s2"]  # nothing was sent


def test_apply_redrives_each_event_at_the_rate_and_the_buffer_does_what_the_dry_run_said(dead: BufferWorld) -> None:
    pauses: list[float] = []
    code, out, err = ops(dead, "dlq", "redrive", "--apply", "--rate", "4", "--ids", "p1,s1", sleep=pauses.append)
    assert code == 0, err
    assert pauses == [0.25, 0.25]
    rows = [line.split("\t") for line in out.splitlines()]
    assert {(r[0], r[2]) for r in rows} == {("p1", "deliver (redriven)"), ("s1", "stale (redriven)")}
    drain(dead, 3)
    assert [e["eventId"] for e in dead.downstream()] == ["s2", "p1"]  # s1 suppressed as stale
    dead.clock.advance_to(dead.clock.t + 0.001)
    code, out, _ = ops(dead, "dlq", "export")
    assert [json.loads(line)["eventId"] for line in out.splitlines()] == ["bad"]  # only what was not chosen


def test_bad_outputs_and_aws_errors_are_one_line_with_the_documented_exit_code(world: BufferWorld) -> None:
    code, out, err = ops(world, "dlq", "count", outputs={"topicArn": "x"})
    assert code == 2 and "bufferDlqUrl" in err and "Traceback" not in err and len(err.splitlines()) == 1
    no_interval = {k: v for k, v in stack_outputs(world).items() if k != "bufferIntervalSeconds"}
    code, _, err = ops(world, "dlq", "redrive", outputs=no_interval)
    assert code == 2 and "--interval-seconds" in err
    gone = {**stack_outputs(world), "bufferDlqUrl": world.dlq_url.replace("buf-dlq", "no-such-queue")}
    code, _, err = ops(world, "dlq", "list", outputs=gone)
    assert code == 3 and "AWS refused ReceiveMessage" in err and len(err.splitlines()) == 1
    code, _, err = ops(world, "dlq", "purge")
    assert code == 2


def test_the_module_entry_point_runs_the_command() -> None:
    """``python -m eventfork ops``: usage errors exit 2 with one line, before any AWS call."""
    done = subprocess.run(
        [sys.executable, "-m", "eventfork", "ops", "dlq", "count"],
        cwd=ROOT,
        input="not json",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "eventfork ops: the stack outputs (-) are not JSON: pass `pulumi stack output --json`"


def test_an_interrupted_command_says_to_run_it_again_without_a_traceback() -> None:
    def interrupted(region: str | None) -> tuple[Any, Any]:
        raise KeyboardInterrupt

    outputs = {"bufferDlqUrl": "https://sqs.us-east-1.amazonaws.com/1/d.fifo", "bufferTableName": "t"}
    outputs |= {"bufferQueueUrls": ["https://sqs.us-east-1.amazonaws.com/1/q.fifo"], "bufferIntervalSeconds": 60}
    err = io.StringIO()
    code = run(["dlq", "count"], clients=interrupted, stdin=io.StringIO(json.dumps(outputs)), stderr=err)
    assert code == 130 and "run the same command again" in err.getvalue() and len(err.getvalue().splitlines()) == 1
