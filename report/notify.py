"""``--notify``: tell an Amazon SNS topic when a build's conclusions flipped or its numbers moved beyond seed noise.

An SNS topic rather than an EventBridge rule: people subscribe to a topic by
e-mail, SMS or HTTPS (or another service, an EventBridge Pipe or a Lambda, by
ARN) with nothing more to create, and the build publishes one message; an
EventBridge rule would need an event bus to put the event on and a target for
the rule, and still an SNS topic behind it to reach a person. The message is
the comparison as ``cnn-report compare`` prints it, without colour.

Telling is a convenience: nothing to tell publishes nothing, and a failure to
publish (no boto3, no credentials, no permission, no such topic) is a warning,
never the build's failure. boto3 is imported only when there is something to
publish.
"""

from __future__ import annotations

from report.change_views import as_text
from report.progress import BuildProgress

SUBJECT_FLIPPED = "cnn-report: a conclusion flipped"
SUBJECT_MOVED = "cnn-report: numbers moved beyond seed noise"
# SNS takes a message of at most 256 KiB (262,144 bytes of UTF-8).
MESSAGE_LIMIT = 256 * 1024
TRUNCATED = "\n[… cut to SNS's 256 KB limit: the whole comparison is the report's report.json, under changes]"


def should_notify(changes: dict | None) -> bool:
    """Whether the changes are worth telling: a conclusion flipped, or a metric moved beyond seed noise."""
    return bool(changes) and bool(changes["flips"] or changes["beyond_noise"])


def publish_request(topic_arn: str, report: dict) -> dict:
    """The SNS Publish request that tells ``topic_arn`` what changed in ``report`` (one with ``changes``)."""
    changes = report["changes"]
    # The previous report's side of the comparison (its date, code and settings) is changes["previous"]; the text
    # needs nothing else of it, so the old report itself is not kept for this.
    message = as_text(changes, {}, report, color=False)
    return {
        "TopicArn": topic_arn,
        "Subject": SUBJECT_FLIPPED if changes["flips"] else SUBJECT_MOVED,
        "Message": fit_message(message),
    }


def fit_message(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """``message``, cut with a note where it would exceed ``limit`` bytes of UTF-8 (never inside a character)."""
    data = message.encode("utf-8")
    if len(data) <= limit:
        return message
    room = limit - len(TRUNCATED.encode("utf-8"))
    return data[:room].decode("utf-8", errors="ignore") + TRUNCATED


def notify(topic_arn: str, report: dict, progress: BuildProgress, client=None) -> bool:
    """Publish the comparison of ``report`` (a build's summary) to ``topic_arn`` if it is worth telling.

    Returns whether a message was published. ``client`` is an SNS client
    (boto3's by default, in the topic's own region).
    """
    if not should_notify(report.get("changes")):
        return False
    request = publish_request(topic_arn, report)
    try:
        import boto3
        import botocore.exceptions
    except ImportError:
        progress.warning(f"cannot tell {topic_arn} what changed: boto3 is not installed (pip install boto3)")
        return False
    try:
        # The topic's own region, whichever the build runs in.
        client = client or boto3.client("sns", region_name=topic_arn.split(":")[3])
        client.publish(**request)
    except botocore.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        fix = {
            "AuthorizationError": f"; allow sns:Publish on {topic_arn} to the role or user that builds",
            "AccessDenied": f"; allow sns:Publish on {topic_arn} to the role or user that builds",
            "NotFound": "; create the topic (aws sns create-topic) or fix --notify",
            "KMSAccessDenied": "; allow kms:GenerateDataKey and kms:Decrypt on the topic's key",
        }.get(code, "")
        progress.warning(f"cannot tell {topic_arn} what changed ({code}: {message}){fix}; the report is written")
        return False
    except botocore.exceptions.BotoCoreError as error:
        progress.warning(f"cannot tell {topic_arn} what changed ({error}); the report is written")
        return False
    progress.note(f"Told {topic_arn}: {request['Subject'].removeprefix('cnn-report: ')}")
    return True
