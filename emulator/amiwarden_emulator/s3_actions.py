"""The S3 action of a REST request, for the call log.

S3 speaks REST: no `Action` parameter and no `X-Amz-Target`, so the call log would record every S3
request with an empty action and the tests' "no mutating call" check could not tell a GetObject
from a PutObject. The action follows from the method, whether the path names a bucket or an
object, and the subresource in the query string, as in the S3 API Reference (each operation's
"Request Syntax"). Path-style addressing only: the emulator listens on an IP address, where the
SDK and amiwarden's S3 client both put the bucket in the path. A request this table does not know
is named `Unknown<METHOD>`, never an empty string, so that a check of read-only actions counts it
as a change.
"""

from __future__ import annotations

from urllib.parse import parse_qs

# Subresources S3 names operations after (PutBucketPolicy, GetObjectTagging, ...).
_SUBRESOURCES = {
    "acl": "Acl",
    "tagging": "Tagging",
    "policy": "Policy",
    "lifecycle": "LifecycleConfiguration",
    "versioning": "Versioning",
    "encryption": "Encryption",
    "cors": "Cors",
    "website": "Website",
    "logging": "Logging",
    "notification": "NotificationConfiguration",
    "replication": "Replication",
    "ownershipControls": "OwnershipControls",
    "publicAccessBlock": "PublicAccessBlock",
    "object-lock": "ObjectLockConfiguration",
    "retention": "Retention",
    "legal-hold": "LegalHold",
    "accelerate": "AccelerateConfiguration",
    "requestPayment": "RequestPayment",
    "attributes": "Attributes",
}


def s3_action(method: str, path: str, query_string: str, headers: dict[str, str]) -> str:
    query = parse_qs(query_string, keep_blank_values=True)
    parts = [p for p in path.split("/", 2)[1:] if p] if path.startswith("/") else []
    bucket = parts[0] if parts else ""
    key = parts[1] if len(parts) > 1 else ""
    sub = next((name for name in _SUBRESOURCES if name in query), None)
    method = method.upper()

    if not bucket:
        return "ListBuckets" if method == "GET" else f"Unknown{method}"

    if not key:
        if method == "HEAD":
            return "HeadBucket"
        if method == "POST" and "delete" in query:
            return "DeleteObjects"
        if method == "GET":
            if sub:
                return f"GetBucket{_SUBRESOURCES[sub]}"
            if "location" in query:
                return "GetBucketLocation"
            if "versions" in query:
                return "ListObjectVersions"
            if "uploads" in query:
                return "ListMultipartUploads"
            return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
        if method == "PUT":
            return f"PutBucket{_SUBRESOURCES[sub]}" if sub else "CreateBucket"
        if method == "DELETE":
            return f"DeleteBucket{_SUBRESOURCES[sub]}" if sub else "DeleteBucket"
        return f"Unknown{method}"

    if method == "HEAD":
        return "HeadObject"
    if method == "GET":
        if sub:
            return f"GetObject{_SUBRESOURCES[sub]}"
        return "ListParts" if "uploadId" in query else "GetObject"
    if method == "PUT":
        if sub:
            return f"PutObject{_SUBRESOURCES[sub]}"
        copying = any(name.lower() == "x-amz-copy-source" for name in headers)
        if "uploadId" in query:
            return "UploadPartCopy" if copying else "UploadPart"
        return "CopyObject" if copying else "PutObject"
    if method == "DELETE":
        if sub:
            return f"DeleteObject{_SUBRESOURCES[sub]}"
        return "AbortMultipartUpload" if "uploadId" in query else "DeleteObject"
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        if "uploadId" in query:
            return "CompleteMultipartUpload"
        if "restore" in query:
            return "RestoreObject"
        if "select" in query:
            return "SelectObjectContent"
    return f"Unknown{method}"
