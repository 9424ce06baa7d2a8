"""Matching API: suggestions for one of the caller's pets, and passing on one."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.views import current_user
from config import features
from config.errors import error_responses
from config.features import feature_required
from matching import cache, services
from matching.api import serializers as io


class PetMatchesApi(APIView):
    permission_classes = (IsAuthenticated, feature_required(features.MATCHING))

    @extend_schema(
        parameters=[io.MatchQuery],
        responses={
            200: io.SuggestionListOutput,
            **error_responses(400, 401, (404, "not_found: no such active pet of yours."), 503),
        },
    )
    def get(self, request: Request, pet_id: int) -> HttpResponse:
        query = io.MatchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = cache.suggestions_json(
            owner=current_user(request),
            pet_id=pet_id,
            limit=query.validated_data["limit"],
            now=timezone.now(),
        )
        return HttpResponse(body, content_type="application/json")


class PetMatchPassApi(APIView):
    permission_classes = (IsAuthenticated, feature_required(features.MATCHING))

    @extend_schema(
        request=None,
        responses={
            204: None,
            **error_responses(
                (400, "validation_error: both pets are yours."),
                401,
                (404, "not_found: no such pet of yours, or no such other active pet."),
                503,
            ),
        },
    )
    def post(self, request: Request, pet_id: int, other_id: int) -> Response:
        services.match_pass(owner=current_user(request), pet_id=pet_id, other_id=other_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
