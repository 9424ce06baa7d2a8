"""Matching API: suggestions for one of the caller's pets, and passing on one."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.views import current_user
from matching import selectors, services
from matching.api import serializers as io


class PetMatchesApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description="1-50, default 20")],
        responses={200: io.SuggestionListOutput},
    )
    def get(self, request: Request, pet_id: int) -> Response:
        query = io.MatchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        suggestions = selectors.pet_matches(
            owner=current_user(request),
            pet_id=pet_id,
            limit=query.validated_data["limit"],
            now=timezone.now(),
        )
        # Rendered straight into SuggestionListOutput's shape: the profiles are JSON-ready, and
        # running twenty suggestions through nested serializers cost more than finding them.
        results = [
            {
                "pet": match.candidate.profile.public,
                "owner": {
                    "id": match.candidate.profile.public["owner_id"],
                    "username": match.candidate.profile.owner_username,
                },
                "distance_km": match.suggestion.distance_km,
                "score": match.suggestion.score,
                "reasons": match.suggestion.reasons,
                "suggested_slots": [selectors.iso_8601(slot) for slot in match.slots],
            }
            for match in suggestions
        ]
        return Response({"results": results, "next": None})


class PetMatchPassApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, pet_id: int, other_id: int) -> Response:
        services.match_pass(owner=current_user(request), pet_id=pet_id, other_id=other_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
