"""Input and output serializers for the chat API.

Inputs take JSON's own types only (see pets.api.serializers): no "3" for an id, no 42 for a body.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from pets.api.serializers import Text, WholeNumber
from realtime.chat_selectors import MessageData
from realtime.chat_services import MAX_BODY_LENGTH
from realtime.models import MAX_REF_LENGTH


class MessageOutput(serializers.Serializer[MessageData]):
    """A message, as `realtime.chat_selectors.message_data` renders it. A deleted account's
    messages have `sender_id` null and `sender_name` "deleted user"; `hidden` (set by a
    moderator) is only ever true for moderators; `ref` is shown to the sender alone."""

    id = serializers.IntegerField()
    playdate_id = serializers.IntegerField()
    sender_id = serializers.IntegerField(allow_null=True)
    sender_name = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    hidden = serializers.BooleanField()
    ref = serializers.CharField(
        allow_null=True,
        help_text="Your own id for the message, as you sent it, on your own messages; null on "
        "anyone else's, when you sent none, and in a playdate's last_message.",
    )


class MessageListOutput(serializers.Serializer[dict[str, Any]]):
    results = MessageOutput(many=True)
    next = serializers.URLField(allow_null=True)


class MessageListQuery(serializers.Serializer[dict[str, Any]]):
    """Newest first. `next` carries `before`: the id of the last message on the page."""

    before = serializers.IntegerField(min_value=1, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=50)


class MessageSendInput(serializers.Serializer[dict[str, Any]]):
    body = Text(
        allow_blank=True,
        help_text=f"1 to {MAX_BODY_LENGTH} characters after trimming spaces around the text.",
    )
    ref = Text(
        max_length=MAX_REF_LENGTH,
        required=False,
        help_text="Your own id for this message: sending again with the same ref returns the "
        "stored message instead of a second one. Unique per sender (a UUID, say).",
    )


class ChatReadInput(serializers.Serializer[dict[str, Any]]):
    message_id = WholeNumber(min_value=1, help_text="The newest message you have read.")
