"""EventBridge: the original account on forwarded events, and TestEventPattern's result.

Restores, per the EventBridge User Guide / API Reference:

1. Every delivered event carries `account` (the account the event happened in; for PutEvents the
   caller's) and `region` (EventBridge User Guide, "Amazon EventBridge events"). moto renders
   targets through a default template that omits `account`.
2. An event sent to an event bus in another account (a rule target that is a bus ARN) keeps its
   `account` and `region`: they name where the event happened, not the bus that relays it
   ("Sending and receiving events between AWS accounts"). moto re-puts the event in the target
   account, which stamps that account instead. The project's central bus relies on `account` to
   know which member an Auto Scaling failure came from. It keeps its `resources` too: moto
   re-puts the event without them, and a Spot Fleet or EC2 Fleet error names its fleet only there
   (EC2 User Guide, "Spot Fleet event types").
3. TestEventPattern returns `{"Result": true|false}` (API_TestEventPattern); moto answers an
   empty body. We answer with moto's own matcher, so a test of a pattern and delivery agree.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.events.models import EventPattern, Rule
from moto.events.utils import EventTemplateParser
from moto.events.responses import EventsHandler

_origin = threading.local()

_original_send_to_targets = Rule.send_to_targets


def _send_to_targets(self: Rule, event: dict[str, Any], *args: Any, **kwargs: Any) -> None:
    outer = getattr(_origin, "value", None)
    if outer is None:
        _origin.value = (event.get("account"), event.get("region"), event.get("resources", []))
        try:
            return _original_send_to_targets(self, event, *args, **kwargs)
        finally:
            _origin.value = None
    # Relayed through a cross-account / cross-region bus target: keep where it happened, and what it is about.
    event["account"], event["region"], event["resources"] = outer
    return _original_send_to_targets(self, event, *args, **kwargs)


def _test_event_pattern(self: EventsHandler) -> str:
    pattern = EventPattern.load(self._get_param("EventPattern"))
    event = json.loads(self._get_param("Event"))
    return json.dumps({"Result": bool(pattern.matches_event(event))})


def apply() -> None:
    # Without an InputTransformer the target gets the whole event; moto's stand-in template dropped `account`.
    EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = (
        '{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", "account": "<account>", '
        '"time": <time>, "region": "<region>", "resources": <resources>, "detail": <detail>}'
    )
    Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
    EventsHandler.test_event_pattern = _test_event_pattern  # type: ignore[method-assign]
