"""EC2 DescribeImages / DescribeSnapshots pages: `MaxResults` and `NextToken`.

Restores, per the EC2 API Reference (API_DescribeImages, API_DescribeSnapshots): with
`MaxResults` (5 to 1,000) the answer holds at most that many items and a `NextToken` for the rest.
moto ignores both and answers everything in one page, so code that pages (the compliance sweep)
was never exercised past its first page, and a call count against the lower bound (pages of
1,000) came out below it. Applied after the other EC2 patches, so it pages what they answer.
"""

from __future__ import annotations

from typing import Any, Callable

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.amis import AmisResponse
from moto.ec2.responses.elastic_block_store import ElasticBlockStore

TOKEN_PREFIX = "amiwarden-page-"


def _paged(original: Callable[[Any], ActionResult], key: str) -> Callable[[Any], ActionResult]:
    def describe(self: Any) -> ActionResult:
        result = original(self)
        raw_max = self._get_param("MaxResults")
        if raw_max is None:
            return result
        max_results = int(raw_max)
        if not 5 <= max_results <= 1000:
            raise EC2ClientError("InvalidParameterValue", f"Value ( {max_results} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.")
        token = self._get_param("NextToken")
        start = 0
        if token:
            if not token.startswith(TOKEN_PREFIX) or not token[len(TOKEN_PREFIX):].isdigit():
                raise EC2ClientError("InvalidParameterValue", "Invalid value for NextToken")
            start = int(token[len(TOKEN_PREFIX):])
        body = dict(result.result)  # type: ignore[arg-type]
        items = list(body.get(key) or [])
        body[key] = items[start : start + max_results]
        if start + max_results < len(items):
            body["NextToken"] = f"{TOKEN_PREFIX}{start + max_results}"
        return ActionResult(body)

    return describe


def apply() -> None:
    AmisResponse.describe_images = _paged(AmisResponse.describe_images, "Images")  # type: ignore[method-assign]
    ElasticBlockStore.describe_snapshots = _paged(ElasticBlockStore.describe_snapshots, "Snapshots")  # type: ignore[method-assign]
