"""Real-time API: the ticket that opens a WebSocket."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from config.errors import error_responses
from realtime import tickets


class TicketOutput(serializers.Serializer[dict[str, object]]):
    ticket = serializers.CharField(help_text="Opens one WebSocket: /ws/?ticket=<ticket>.")
    expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid.")


class TicketApi(APIView):
    @extend_schema(request=None, responses={200: TicketOutput, **error_responses(401)})
    def post(self, request: Request) -> Response:
        """A single-use ticket for one WebSocket of the caller's session, valid 30 seconds."""
        if not isinstance(request.user, User) or not isinstance(request.auth, Token):
            raise exceptions.NotAuthenticated
        ticket = tickets.ticket_issue(user_id=request.user.pk, session_id=int(request.auth["sid"]))
        return Response(TicketOutput({"ticket": ticket, "expires_in": tickets.TICKET_SECONDS}).data)
