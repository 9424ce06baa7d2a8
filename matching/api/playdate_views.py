"""Playdates API: thin views over matching.playdate_services and matching.playdate_selectors."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.api.views import current_user
from config import features
from config.errors import RETRY_AFTER, error_responses
from config.features import feature_required
from matching import playdate_selectors as selectors
from matching import playdate_services as services
from matching.api import serializers as io
from matching.models import Playdate
from realtime import chat_selectors

NO_SUCH_PLAYDATE = (404, "not_found: no such playdate of yours.")
# An answer (accept, decline, cancel, counter) to a playdate that is not waiting for it.
ANSWER_ERRORS = error_responses(401, NO_SUCH_PLAYDATE, 409, 503)


def _answer(playdate: Playdate, *, status_code: int = status.HTTP_200_OK) -> Response:
    data = selectors.playdate_data(playdate, now=timezone.now())
    return Response(io.PlaydateOutput(data).data, status=status_code)


class PlaydateListCreateApi(APIView):
    permission_classes = (IsAuthenticated, feature_required(features.PLAYDATES))

    @extend_schema(
        operation_id="v1_playdates_list",
        parameters=[io.PlaydateListQuery],
        responses={200: io.PlaydateListOutput, **error_responses(400, 401, 503)},
    )
    def get(self, request: Request) -> Response:
        query = io.PlaydateListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit: int = query.validated_data["limit"]
        now = timezone.now()
        user = current_user(request)
        playdates = selectors.playdate_list(
            user=user,
            now=now,
            status=query.validated_data.get("status"),
            role=query.validated_data.get("role"),
            before=query.validated_data.get("before"),
        )
        # One playdate more than the page tells whether there is a next page, without a COUNT.
        page = list(chat_selectors.playdates_with_chat(playdates, user=user)[: limit + 1])
        next_url = None
        if len(page) > limit:
            page = page[:limit]
            next_url = replace_query_param(request.build_absolute_uri(), "before", page[-1].pk)
        chats = chat_selectors.chat_summaries(page)
        results = [
            {**selectors.playdate_data(playdate, now=now), **chats[playdate.pk]}
            for playdate in page
        ]
        return Response(io.PlaydateListOutput({"results": results, "next": next_url}).data)

    @extend_schema(
        request=io.PlaydateInviteInput,
        responses={
            201: io.PlaydateOutput,
            **error_responses(
                400,
                401,
                (404, "not_found: no such pet of yours, or no such other active pet."),
                (409, "conflict: the time has passed."),
                429,
                503,
            ),
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request: Request) -> Response:
        payload = io.PlaydateInviteInput(data=request.data)
        payload.is_valid(raise_exception=True)
        fields = dict(payload.validated_data)
        playdate = services.playdate_invite(
            inviter=current_user(request),
            from_pet_id=fields.pop("from_pet"),
            to_pet_id=fields.pop("to_pet"),
            **fields,
        )
        return _answer(playdate, status_code=status.HTTP_201_CREATED)


class PlaydateDetailApi(APIView):
    permission_classes = (IsAuthenticated, feature_required(features.PLAYDATES))

    @extend_schema(
        responses={200: io.PlaydateOutput, **error_responses(401, NO_SUCH_PLAYDATE, 503)}
    )
    def get(self, request: Request, playdate_id: int) -> Response:
        return _answer(selectors.playdate_get(user=current_user(request), playdate_id=playdate_id))


class PlaydateAcceptApi(APIView):
    permission_classes = (IsAuthenticated, feature_required(features.PLAYDATES))

    @extend_schema(request=None, responses={200: io.PlaydateOutput, **ANSWER_ERRORS})
    def post(self, request: Request, playdate_id: int) -> Response:
        """Only the side whose answer is awaited; 409 if either pet has an accepted playdate
        within two hours."""
        user = current_user(request)
        return _answer(services.playdate_accept(user=user, playdate_id=playdate_id))


class PlaydateDeclineApi(APIView):
    permission_classes = (IsAuthenticated, feature_required(features.PLAYDATES))

    @extend_schema(request=None, responses={200: io.PlaydateOutput, **ANSWER_ERRORS})
    def post(self, request: Request, playdate_id: int) -> Response:
        """Only the side whose answer is awaited."""
        user = current_user(request)
        return _answer(services.playdate_decline(user=user, playdate_id=playdate_id))


class PlaydateCancelApi(APIView):
    permission_classes = (IsAuthenticated, feature_required(features.PLAYDATES))

    @extend_schema(request=None, responses={200: io.PlaydateOutput, **ANSWER_ERRORS})
    def post(self, request: Request, playdate_id: int) -> Response:
        """Either owner, while the playdate is pending or accepted."""
        user = current_user(request)
        return _answer(services.playdate_cancel(user=user, playdate_id=playdate_id))


class PlaydateCounterApi(APIView):
    permission_classes = (IsAuthenticated, feature_required(features.PLAYDATES))

    @extend_schema(
        request=io.PlaydateCounterInput,
        responses={200: io.PlaydateOutput, **error_responses(400), **ANSWER_ERRORS},
    )
    def post(self, request: Request, playdate_id: int) -> Response:
        """Another time (and place) from the side whose answer is awaited; the playdate stays
        pending and now awaits the other side."""
        payload = io.PlaydateCounterInput(data=request.data)
        payload.is_valid(raise_exception=True)
        playdate = services.playdate_counter(
            user=current_user(request), playdate_id=playdate_id, **payload.validated_data
        )
        return _answer(playdate)
