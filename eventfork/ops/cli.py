"""``python -m eventfork ops``: list, count, export and redrive the buffer DLQ's events.

Exit codes: 0 done; 1 done, but some events could not be redriven (each named on standard error);
2 bad usage or stack outputs (the missing key named); 3 AWS refused a call or could not be reached (no
credentials, access denied, no such queue), one line naming the call; 130 interrupted (Ctrl-C: run it
again, an event sent but not yet deleted is deduplicated). Never a traceback.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import IO, Any

from eventfork.ops.dead_letters import read, reason_kind, release
from eventfork.ops.redrive import DELIVER, Target, redrive

EXIT_OK, EXIT_NOT_ALL, EXIT_USAGE, EXIT_AWS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DEFAULT_LIMIT = 10_000


class UsageError(Exception):
    """Bad arguments or stack outputs: exit 2."""


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m eventfork ops", description=__doc__.splitlines()[0])
    top.add_argument(
        "--outputs",
        default="-",
        help="the stack's `pulumi stack output --json` (a file, or - for standard input; the default)",
    )
    top.add_argument("--region", help="AWS Region (default: the one in the buffer queue's URL)")
    top.add_argument(
        "--interval-seconds", type=float, help="the buffer's interval, if the outputs have no bufferIntervalSeconds"
    )
    commands = top.add_subparsers(dest="area", required=True)
    dlq = commands.add_parser("dlq", help="the buffer's dead-letter queue")
    actions = dlq.add_subparsers(dest="action", required=True)
    for name, text in (
        ("list", "one line per dead-lettered event: id, group, who dead-lettered it, reason"),
        ("count", "dead-lettered events by kind of reason"),
        ("export", "JSON lines with every event's body byte for byte, attributes and reason"),
    ):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("--max", type=int, default=DEFAULT_LIMIT, help="read at most this many messages")
        sub.add_argument("--json", action="store_true", help="JSON output")
    again = actions.add_parser("redrive", help="put events back in the buffer queue, each to its group's partition")
    again.add_argument("--ids", help="comma-separated event ids (or DLQ message ids); default: every event")
    mode = again.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="say what the buffer will do with each; change nothing")
    mode.add_argument("--apply", action="store_true", help="redrive (without it, a dry run)")
    again.add_argument("--rate", type=float, default=10.0, help="events sent per second (default 10)")
    again.add_argument("--max", type=int, default=DEFAULT_LIMIT, help="read at most this many messages")
    again.add_argument(
        "--include-unknown-ids", action="store_true", help="also redrive events whose id SQS's dead-lettering lost"
    )
    again.add_argument("--json", action="store_true", help="JSON lines, one per event")
    return top


def read_outputs(source: str, stdin: IO[str]) -> dict[str, Any]:
    try:
        text = stdin.read() if source == "-" else open(source, encoding="utf-8").read()  # noqa: SIM115
    except OSError as error:
        raise UsageError(f"cannot read the stack outputs {source}: {error.strerror}") from None
    try:
        outputs = json.loads(text)
    except ValueError:
        raise UsageError(f"the stack outputs ({source}) are not JSON: pass `pulumi stack output --json`") from None
    if not isinstance(outputs, dict):
        raise UsageError("the stack outputs must be a JSON object, as `pulumi stack output --json` prints")
    return outputs


def target_of(outputs: dict[str, Any], interval: float | None) -> Target:
    missing = [k for k in ("bufferDlqUrl", "bufferTableName") if not isinstance(outputs.get(k), str)]
    if missing:
        raise UsageError(f"the stack outputs have no {', '.join(missing)}: is this a stack with a buffer?")
    urls = outputs.get("bufferQueueUrls") or [outputs.get("bufferQueueUrl")]
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and u for u in urls):
        raise UsageError("the stack outputs have no bufferQueueUrls (or bufferQueueUrl)")
    if interval is None:
        value = outputs.get("bufferIntervalSeconds")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError("the stack outputs have no bufferIntervalSeconds: pass --interval-seconds")
        interval = float(value)
    return Target(str(outputs["bufferDlqUrl"]), [str(u) for u in urls], str(outputs["bufferTableName"]), interval)


def region_of(url: str) -> str | None:
    found = re.match(r"https://sqs\.([a-z0-9-]+)\.", url)
    return found.group(1) if found else None


def _aws_error(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        info = response.get("Error", {})
        operation = getattr(error, "operation_name", "a call")
        return f"AWS refused {operation}: {info.get('Code', '?')}: {info.get('Message', '')}"
    return f"AWS could not be reached: {error}"


def run(
    argv: Sequence[str],
    *,
    clients: Callable[[str | None], tuple[Any, Any]] | None = None,
    stdin: IO[str] = sys.stdin,
    stdout: IO[str] = sys.stdout,
    stderr: IO[str] = sys.stderr,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """The command; ``clients(region)`` gives (sqs, dynamodb) boto3 clients (default: the caller's credentials)."""
    try:
        args = parser().parse_args(list(argv))
    except SystemExit as stop:
        return EXIT_OK if stop.code == 0 else EXIT_USAGE
    try:
        if args.max < 1 or (args.action == "redrive" and not 0 < args.rate <= 1000):
            raise UsageError("--max must be at least 1 and --rate between 0 and 1000 events a second")
        target = target_of(read_outputs(args.outputs, stdin), args.interval_seconds)
    except UsageError as error:
        print(f"eventfork ops: {error}", file=stderr)
        return EXIT_USAGE
    region = args.region or region_of(target.dlq_url)
    try:
        sqs, dynamodb = (clients or _boto3_clients)(region)
        return _dispatch(args, target, sqs, dynamodb, stdout, stderr, clock, sleep)
    except KeyboardInterrupt:
        print("eventfork ops: interrupted; run the same command again (what was sent is deduplicated)", file=stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - botocore's errors: one line, exit 3
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(error, ClientError | BotoCoreError):
            print(f"eventfork ops: {_aws_error(error)}", file=stderr)
            return EXIT_AWS
        print(f"eventfork ops: unexpected error {type(error).__name__}: {error}", file=stderr)
        return EXIT_AWS


def _boto3_clients(region: str | None) -> tuple[Any, Any]:
    import boto3

    session = boto3.session.Session(region_name=region)
    return session.client("sqs"), session.client("dynamodb")


def _dispatch(
    args: argparse.Namespace,
    target: Target,
    sqs: Any,
    dynamodb: Any,
    stdout: IO[str],
    stderr: IO[str],
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> int:
    def warn(message: str) -> None:
        print(f"eventfork ops: {message}", file=stderr)

    if args.action == "redrive":
        ids = {i.strip() for i in args.ids.split(",") if i.strip()} if args.ids else None
        outcome = redrive(
            sqs,
            dynamodb,
            target,
            ids=ids,
            apply=args.apply,
            rate=args.rate,
            limit=args.max,
            include_unknown_ids=args.include_unknown_ids,
            clock=clock,
            sleep=sleep,
            on_error=warn,
        )
        for verdict in outcome.verdicts:
            if args.json:
                print(json.dumps(verdict.line()), file=stdout)
            else:
                done = " (redriven)" if verdict.sent else ""
                print(
                    f"{verdict.letter.event_id or verdict.letter.message_id}\t{verdict.letter.group}\t"
                    f"{verdict.action}{done}\t{verdict.why}",
                    file=stdout,
                )
        if not args.apply:
            deliver = sum(1 for v in outcome.verdicts if v.action == DELIVER)
            warn(f"dry run: {deliver} of {len(outcome.verdicts)} would be delivered; add --apply to redrive")
        if outcome.not_reached:
            warn(f"{outcome.not_reached} more messages in the DLQ were not reached; run again")
        for verdict in outcome.failed:
            warn(f"{verdict.letter.event_id or verdict.letter.message_id}: {verdict.error}")
        return EXIT_NOT_ALL if outcome.failed else EXIT_OK
    reading = read(sqs, target.dlq_url, args.max)
    try:
        if args.action == "count":
            kinds = Counter(reason_kind(d.reason) for d in reading.letters)
            counted = {"total": len(reading.letters), "byReason": dict(kinds.most_common()), "notRead": reading.behind}
            if args.json:
                print(json.dumps(counted), file=stdout)
            else:
                for kind, count in kinds.most_common():
                    print(f"{count}\t{kind}", file=stdout)
                print(f"{len(reading.letters)}\ttotal", file=stdout)
        else:
            for letter in reading.letters:
                line = letter.export()
                if args.action == "list":
                    line.pop("body")
                    line.pop("attributes")
                if args.json or args.action == "export":
                    print(json.dumps(line), file=stdout)
                else:
                    print(
                        f"{letter.event_id or '(unknown id)'}\t{letter.group}\t{letter.dead_lettered_by}\t"
                        f"{letter.reason}",
                        file=stdout,
                    )
        if reading.behind:
            warn(f"{reading.behind} more messages are in the DLQ (behind their group's first ones, or in flight)")
    finally:
        release(sqs, target.dlq_url, reading.letters, warn)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv)
