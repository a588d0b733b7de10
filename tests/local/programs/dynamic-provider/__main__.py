"""A dynamic provider, as programs write for what no provider offers."""

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Counter(ResourceProvider):
    def create(self, props: dict) -> CreateResult:
        return CreateResult("counter-1", {**props, "value": props["start"]})


class CounterResource(Resource):
    value: pulumi.Output[int]

    def __init__(self, name: str, start: int) -> None:
        super().__init__(Counter(), name, {"start": start, "value": None})


counter = CounterResource("counter", 3)
pulumi.export("value", counter.value)
